"""Registrations out for the bank: CSV (UTF-8 with BOM) or XLSX, streamed whatever the size."""

from __future__ import annotations

import csv
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from gateway.platform.dates import iso_utc, jalali_datetime, jalali_of_day, utcnow
from gateway.platform.xlsx_sheet import SheetFullError, write_sheet
from gateway.programme.staff_files import file_sha256
from gateway.store.audit import add_audit_event
from gateway.store.export_copy import FormulaRule, copy_export_csv, local_day_span
from gateway.store.registrations import RegistrationFilters, stream_export_rows

EXPORT_COLUMNS = (
    "tracking_code", "national_id", "pension_number", "full_name", "mobile",
    "association_code", "phase", "status", "reason", "flags", "channel",
    "created_at", "decided_at", "created_at_jalali",
)  # fmt: skip
FORMATS = ("csv", "xlsx")
# XLSX is for people: Persian headers and words, right to left. CSV is the bank's contract.
XLSX_HEADERS = {
    "tracking_code": ("کد پیگیری", 12), "national_id": ("کد ملی", 13),
    "pension_number": ("شماره مستمری", 15), "full_name": ("نام و نام خانوادگی", 28),
    "mobile": ("تلفن همراه", 16), "association_code": ("کد کانون", 10), "phase": ("مرحله", 8),
    "status": ("وضعیت", 14), "reason": ("دلیل", 24), "flags": ("نشانه‌ها", 22),
    "channel": ("کانال", 16), "created_at": ("زمان ثبت (UTC)", 22),
    "decided_at": ("زمان تصمیم (UTC)", 22), "created_at_jalali": ("زمان ثبت (شمسی)", 18),
}  # fmt: skip
XLSX_WORDS = {
    "status": {
        "pending": "در حال بررسی", "approved": "پذیرفته", "waitlisted": "در صف انتظار",
        "rejected": "رد شده", "cancelled": "لغو شده", "paid": "پرداخت شده",
        "payment_failed": "پرداخت ناموفق",
    },
    "reason": {
        "not_found": "در فهرست نیست", "pension_mismatch": "شماره مستمری نمی‌خواند",
        "not_eligible": "واجد شرایط نیست", "prior_loan": "وام گرفته است",
        "phone_mismatch": "تلفن نمی‌خواند", "phase_closed": "مرحله بسته بود",
        "cancelled": "لغو شد",
    },
    "flags": {"phone_mismatch": "تلفن با فهرست نمی‌خواند"},
    "channel": {
        "twilio": "پیامک (Twilio)", "http": "پیامک (درگاه اپراتور)", "sms": "پیامک",
        "ussd": "کد دستوری USSD", "simulator": "شبیه‌ساز",
    },
}  # fmt: skip
_WORD_COLUMNS = {EXPORT_COLUMNS.index(name): words for name, words in XLSX_WORDS.items()}
PROGRESS_EVERY = 1000
XLSX_MAX_ROWS = 1_048_576 - 1  # one sheet, below the header
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_E164_TEXT = r"\+\d{8,15}"
_E164 = re.compile(_E164_TEXT)
FORMULA_RULE = FormulaRule(_FORMULA_START, _E164_TEXT)  # escape_formula's, for SQL


class ExportError(ValueError):
    """An export that cannot be written as asked."""


@dataclass(frozen=True)
class ExportResult:
    """The file written, its row count (header not counted) and its SHA-256."""

    path: Path
    rows: int
    sha256: str


def escape_formula(value: str) -> str:
    """A leading `'` on text a spreadsheet would run as a formula (=, +, -, @, tab, CR).

    E.164 numbers (`+989121234567`, the contract of the `mobile` column) stay as they
    are: a `+` followed only by digits can at worst be read as a number, never call a
    function, and the bank's systems read the E.164 text as it is. Any other `+…` is
    escaped.
    """
    if value.startswith(_FORMULA_START) and not _E164.fullmatch(value):
        return "'" + value
    return value


def export_cells(row, timezone: str) -> list:
    """One application row -> its cells, in EXPORT_COLUMNS order (text escaped).

    No call per cell: this runs for every row exported."""
    created = row[11]
    return [
        *_texts(row[:6]),
        row[6],  # the phase, a number
        *_texts(row[7:11]),
        iso_utc(created),
        iso_utc(row[12]),
        jalali_datetime(created, timezone),
    ]


def _texts(values) -> list[str]:
    start = _FORMULA_START
    return [(escape_formula(v) if v[0] in start else v) if v else "" for v in values]


