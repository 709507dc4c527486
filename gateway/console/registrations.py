"""Registrations: filtered, keyset-paged list; one application; reveal and cancel."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from gateway.console.auth import association_scope, current_user, require_role
from gateway.console.forms import registration_filters, whole_number
from gateway.console.i18n import add_strings, t
from gateway.platform import services
from gateway.store import applications as application_store
from gateway.store import registrations as queries
from gateway.store.audit import add_audit_event
from gateway.store.models import REASONS, STATUSES
from gateway.store.phases import list_phases
from gateway.store.registry import associations

bp = Blueprint("console_registrations", __name__, url_prefix="/console/registrations")
NAV = [("/console/registrations", "nav.registrations", ("operator", "staff"))]
VIEWERS = ("operator", "staff")
add_strings(
    {
        "reg.title": ("درخواست‌ها", "Registrations"),
        "reg.one": ("درخواست {code}", "Application {code}"),
        "reg.history": ("تاریخچه", "History"),
        "reg.reveal": ("نمایش کد ملی و شماره مستمری", "Show national ID and pension number"),
        "reg.revealed": ("این نمایش ثبت شد.", "This view was recorded."),
        "reg.cancel": ("لغو درخواست", "Cancel application"),
        "reg.cancel_reason": ("دلیل لغو", "Reason for cancelling"),
        "reg.cancel_reason_short": (
            "دلیل لغو را بنویسید (دست‌کم ۳ حرف).",
            "Write why (at least 3 characters).",
        ),
        "reg.cancelled": ("درخواست لغو شد؛ صف انتظار جلو رفت.", "Cancelled; waitlist moved up."),
        "reg.not_live": ("این درخواست قابل لغو نیست.", "This application cannot be cancelled."),
        "reg.bad_page": ("صفحه نامعتبر است.", "Bad page."),
    }
)


def _may_reveal() -> bool:
    return current_user().role in ("staff", "admin")


@bp.get("")
@require_role(*VIEWERS)
def index():
    """The list: filters, counts per status, 50 rows a page (by id, newest first)."""
    scope = association_scope()
    filters, errors = registration_filters(request.args, scope)
    try:
        before = whole_number(request.args.get("before"), "common.next", 1)
    except ValueError:
        before, errors = None, [*errors, t("reg.bad_page")]
    session = services.request_session()
    rows = queries.list_registrations(session, filters, scope, before)
    args = {k: v for k, v in request.args.items() if k != "before" and v}
    next_url = None
    if len(rows) == queries.PAGE_SIZE:
        next_url = url_for(".index", **args, before=rows[-1][0].id)
    return render_template(
        "console/registrations.html",
        rows=rows,
        counts=queries.count_by_status(session, filters, scope),
        errors=errors,
        args=args,
        next_url=next_url,
        first_url=url_for(".index", **args) if before else None,
        associations=associations(session, scope),
        phases=list_phases(session),
        statuses=STATUSES,
        reasons=REASONS,
    )


def _registration(tracking_code: str):
    """The application within the user's scope; another association's is 404, not 403."""
    found = queries.find_registration(
        services.request_session(), tracking_code, association_scope()
    )
    if found is None:
        abort(404)
    return found


def _show(tracking_code: str, revealed: bool = False):
    application, pensioner, association = _registration(tracking_code)
    events = application_store.application_events(services.request_session(), application.id)
    return render_template(
        "console/registration.html",
        application=application,
        pensioner=pensioner,
        association=association,
        events=events,
        revealed=revealed,
        may_reveal=_may_reveal(),
        may_cancel=current_user().role == "admin" and application.status in
        ("pending", "approved", "waitlisted"),
    )  # fmt: skip


@bp.get("/<tracking_code>")
@require_role(*VIEWERS)
def show(tracking_code: str):
    """One application: masked national ID and pension number until revealed."""
    return _show(tracking_code)


@bp.post("/<tracking_code>/reveal")
@require_role("staff")
def reveal(tracking_code: str):
    """Staff and admins see the national ID and pension number whole; audited."""
    _registration(tracking_code)
    with services.database().session(write=True) as session:
        add_audit_event(session, current_user().username, "national_id_revealed", tracking_code)
    return _show(tracking_code, revealed=True)


@bp.post("/<tracking_code>/cancel")
@require_role()
def cancel(tracking_code: str):
    """Admin: cancel with a reason; the freed place goes to the head of the waitlist."""
    from gateway.programme.cancellation import CancelError, cancel_application

    _registration(tracking_code)
    note = request.form.get("reason", "").strip()[:500]
    if len(note) < 3:
        flash(t("reg.cancel_reason_short"), "error")
    else:
        try:
            cancel_application(services.current(), tracking_code, note, current_user().username)
            flash(t("reg.cancelled"), "ok")
        except CancelError:
            flash(t("reg.not_live"), "error")
    return redirect(url_for(".show", tracking_code=tracking_code))
