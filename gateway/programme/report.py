"""The programme report: per association and phase, applications by status (and rejections
by reason) and unanswered support questions; as rows for the console, CSV and XLSX."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from gateway.platform.xlsx_sheet import write_sheet
from gateway.programme.bank_export import XLSX_HEADERS, XLSX_WORDS, escape_formula
from gateway.store import report as store
from gateway.store.models import REASONS

# Every application is counted once, under its status now (an approved application that
# was paid counts as paid); `paid` and `payment_failed` come from the bank's results.
STATUS_COLUMNS = ("pending", "approved", "waitlisted", "paid", "payment_failed", "cancelled",
                  "rejected")  # fmt: skip
REJECTION_REASONS = tuple(reason for reason in REASONS if reason != "cancelled")
REPORT_COLUMNS = (
    "association_code", "association_name", "phase", "registrations", *STATUS_COLUMNS,
    *(f"rejected_{reason}" for reason in REJECTION_REASONS), "open_support",
)  # fmt: skip
_XLSX_TITLES = {
    "association_code": XLSX_HEADERS["association_code"][0],
    "association_name": "کانون",
    "phase": XLSX_HEADERS["phase"][0],
    "registrations": "همه درخواست‌ها",
    **XLSX_WORDS["status"],
    **{f"rejected_{r}": f"رد: {XLSX_WORDS['reason'].get(r, r)}" for r in REJECTION_REASONS},
    "open_support": "پرسش‌های بی‌پاسخ",
}


@dataclass
class ReportRow:
    """One association in one phase (None: no phase yet - pending, or rejected early)."""

    association_code: str | None
    association_name: str | None
    phase: int | None
    counts: Counter = field(default_factory=Counter)

    @property
    def registrations(self) -> int:
        return sum(self.counts[status] for status in STATUS_COLUMNS) + self.counts["other"]

    def value(self, column: str):
        if column in ("association_code", "association_name", "phase"):
            return getattr(self, column)
        if column == "registrations":
            return self.registrations
        return self.counts[column]


def build_report(session: Session, scope: str | None, phase: int | None) -> list[ReportRow]:
    """The report's rows, by association code then phase (no phase last)."""
    names = store.association_names(session)
    rows: dict[tuple, ReportRow] = {}

    def row(code, number) -> ReportRow:
        key = (code, number)
        if key not in rows:
            rows[key] = ReportRow(code, names.get(code), number)
        return rows[key]

    for code, number, status, reason, count in store.application_counts(session, scope, phase):
        counts = row(code, number).counts
        counts[status if status in STATUS_COLUMNS else "other"] += count
        if status == "rejected" and reason in REJECTION_REASONS:
            counts[f"rejected_{reason}"] += count
    for code, number, count in store.waiting_support_counts(session, scope, phase):
        row(code, number).counts["open_support"] += count
    return sorted(rows.values(), key=lambda r: (r.association_code or "~", r.phase or 10**6))


def total_row(rows: list[ReportRow]) -> ReportRow:
    """Every row added up (no association, no phase)."""
    total = ReportRow(None, None, None)
    for row in rows:
        total.counts.update(row.counts)
    return total


def report_csv(rows: list[ReportRow]) -> bytes:
    """UTF-8 with BOM (Excel shows Persian names), stable English column codes."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REPORT_COLUMNS)
    for row in rows:
        writer.writerow([_text(row.value(column)) for column in REPORT_COLUMNS])
    return out.getvalue().encode("utf-8-sig")


def report_xlsx(rows: list[ReportRow]) -> bytes:
    """For people: Persian headers, right to left, numbers as numbers, a frozen header."""
    out = io.BytesIO()
    write_sheet(
        out, "report", [_XLSX_TITLES.get(column, column) for column in REPORT_COLUMNS],
        [14] * len(REPORT_COLUMNS),
        ([_cell(row.value(column)) for column in REPORT_COLUMNS] for row in rows),
    )  # fmt: skip
    return out.getvalue()


def _text(value) -> str:
    return "" if value is None else escape_formula(str(value))


def _cell(value):
    return value if isinstance(value, int) else _text(value)