def export_registrations(
    session: Session,
    out_path: Path,
    fmt: str,
    filters: RegistrationFilters,
    timezone: str,
    progress: Callable[[int], None] | None = None,
) -> ExportResult:
    """Write the applications matching `filters` to out_path, all at once or not at all.

    Rows stream from the database in batches and straight into the file, so memory
    stays flat whatever the row count; the file (mode 0600) appears under its name only
    when whole.
    `progress(rows written so far)` is called every PROGRESS_EVERY rows.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; use {' or '.join(FORMATS)}")
    out_path = Path(out_path)
    partial = _private_temp_file(out_path)
    try:
        if fmt == "csv" and session.get_bind().dialect.name == "postgresql":
            rows = write_csv_by_copy(session, partial, filters, timezone, progress)
        else:
            cells = formatted_rows(session, filters, timezone)
            if progress is not None:
                cells = _reporting(cells, progress)
            rows = (write_csv if fmt == "csv" else _write_xlsx)(partial, cells)
        os.replace(partial, out_path)
    finally:
        partial.unlink(missing_ok=True)
    return ExportResult(out_path, rows, file_sha256(out_path))


def _private_temp_file(out_path: Path) -> Path:
    """An empty file of mode 0600 beside out_path, under a hidden name of its own.

    Beside it, so the final rename is atomic (also on a shared folder: NFS renames within
    one folder atomically); 0600, because the file holds national IDs; its own name, so
    two exports to one name (or two nodes) never write into each other's file.
    """
    fd, name = tempfile.mkstemp(dir=out_path.parent, prefix=f".{out_path.name}.", suffix=".part")
    os.close(fd)
    return Path(name)


def formatted_rows(session: Session, filters, timezone: str) -> Iterator[list]:
    """The export's rows formatted here (SQLite's CSV, and every XLSX)."""
    return (export_cells(row, timezone) for row in stream_export_rows(session, filters))


def _reporting(rows: Iterable[list], progress: Callable[[int], None]) -> Iterator[list]:
    for count, row in enumerate(rows, 1):
        if count % PROGRESS_EVERY == 0:
            progress(count)
        yield row


def write_csv(path: Path, rows: Iterable[list]) -> int:
    """The bank's CSV of formatted rows: csv.writer's default dialect, UTF-8 with BOM."""
    count = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(EXPORT_COLUMNS)
        for count, row in enumerate(rows, 1):  # noqa: B007
            writer.writerow(row)
    return count


def write_csv_by_copy(
    session: Session, path: Path, filters, timezone: str, progress: Callable | None = None
) -> int:
    """write_csv's file, byte for byte, with PostgreSQL formatting the rows (export_copy)
    on a core of its own; here each row only gets csv.writer's line end."""
    count = 0
    with open(path, "wb") as handle:
        handle.write(b"\xef\xbb\xbf" + ",".join(EXPORT_COLUMNS).encode() + b"\r\n")
        lines: list = []
        rows = copy_export_csv(
            session, filters, FORMULA_RULE, timezone, _jalali_days(session, timezone)
        )
        for count, row in enumerate(rows, 1):
            lines += (row[:-1], b"\r\n")
            if count % PROGRESS_EVERY == 0:
                handle.write(b"".join(lines))
                lines.clear()
                if progress is not None:
                    progress(count)
        handle.write(b"".join(lines))
    return count


def _jalali_days(session: Session, timezone: str) -> tuple[date, list[str]]:
    """Every day an exported row can fall on, from the first application's to tomorrow
    (rows still arriving), with its Jalali text: (first day, texts)."""
    tomorrow = utcnow().astimezone(ZoneInfo(timezone)).date() + timedelta(days=1)
    first, last = local_day_span(session, timezone) or (tomorrow, tomorrow)
    days = (max(last, tomorrow) - first).days + 1
    return first, [jalali_of_day(first + timedelta(days=n)) for n in range(days)]


def xlsx_cells(row: list) -> list:
    """An export row as people read it: stored codes in Persian words (flags one by one)."""
    cells = list(row)
    for index, words in _WORD_COLUMNS.items():
        value = cells[index]
        if value and "," in value:
            cells[index] = "، ".join(words.get(part, part) for part in value.split(","))
        elif value:
            cells[index] = words.get(value, value)
    return cells


def _write_xlsx(path: Path, rows: Iterable[list]) -> int:
    """XLSX for people (xlsx_sheet): right to left, widths, a frozen header row and a
    filter on it, Persian words; text stays text."""
    try:
        return write_sheet(
            str(path), "registrations", [XLSX_HEADERS[name][0] for name in EXPORT_COLUMNS],
            [XLSX_HEADERS[name][1] for name in EXPORT_COLUMNS], map(xlsx_cells, rows),
            autofilter=True, max_rows=XLSX_MAX_ROWS,
        )  # fmt: skip
    except SheetFullError:
        raise ExportError(f"XLSX holds at most {XLSX_MAX_ROWS} rows: use CSV or filters") from None


def export_filters(filters: RegistrationFilters) -> dict:
    """The filters an export takes (spec 3.7), as the audit log records them."""
    return {name: getattr(filters, name) for name in ("association", "phase", "status")}


def record_export(session: Session, actor: str, fmt: str, filters, result: ExportResult) -> None:
    """The audit trail of an export: who, which filters, how many rows, the file's SHA-256."""
    add_audit_event(
        session,
        actor,
        "export",
        result.path.name,
        format=fmt,
        filters=export_filters(filters),
        rows=result.rows,
        sha256=result.sha256,
    )
