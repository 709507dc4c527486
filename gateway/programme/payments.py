"""The bank's results file (spec 3.9): approved applications become paid or payment_failed.

Each row names an application by tracking code and national ID. A change is a conditional
UPDATE from the status it was read in, in the same transaction as its history line and
its SMS, and the SMS carries the idempotency key `<status>:<application id>`; so an
import killed half-way and run again, or the same file imported twice, changes and sends
nothing twice. A row whose change is made already (the same file again) is `unchanged`,
not a reject. Rows are applied in chunks, each its own transaction, so webhooks keep
writing meanwhile; with `strict` the whole file is checked first and nothing is written
if any row is bad.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import islice
from pathlib import Path

from flows.parsing import parse_national_id
from flows.tracking import is_valid_tracking_code
from gateway.monitoring import counters
from gateway.platform.dates import parse_moment, utcnow
from gateway.platform.services import Services
from gateway.programme.jobs import enqueue_sends
from gateway.programme.results import add_result_message
from gateway.programme.staff_files import (
    ImportReport,
    RejectLog,
    RowError,
    checked_rows,
    parse_fields,
    record_import,
    required_text,
)
from gateway.store import applications as store
from gateway.store.models import Application

PAYMENT_COLUMNS = ("tracking_code", "national_id", "result", "paid_at", "reference", "reason")
RESULTS = {"paid": "paid", "failed": "payment_failed"}
# Which statuses each new status may come from (spec 3.9).
FROM_STATUSES = {"paid": ("approved", "payment_failed"), "payment_failed": ("approved",)}
CHUNK_ROWS = 500
CLOCK_SKEW = timedelta(minutes=10)  # a bank's clock a little ahead is not a bad row


def parse_payment_row(values: dict, timezone: str, now: datetime) -> dict:
    """One bank row -> tracking code, national ID, new status, paid_at, reference, reason;
    RowError names every bad field."""
    row = parse_fields(
        values,
        {
            "tracking_code": _parse_tracking_code,
            "national_id": _parse_national_id,
            "result": _parse_result,
            "paid_at": functools.partial(_parse_paid_at, timezone=timezone, now=now),
            "reference": lambda text: _optional_text(text, 64),
            "reason": lambda text: _optional_text(text, 200),
        },
    )
    if row["result"] == "paid" and row["paid_at"] is None:
        raise RowError("paid_at: missing (a paid row says when)")
    if row["result"] == "payment_failed" and row["reason"] is None:
        raise RowError("reason: missing (a failed row says why)")
    return row


def _parse_tracking_code(text: str) -> str:
    code = required_text(text, max_length=8)
    if not is_valid_tracking_code(code):
        raise RowError(f"{text.strip()!r} is not a tracking code (8 digits, check digit)")
    return code


def _parse_national_id(text: str) -> str:
    national_id = parse_national_id(required_text(text))
    if national_id is None:
        raise RowError(f"{text.strip()!r} is not a valid national ID (10 digits, check digit)")
    return national_id


def _parse_result(text: str) -> str:
    word = required_text(text).casefold()
    if word not in RESULTS:
        raise RowError(f"{text.strip()!r} is not paid or failed")
    return RESULTS[word]


def _parse_paid_at(text: str, timezone: str, now: datetime) -> datetime | None:
    if not text.strip():
        return None
    try:
        moment = parse_moment(text, timezone)
    except ValueError:
        raise RowError(
            f"{text.strip()!r} is not an ISO 8601 or Jalali YYYY/MM/DD HH:MM date-time"
        ) from None
    if moment > now + CLOCK_SKEW:
        raise RowError(f"{text.strip()!r} is in the future")
    return moment


def _optional_text(text: str, max_length: int) -> str | None:
    return required_text(text, max_length) if text.strip() else None


def planned_change(application: Application | None, row: dict) -> bool:
    """Whether the row changes its application (False: made already); RowError when the
    row does not fit the application (unknown, another national ID, another status)."""
    if application is None:
        raise RowError(f"tracking_code: no application {row['tracking_code']!r}")
    if application.national_id != row["national_id"]:
        raise RowError("national_id: not the national ID of this tracking code")
    target, current = row["result"], application.status
    if current == target:
        if target == "paid" and application.payment_reference != row["reference"]:
            raise RowError(
                f"result: paid already, with reference {application.payment_reference!r}"
            )
        return False
    if current not in FROM_STATUSES[target]:
        raise RowError(
            f"result: the application is {current}, not {' or '.join(FROM_STATUSES[target])}"
        )
    return True


def import_payments(
    services: Services,
    path: Path,
    rejects_path: Path,
    actor: str,
    *,
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Apply the bank's results file; its SMS are queued as each chunk commits."""
    now = utcnow()
    parse = functools.partial(parse_payment_row, timezone=services.settings.TIMEZONE, now=now)
    database = services.database
    if strict:
        with RejectLog(rejects_path) as rejects, database.session() as session:
            for line, values, row in checked_rows(path, PAYMENT_COLUMNS, parse, rejects):
                try:
                    planned_change(store.find_application(session, row["tracking_code"]), row)
                except RowError as exc:
                    rejects.add(line, str(exc), values)
        if rejects.count:
            return _recorded(services, actor, path, rejects.report(0))
    counts = {"changed": 0, "unchanged": 0}
    with RejectLog(rejects_path) as rejects:
        rows = checked_rows(path, PAYMENT_COLUMNS, parse, rejects, progress)
        while chunk := list(islice(rows, CHUNK_ROWS)):
            message_ids = []
            with database.session(write=True) as session:
                for line, values, row in chunk:
                    try:
                        outcome, message_id = _apply(session, row, now)
                    except RowError as exc:
                        rejects.add(line, str(exc), values)
                        continue
                    counts[outcome] += 1
                    message_ids += [message_id] if message_id is not None else []
                counters.count_messages(session, "sms", "out", n=len(message_ids))
            enqueue_sends(services.redis, message_ids)
        report = rejects.report(counts["changed"], unchanged=counts["unchanged"])
    return _recorded(services, actor, path, report)


def _apply(session, row: dict, now: datetime) -> tuple[str, int | None]:
    """Apply one row under its application's row lock: (`changed`, its SMS id) or
    (`unchanged`, None) when the change was made already; RowError for a reject."""
    found = store.find_application(session, row["tracking_code"])
    application = None if found is None else store.lock_application(session, found.id)
    if not planned_change(application, row):
        return "unchanged", None
    status, previous = row["result"], application.status
    columns = {"status": status, "payment_reason": row["reason"], "updated_at": now}
    if status == "paid":
        columns.update(paid_at=row["paid_at"], payment_reference=row["reference"])
    if not store.record_decision(session, application.id, previous, **columns):
        raise RuntimeError("an application changed under its row lock")
    detail = f"{previous} -> {status}" + (f": {row['reason']}" if row["reason"] else "")
    store.add_event(session, application.id, status, detail)
    once = f"{status}:{application.id}"
    return "changed", add_result_message(session, application, f"result_{status}", once=once)


def _recorded(services: Services, actor: str, path: Path, report: ImportReport) -> ImportReport:
    with services.database.session(write=True) as session:
        record_import(session, actor, "payments", path, report)
    return report
