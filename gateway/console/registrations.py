"""Registrations: searched, filtered, sorted and paged list; one application; reveal, cancel."""

from __future__ import annotations

import time

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from gateway.console.auth import association_scope, current_user, require
from gateway.console.forms import registration_filters, whole_number
from gateway.console.i18n import add_strings, t
from gateway.console.roles import CANCEL, PERSONAL_DATA, REGISTRATIONS, REVEAL
from gateway.console.session import get_session, save_session
from gateway.platform import services
from gateway.store import applications as application_store
from gateway.store import registrations as queries
from gateway.store.audit import add_audit_event
from gateway.store.models import LIVE_STATUSES, REASONS, STATUSES
from gateway.store.phases import list_phases
from gateway.store.registry import associations

bp = Blueprint("console_registrations", __name__, url_prefix="/console/registrations")
NAV = [("/console/registrations", "nav.registrations", REGISTRATIONS)]
REVEAL_SECONDS = 300  # a reveal shows the numbers this long; reloading does not repeat it
MAX_PAGE = 100_000
add_strings(
    {
        "reg.title": ("درخواست‌ها", "Registrations"),
        "reg.one": ("درخواست {code}", "Application {code}"),
        "reg.history": ("تاریخچه", "History"),
        "reg.reveal": ("نمایش کد ملی و شماره مستمری", "Show national ID and pension number"),
        "reg.revealed": (
            "این نمایش ثبت شد و تا ۵ دقیقه می‌ماند.",
            "This view was recorded; it lasts 5 minutes.",
        ),
        "reg.cancel": ("لغو درخواست", "Cancel application"),
        "reg.cancel_reason": (
            "دلیل لغو (به زبان ساده؛ برای بازنشسته پیامک می‌شود)",
            "Reason for cancelling (in plain words: the pensioner is texted it)",
        ),
        "reg.cancel_reason_short": (
            "دلیل لغو را بنویسید (دست‌کم ۳ حرف).",
            "Write why (at least 3 characters).",
        ),
        "reg.cancelled": ("درخواست لغو شد؛ صف انتظار جلو رفت.", "Cancelled; waitlist moved up."),
        "reg.not_live": ("این درخواست قابل لغو نیست.", "This application cannot be cancelled."),
        "reg.bad_page": ("صفحه نامعتبر است.", "Bad page."),
        "reg.search": ("جستجو", "Search"),
        "reg.search_hint": (
            "کد پیگیری، کد ملی، تلفن یا نام",
            "Tracking code, national ID, phone or name",
        ),
        "reg.sort": ("ترتیب", "Sort"),
        "reg.sort.newest": ("تازه‌ترین", "newest first"),
        "reg.sort.oldest": ("قدیمی‌ترین", "oldest first"),
        "reg.sort.name": ("نام", "name"),
        "reg.sort.status": ("وضعیت", "status"),
        "reg.sort.phase": ("مرحله", "phase"),
        "reg.sort.association": ("کانون", "association"),
        "reg.sort.decided": ("زمان تصمیم", "decision time"),
        "reg.total": ("{n} درخواست", "{n} applications"),
        "reg.page": ("صفحهٔ {n} از {of}", "Page {n} of {of}"),
        "reg.previous": ("صفحهٔ قبل", "Previous page"),
        "form.bad_search": (
            "این عدد نه کد پیگیری است، نه کد ملی، نه تلفن.",
            "That number is not a tracking code, a national ID or a phone.",
        ),
    }
)


@bp.get("")
@require(REGISTRATIONS)
def index():
    """The list: search, filters, counts per status, a total, 50 rows a page in any order."""
    scope = association_scope()
    filters, errors = registration_filters(request.args, scope)
    try:
        page = whole_number(request.args.get("page"), "common.next", 1) or 1
    except ValueError:
        page, errors = 1, [*errors, t("reg.bad_page")]
    page = min(page, MAX_PAGE)
    order = request.args.get("sort", "newest")
    order = order if order in queries.ORDERS else "newest"
    session = services.request_session()
    counts = queries.count_by_status(session, filters, scope)
    total = counts.get(filters.status, 0) if filters.status else sum(counts.values())
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    pages = max(1, -(-total // queries.PAGE_SIZE))
    return render_template(
        "console/registrations.html",
        rows=queries.list_registrations(session, filters, scope, order, page),
        counts=counts,
        total=total,
        page=page,
        pages=pages,
        errors=errors,
        args=args,
        next_url=url_for(".index", **args, page=page + 1) if page < pages else None,
        previous_url=url_for(".index", **args, page=page - 1) if page > 1 else None,
        associations=associations(session, scope),
        phases=list_phases(session),
        statuses=STATUSES,
        reasons=REASONS,
        orders=queries.ORDERS,
        order=order,
        personal=current_user().may(PERSONAL_DATA),
    )


def _registration(tracking_code: str):
    """The application within the user's scope; another association's is 404, not 403."""
    if not tracking_code.isdigit() or len(tracking_code) != 8:
        abort(404)
    found = queries.find_registration(
        services.request_session(), tracking_code, association_scope()
    )
    if found is None:
        abort(404)
    return found


def _revealed(tracking_code: str) -> bool:
    """True while this session's reveal of the application lasts."""
    until = ((get_session() or {}).get("revealed") or {}).get(tracking_code, 0)
    return until > time.time()


@bp.get("/<tracking_code>")
@require(REGISTRATIONS)
def show(tracking_code: str):
    """One application: masked national ID and pension number until revealed."""
    application, pensioner, association = _registration(tracking_code)
    user = current_user()
    return render_template(
        "console/registration.html",
        application=application,
        pensioner=pensioner,
        association=association,
        events=application_store.application_events(services.request_session(), application.id),
        revealed=user.may(REVEAL) and _revealed(tracking_code),
        may_reveal=user.may(REVEAL),
        personal=user.may(PERSONAL_DATA),
        may_cancel=user.may(CANCEL) and application.status in LIVE_STATUSES,
    )


@bp.post("/<tracking_code>/reveal")
@require(REVEAL)
def reveal(tracking_code: str):
    """Show the national ID and pension number whole for a few minutes; audited once."""
    _registration(tracking_code)
    with services.database().session(write=True) as session:
        add_audit_event(session, current_user().username, "national_id_revealed", tracking_code)
    data = get_session()
    now = time.time()
    revealed = {k: v for k, v in (data.get("revealed") or {}).items() if v > now}
    save_session({**data, "revealed": {**revealed, tracking_code: now + REVEAL_SECONDS}})
    return redirect(url_for(".show", tracking_code=tracking_code))


@bp.post("/<tracking_code>/cancel")
@require(CANCEL)
def cancel(tracking_code: str):
    """Cancel with a reason; the freed place goes to the head of the waitlist."""
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
