"""Quotas per association and phase: set from a file or one by one, every change audited."""

from __future__ import annotations

import functools
from pathlib import Path

from gateway.platform.db import Database
from gateway.programme.staff_files import (
    ImportReport,
    RejectLog,
    RowError,
    checked_rows,
    parse_fields,
    record_import,
    required_text,
)
from gateway.store import phases, quotas
from gateway.store.audit import add_audit_event
from gateway.store.registry import save_association_name

QUOTA_COLUMNS = ("association_code", "association_name", "phase", "quota")
MAX_PHASE = 99


def parse_quota_row(values: dict) -> dict:
    """One quota row -> code, name (may be empty for a named association), phase, quota."""
    return parse_fields(
        values,
        {
            "association_code": functools.partial(required_text, max_length=16),
            "association_name": lambda text: required_text(text) if text.strip() else None,
            "phase": functools.partial(_parse_count, low=1, high=MAX_PHASE),
            "quota": _parse_count,
        },
    )


def _parse_count(text: str, low: int = 0, high: int = 999_999_999) -> int:
    value = required_text(text, max_length=9)
    if not value.isdigit():
        raise RowError(f"{text.strip()!r} is not a whole number")
    if not low <= int(value) <= high:
        raise RowError(f"{int(value)} is not between {low} and {high}")
    return int(value)


def import_quotas(database: Database, path: Path, rejects_path: Path, actor: str) -> ImportReport:
    """Create or rename associations and set quota limits, one transaction for the file.

    A limit below the places already used is refused for that row: a quota can never
    go under the places already taken. The caller promotes the waitlists of `raised`.
    """
    imported, raised = 0, {}
    with RejectLog(rejects_path) as rejects, database.session(write=True) as session:
        for line, values, row in checked_rows(path, QUOTA_COLUMNS, parse_quota_row, rejects):
            try:
                grew = _save_quota_row(session, actor, row)
            except RowError as exc:
                rejects.add(line, str(exc), values)
                continue
            imported += 1
            key = (row["association_code"], row["phase"])
            raised[key] = raised.get(key, False) or grew
        report = rejects.report(imported, raised=[key for key, grew in raised.items() if grew])
        record_import(session, actor, "quotas", path, report)
    return report


def _save_quota_row(session, actor: str, row: dict) -> bool:
    """Apply one row; True when the quota's limit grew (its waitlist may move up)."""
    code, phase, limit = row["association_code"], row["phase"], row["quota"]
    quota = quotas.lock_quota(session, code, phase, create=False)
    if quota is not None and limit < quota.used:
        raise RowError(f"quota: {limit} is below the {quota.used} places already taken")
    association = save_association_name(session, code, row["association_name"])
    if association is None or association.name is None:
        raise RowError(f"association_name: missing, and association {code!r} has none yet")
    phases.add_undated_phase(session, phase)  # dated later by `smsgw phases set`
    before = None if quota is None else quota.limit
    if quota is None:
        quotas.add_quota(session, code, phase, limit)
    else:
        quota.limit = limit
    if before != limit:
        target = f"quota:{code}:{phase}"
        add_audit_event(session, actor, "quota.set", target, before=before, after=limit)
    return limit > (before or 0)


def set_quota(database: Database, code: str, phase: int, limit: int, actor: str) -> bool:
    """Set one quota's limit (audited); True when it grew. Refused (RowError) below `used`."""
    with database.session(write=True) as session:
        return _save_quota_row(
            session, actor, {"association_code": code, "phase": phase, "quota": limit,
                             "association_name": None},
        )  # fmt: skip
