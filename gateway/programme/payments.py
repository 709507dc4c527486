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

from flows.messages import render
from flows.parsing import parse_national_id
from flows.tracking import is_valid_tracking_code
from gateway.monitoring import counters
from gateway.platform.dates import parse_moment, utcnow
from gateway.platform.services import Services
from gateway.programme.jobs import enqueue_sends
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
from gateway.store.messages import add_keyed_messages
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
            rows = checked_rows(path, PAYMENT_COLUMNS, parse, rejects)
            while chunk := list(islice(rows, CHUNK_ROWS)):
                codes = (row["tracking_code"] for _, _, row in chunk)
                found = store.by_tracking_codes(session, codes, lock=False)
                for line, values, row in chunk:
                    try:
                        planned_change(found.get(row["tracking_code"]), row)
                    except RowError as exc:
                        rejects.add(line, str(exc), values)
        if rejects.count:
            return _recorded(services, actor, path, rejects.report(0))
    counts = {"changed": 0, "unchanged": 0}
    with RejectLog(rejects_path) as rejects:
        rows = checked_rows(path, PAYMENT_COLUMNS, parse, rejects, progress)
        while chunk := list(islice(rows, CHUNK_ROWS)):
            with database.session(write=True) as session:
                message_ids = _apply_chunk(session, chunk, now, rejects, counts)
                counters.count_messages(session, "sms", "out", n=len(message_ids))
            enqueue_sends(services.redis, message_ids)
        report = rejects.report(counts["changed"], unchanged=counts["unchanged"])
    return _recorded(services, actor, path, report)


def _apply_chunk(session, chunk, now: datetime, rejects: RejectLog, counts: dict) -> list[int]:
    """Apply a chunk of rows under its applications' row locks, set-based: one read, one
    batch of conditional updates and history lines, one insert of the SMS. Rows are
    planned in file order against the statuses as they change (a `failed` then a `paid`
    row of one application both apply). The new SMS ids."""
    codes = (row["tracking_code"] for _, _, row in chunk)
    found = store.by_tracking_codes(session, codes, lock=True)
    changes, texts = [], []
    for line, values, row in chunk:
        application = found.get(row["tracking_code"])
        try:
            changed = planned_change(application, row)
        except RowError as exc:
            rejects.add(line, str(exc), values)
            continue
        counts["changed" if changed else "unchanged"] += 1
        if changed:
            changes.append(_change(application, row))
            application.status = row["result"]  # what the next row of it sees
            application.payment_reference = row["reference"]
            texts.append(_result_text(application))
    store.record_payments(session, changes, now)
    session.expire_all()  # the statuses set above were for planning, not to be flushed
    return [message_id for message_id, _phone in add_keyed_messages(session, texts)]


def _change(application: Application, row: dict) -> dict:
    status, previous = row["result"], application.status
    paid = status == "paid"
    return {
        "id": application.id, "from": previous, "status": status,
        "paid_at": row["paid_at"] if paid else application.paid_at,
        "reference": row["reference"] if paid else application.payment_reference,
        "reason": row["reason"],
        "detail": f"{previous} -> {status}" + (f": {row['reason']}" if row["reason"] else ""),
    }  # fmt: skip


def _result_text(application: Application) -> tuple:
    """The SMS row of a change (phone, text, kind, application id, idempotency key)."""
    key = f"result_{application.status}"
    text = render(key, application.lang, tracking_code=application.tracking_code)
    once = f"{application.status}:{application.id}"
    return (application.phone, text, "result", application.id, once)


def _recorded(services: Services, actor: str, path: Path, report: ImportReport) -> ImportReport:
    with services.database.session(write=True) as session:
        record_import(session, actor, "payments", path, report)
    return report
