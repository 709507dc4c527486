"""Phases and quotas: used / limit / waitlisted per association, edits by admins."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from redis.exceptions import RedisError

from gateway.console.auth import association_scope, current_user, require
from gateway.console.filters import digits
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
        "quota.state.closed": ("بسته", "closed"),
        "quota.below_used": (
            "سهمیه نمی‌تواند کمتر از {used} جای گرفته‌شده باشد.",
            "The limit cannot go below the {used} places already taken.",
        ),
        "quota.saved": ("سهمیه ذخیره شد.", "Quota saved."),
        "quota.promoting": (
            "سهمیه ذخیره شد؛ صف انتظار در حال پیشروی است.",
            "Quota saved; the waitlist is being promoted.",
        ),
        "quota.not_queued": (
            "سهمیه ذخیره شد اما پیشروی صف در نوبت قرار نگرفت؛ دوباره ذخیره کنید.",
            "Quota saved, but the waitlist promotion could not be queued; save again.",
        ),
        "quota.phase_saved": ("تاریخ‌های مرحله ذخیره شد.", "Phase dates saved."),
        "quota.closes_first": ("پایان باید بعد از آغاز باشد.", "Closes must be after opens."),
        "quota.overlap": ("با مرحلهٔ دیگری هم‌پوشانی دارد: {detail}", "Overlaps: {detail}"),
        "quota.date_hint": ("میلادی یا شمسی، مانند ۱۴۰۵-۰۹-۰۱T08:00", "Gregorian or Jalali"),
    }
)


@bp.get("")
@require(QUOTAS)
def index():
    """Each phase with its dates and its quotas as bars (staff: their association only)."""
    session = services.request_session()
    rows = queries.quotas(session, association_scope())
    by_phase: dict[int, list] = {}
    for quota, name in rows:
        by_phase.setdefault(quota.phase, []).append((quota, name))
    return render_template(
        "console/quotas.html",
        phases=[(p, phase_state(p.opens_at, p.closes_at)) for p in list_phases(session)],
        by_phase=by_phase,
        may_edit=current_user().may(EDIT_QUOTAS),
    )


@bp.post("/<code>/<int:phase>")
@require(EDIT_QUOTAS)
def edit_quota(code: str, phase: int):
    """Admin: set a limit; below the places used is refused, raising promotes the waitlist."""
    quota = queries.find_quota(services.request_session(), code, phase)
    if quota is None:
        abort(404)
    try:
        limit = whole_number(request.form.get("limit"), "quota.limit")
        if limit is None:
            raise FormError(t("form.bad_number", field=t("quota.limit")))
        if limit < quota.used:
            raise FormError(t("quota.below_used", used=digits(quota.used)))
        raised = set_quota(services.database(), code, phase, limit, current_user().username)
    except FormError as exc:
        flash(str(exc), "error")
    except RowError:  # a place was taken since the page was read
        flash(t("quota.below_used", used=digits(quota.used)), "error")
    else:
        flash(t("quota.promoting") if raised else t("quota.saved"), "ok")
        if raised:
            _promote(code, phase)
    return redirect(url_for(".index", _anchor=f"phase-{phase}"))


def _promote(code: str, phase: int) -> None:
    try:
        queue_promotion(services.redis_client(), code, phase)
    except RedisError:
        flash(t("quota.not_queued"), "error")


@bp.post("/phases/<int:number>")
@require(EDIT_QUOTAS)
def edit_phase(number: int):
    """Admin: move a phase's dates (Gregorian or Jalali, programme time); no overlaps."""
    try:
        opens = programme_moment(request.form.get("opens"), "quota.opens")
        closes = programme_moment(request.form.get("closes"), "quota.closes")
        if opens is None or closes is None:
            missing = "quota.opens" if opens is None else "quota.closes"
            raise FormError(t("form.bad_date", field=t(missing)))
        if closes <= opens:
            raise FormError(t("quota.closes_first"))
        set_phase(services.database(), number, opens, closes, current_user().username)
    except FormError as exc:
        flash(str(exc), "error")
    except PhaseError as exc:
        flash(t("quota.overlap", detail=str(exc)), "error")
    else:
        flash(t("quota.phase_saved"), "ok")
    return redirect(url_for(".index", _anchor=f"phase-{number}"))
