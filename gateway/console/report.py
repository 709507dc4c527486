"""The programme report: per association and phase, with a chart, as CSV or XLSX (audited)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from gateway.console.auth import association_scope, current_user, require
from gateway.console.forms import FormError, whole_number
from gateway.console.i18n import add_strings, t
from gateway.console.roles import REPORT
from gateway.platform import services
from gateway.platform.dates import utcnow
from gateway.programme.report import (
    REJECTION_REASONS,
    STATUS_COLUMNS,
    ReportRow,
    build_report,
    report_csv,
    report_xlsx,
    total_row,
)
from gateway.store.audit import add_audit_event
from gateway.store.phases import list_phases
from gateway.store.registry import associations

bp = Blueprint("console_report", __name__, url_prefix="/console/report")
NAV = [("/console/report", "nav.report", REPORT)]
# The chart's segments, in order: (css class, the statuses it adds up).
SEGMENTS = (
    ("paid", ("paid",)),
    ("approved", ("approved",)),
    ("waitlisted", ("waitlisted",)),
    ("pending", ("pending",)),
    ("rejected", ("rejected", "payment_failed", "cancelled")),
)
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
add_strings(
    {
        "nav.report": ("گزارش برنامه", "Programme report"),
        "report.title": (
            "گزارش برنامه به تفکیک کانون و مرحله",
            "Programme report by association and phase",
        ),
        "report.registrations": ("همه", "All"),
        "report.open_support": ("پرسش بی‌پاسخ", "Unanswered questions"),
        "report.rejected_by": ("رد: {reason}", "Rejected: {reason}"),
        "report.no_phase": ("بی‌مرحله", "no phase"),
        "report.total": ("جمع", "Total"),
        "report.chart": ("درخواست‌های هر کانون", "Applications per association"),
        "report.download": ("دریافت", "Download"),
        "report.segment.rejected": ("رد، لغو یا پرداخت ناموفق", "rejected, cancelled or unpaid"),
        "status.paid": ("پرداخت شده", "paid"),
        "status.payment_failed": ("پرداخت ناموفق", "payment failed"),
    }
)


def _filters() -> tuple[str | None, int | None, list[str]]:
    """(association, phase, errors): staff always get their own association; an unknown
    association or a bad phase is a message, and the report shows without that filter."""
    errors, phase = [], None
    scope = association_scope()
    association = scope or (request.args.get("association") or None)
    known = {a.code for a in associations(services.request_session(), scope)}
    if association is not None and association not in known:
        association = None
        errors.append(t("form.bad_choice", field=t("field.association")))
    try:
        phase = whole_number(request.args.get("phase"), "field.phase", 1)
    except FormError as exc:
        errors.append(str(exc))
    return association, phase, errors


@bp.get("")
@require(REPORT)
def index():
    association, phase, errors = _filters()
    session = services.request_session()
    rows = build_report(session, association, phase)
    return render_template(
        "console/report.html",
        rows=rows,
        total=total_row(rows),
        chart=chart(rows),
        statuses=STATUS_COLUMNS,
        reasons=REJECTION_REASONS,
        segments=[name for name, _ in SEGMENTS],
        associations=associations(session, association_scope()),
        phases=list_phases(session),
        association=association,
        phase=phase,
        errors=errors,
    )


def chart(rows: list[ReportRow]) -> list[dict]:
    """One bar per association (its phases added up): segments as percent of the largest."""
    per_association: dict = {}
    for row in rows:
        found = per_association.setdefault(
            row.association_code, ReportRow(row.association_code, row.association_name, None)
        )
        found.counts.update(row.counts)
    largest = max((row.registrations for row in per_association.values()), default=0) or 1
    bars = []
    for row in per_association.values():
        start, segments = 0.0, []
        for name, statuses in SEGMENTS:
            width = 100 * sum(row.counts[s] for s in statuses) / largest
            if width:
                segments.append({"name": name, "x": round(start, 2), "width": round(width, 2)})
            start += width
        bars.append({"row": row, "segments": segments})
    return bars


@bp.get("/download")
@require(REPORT)
def download():
    """The report as CSV (stable English column codes) or XLSX (Persian headers)."""
    fmt = request.args.get("format", "xlsx")
    fmt = fmt if fmt in MEDIA else "xlsx"
    association, phase, _errors = _filters()
    rows = build_report(services.request_session(), association, phase)
    body = (report_csv if fmt == "csv" else report_xlsx)(rows)
    name = f"programme-report-{utcnow():%Y%m%d-%H%M}.{fmt}"
    with services.database().session(write=True) as session:
        add_audit_event(
            session, current_user().username, "report.download", name,
            format=fmt, association=association, phase=phase, rows=len(rows),
        )  # fmt: skip
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, mimetype=MEDIA[fmt], headers=headers)
