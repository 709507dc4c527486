"""Phases and quotas: used / limit / waitlisted per association, edits by admins."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from redis.exceptions import RedisError

from gateway.console.auth import association_scope, current_user, require
from gateway.console.filters import association_name, digits
from gateway.console.forms import FormError, programme_moment, whole_number
from gateway.console.i18n import add_strings, t
from gateway.console.roles import EDIT_QUOTAS, QUOTAS
from gateway.platform import services
from gateway.programme.phases import PhaseError, phase_state, set_phase
from gateway.programme.quotas import set_quota
from gateway.programme.staff_files import RowError
from gateway.programme.waitlist import queue_promotion
from gateway.store import quotas as queries
from gateway.store.phases import list_phases

bp = Blueprint("console_quotas", __name__, url_prefix="/console/quotas")
NAV = [("/console/quotas", "nav.quotas", QUOTAS)]
TOTALS = ("used", "limit", "waitlisted")
add_strings(
    {
        "quota.title": ("مراحل و سهمیه‌ها", "Phases and quotas"),
        "quota.phase": ("مرحلهٔ {n}", "Phase {n}"),
        "quota.opens": ("آغاز", "Opens"),
        "quota.closes": ("پایان", "Closes"),
        "quota.used": ("گرفته‌شده", "Used"),
        "quota.limit": ("سهمیه", "Limit"),
        "quota.waitlisted": ("در صف", "Waitlisted"),
        "quota.state.open": ("باز", "open"),
        "quota.state.upcoming": ("آینده", "upcoming"),
        "quota.state.undated": ("بی‌تاریخ (بسته)", "no dates yet (closed)"),
        "quota.state.closed": ("بسته", "closed"),
        "quota.below_used": (
            "سهمیه نمی‌تواند کمتر از {used} جای گرفته‌شده باشد.",
            "The limit cannot go below the {used} places already taken.",
        ),
        "quota.saved_n": (
            "سهمیه‌ها ذخیره شد: {n} تغییر، {raised} افزایش که صف انتظارشان در حال پیشروی است.",
            "Quotas saved: {n} changed, {raised} raised with their waitlist being promoted.",
        ),
        "quota.save_phase": ("ذخیرهٔ سهمیه‌های این مرحله", "Save this phase's quotas"),
        "quota.save_dates": ("ذخیرهٔ تاریخ‌ها", "Save dates"),
        "quota.total": ("جمع", "Total"),
        "quota.opens_hint": (
            # The example is isolated left to right, or it reads backwards on the page.
            "از آغاز این روز، یا از ساعتی که بنویسید (مانند \u2066۱۴۰۵-۰۹-۰۱ ۰۸:۰۰\u2069)",
            "From the start of this day, or the time you write (like 1405-09-01 08:00)",
        ),
        "quota.closes_hint": (
            "خود این روز هم جزو مرحله است (تا پایان روز)؛ با ساعت، تا همان لحظه",
            "This day is included (to its end); with a time, up to that moment",
        ),
        "quota.last_day": ("آخرین روز", "Last day"),
        "quota.not_queued": (
            "سهمیه ذخیره شد اما پیشروی صف در نوبت قرار نگرفت؛ دوباره ذخیره کنید.",
            "Quota saved, but the waitlist promotion could not be queued; save again.",
        ),
        "quota.phase_saved": ("تاریخ‌های مرحله ذخیره شد.", "Phase dates saved."),
        "quota.closes_first": ("پایان باید بعد از آغاز باشد.", "Closes must be after opens."),
        "quota.overlap": (
            "این تاریخ‌ها با مرحلهٔ دیگری هم‌پوشانی دارند.",
            "These dates overlap another phase.",
        ),
    }
)


@bp.get("")
@require(QUOTAS)
def index():
    """Each phase with its dates, its quotas as bars and its totals (staff: theirs only)."""
    session = services.request_session()
    by_phase: dict[int, list] = {}
    for quota, name in queries.quotas(session, association_scope()):
        by_phase.setdefault(quota.phase, []).append((quota, name))
    phases = [(p, phase_state(p.opens_at, p.closes_at)) for p in list_phases(session)]
    totals = {
        number: {key: sum(getattr(q, key) for q, _ in rows) for key in TOTALS}
        for number, rows in by_phase.items()
    }
    return render_template(
        "console/quotas.html",
        phases=phases,
        by_phase=by_phase,
        totals=totals,
        may_edit=current_user().may(EDIT_QUOTAS),
    )


@bp.post("/phases/<int(max=99):number>/limits")
@require(EDIT_QUOTAS)
def edit_limits(number: int):
    """Every changed limit of one phase, in one save: all are checked before any is set;
    below the places used is refused; a raised limit promotes that waitlist."""
    rows = [q for q, _ in queries.quotas(services.request_session(), None) if q.phase == number]
    if not rows:
        abort(404)
    changes, errors = {}, []
    for quota in rows:
        field = f"limit-{quota.association_code}"
        try:
            limit = whole_number(request.form.get(field), "quota.limit")
            if limit is None:
                raise FormError(t("form.bad_number", field=t("quota.limit")))
            if limit < quota.used:
                raise FormError(t("quota.below_used", used=digits(quota.used)))
        except FormError as exc:
            if field in request.form:
                errors.append(f"{association_name(quota.association_code)}: {exc}")
            continue
        if limit != quota.limit:
            changes[quota.association_code] = (limit, quota.used)
    if errors:
        for error in errors:
            flash(error, "error")
        return redirect(url_for(".index", _anchor=f"phase-{number}"))
    _apply(number, changes)
    return redirect(url_for(".index", _anchor=f"phase-{number}"))


def _apply(number: int, changes: dict[str, tuple[int, int]]) -> None:
    raised = []
    for code, (limit, used) in changes.items():
        try:
            if set_quota(services.database(), code, number, limit, current_user().username):
                raised.append(code)
        except RowError:  # a place was taken since the page was read
            flash(f"{association_name(code)}: {t('quota.below_used', used=digits(used))}", "error")
    if not changes:
        flash(t("users.unchanged"), "ok")
        return
    flash(t("quota.saved_n", n=digits(len(changes) - len(raised)), raised=digits(len(raised))),
          "ok")  # fmt: skip
    for code in raised:
        _promote(code, number)


def _promote(code: str, phase: int) -> None:
    try:
        queue_promotion(services.redis_client(), code, phase)
    except RedisError:
        flash(t("quota.not_queued"), "error")


@bp.post("/phases/<int(max=99):number>")
@require(EDIT_QUOTAS)
def edit_phase(number: int):
    """Move a phase's dates (Gregorian or Jalali, programme time); no overlaps. The first
    day counts from its start, the last day to its end, unless a time is given."""
    try:
        opens = programme_moment(request.form.get("opens"), "quota.opens")
        closes = programme_moment(request.form.get("closes"), "quota.closes", end_of_day=True)
        if opens is None or closes is None:
            missing = "quota.opens" if opens is None else "quota.closes"
            raise FormError(t("form.bad_date", field=t(missing)))
        if closes <= opens:
            raise FormError(t("quota.closes_first"))
        set_phase(services.database(), number, opens, closes, current_user().username)
    except FormError as exc:
        flash(str(exc), "error")
    except PhaseError:
        flash(t("quota.overlap"), "error")
    else:
        flash(t("quota.phase_saved"), "ok")
    return redirect(url_for(".index", _anchor=f"phase-{number}"))
