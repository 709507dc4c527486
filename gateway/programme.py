"""The programme's phases and quotas: set by staff from the CLI, every change audited."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from gateway.db import Database
from gateway.models import utcnow
from gateway.registry_import import (
    RejectLog,
    RowError,
    checked_rows,
    parse_fields,
    required_text,
)
from gateway.store import registry as store
from gateway.store.audit import add_audit_event

QUOTA_COLUMNS = ("association_code", "association_name", "phase", "quota")
PROMOTE_JOB = "workers.waitlist.promote_waitlist"


class PhaseError(ValueError):
    """Phase dates that cannot be set."""


@dataclass(frozen=True)
class QuotaReport:
    """What a quota import did; `raised` are the (association, phase) quotas that grew."""

    imported: int
    rejected: int
    first_rejects: list[tuple[int, str]]
    rejects_path: Path
    raised: list[tuple[str, int]]


def parse_quota_row(values: dict, phases: set[int]) -> dict:
    """One quota row -> code, name (may be empty for a known association), phase, quota."""
    return parse_fields(
        values,
        {
            "association_code": functools.partial(required_text, max_length=16),
            "association_name": lambda text: required_text(text) if text.strip() else None,
            "phase": functools.partial(_parse_count, known=phases),
            "quota": _parse_count,
        },
    )


def _parse_count(text: str, known: set[int] | None = None) -> int:
    value = required_text(text, max_length=9)
    if not value.isdigit():
        raise RowError(f"{text.strip()!r} is not a whole number")
    if known is not None and int(value) not in known:
        raise RowError(f"no phase {int(value)}")
    return int(value)


def import_quotas(database: Database, path: Path, rejects_path: Path, actor: str) -> QuotaReport:
    """Create or rename associations and set quota limits, one transaction for the file.

    A limit below the places already used is refused for that row: a quota can never
    go under the places already taken. The caller promotes the waitlists of `raised`.
    """
    with database.session() as session:
        parse = functools.partial(parse_quota_row, phases=store.phase_numbers(session))
    imported, raised = 0, {}
    with RejectLog(rejects_path) as rejects, database.session(write=True) as session:
        for line, values, row in checked_rows(path, QUOTA_COLUMNS, parse, rejects):
            try:
                grew = _save_quota_row(session, actor, row)
            except RowError as exc:
                rejects.add(line, str(exc), values)
                continue
            imported += 1
            key = (row["association_code"], row["phase"])
            raised[key] = raised.get(key, False) or grew
    grown = [key for key, grew in raised.items() if grew]
    return QuotaReport(imported, rejects.count, rejects.first, rejects.path, grown)


def _save_quota_row(session, actor: str, row: dict) -> bool:
    """Apply one row; True when the quota's limit grew (its waitlist may move up)."""
    code, phase, limit = row["association_code"], row["phase"], row["quota"]
    quota = store.lock_quota(session, code, phase)
    if quota is not None and limit < quota.used:
        raise RowError(f"quota: {limit} is below the {quota.used} places already taken")
    if store.save_association_name(session, code, row["association_name"]) is None:
        raise RowError(f"association_name: missing for the new association {code!r}")
    before = None if quota is None else quota.limit
    if quota is None:
        store.add_quota(session, code, phase, limit)
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


def queue_promotion(redis, code: str, phase: int):
    """Queue the waitlist promotion of a raised quota (one job per quota at a time)."""
    from workers import enqueue

    job_id = f"promote_waitlist:{code}:{phase}"
    return enqueue(redis, "decisions", PROMOTE_JOB, code, phase, job_id=job_id)


def set_phase(
    database: Database, number: int, opens: datetime, closes: datetime, actor: str
) -> None:
    """Create or move a phase; refuses an empty span and any overlap with another phase."""
    if closes <= opens:
        raise PhaseError("--closes must be after --opens")
    with database.session(write=True) as session:
        clash = store.overlapping_phases(session, number, opens, closes)
        if clash:
            numbers = ", ".join(str(phase.number) for phase in clash)
            raise PhaseError(f"phase {number} would overlap phase {numbers}")
        before = store.find_phase(session, number)
        old = None if before is None else [before.opens_at, before.closes_at]
        store.save_phase(session, number, opens, closes)
        add_audit_event(
            session, actor, "phase.set", f"phase:{number}", before=old, after=[opens, closes]
        )


def phase_state(opens: datetime, closes: datetime, now: datetime | None = None) -> str:
    """`open`, `upcoming` or `closed` at `now`."""
    now = now or utcnow()
    if now < opens:
        return "upcoming"
    return "open" if now < closes else "closed"
