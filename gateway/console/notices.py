"""Broadcast notices from the console: filters and text, then the recipient count to
confirm, then a worker sends them; past notices with their progress. Admins, and
association staff for their own association only."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from redis.exceptions import RedisError

from gateway.console.auth import association_scope, current_user, require
from gateway.console.forms import choice, read_fields, whole_number
from gateway.console.i18n import add_strings, t
from gateway.console.roles import NOTICES
from gateway.platform import services
from gateway.programme.broadcasts import (
    NoticeError,
    check_text,
    find_audience,
    queue_notice,
    start_notice,
)
from gateway.store import notices as store
from gateway.store.models import STATUSES
from gateway.store.phases import list_phases
from gateway.store.registrations import RegistrationFilters
from gateway.store.registry import associations

bp = Blueprint("console_notices", __name__, url_prefix="/console/notices")
NAV = [("/console/notices", "nav.notices", NOTICES)]
PROGRESS = ("queued", "sending", "sent", "delivered", "failed", "undelivered", "suppressed")
add_strings(
    {
        "notice.title": ("پیامک همگانی", "Notices"),
        "notice.text": ("متن پیامک", "Text"),
        "notice.text_hint": (
            "حداکثر دو پیامک (۱۳۴ حرف فارسی). به هر شماره یک بار می‌رسد؛ شماره‌هایی که STOP"
            " فرستاده‌اند پیامک نمی‌گیرند.",
            "At most 2 SMS (134 Persian characters). Each phone gets it once; phones that"
            " sent STOP get nothing.",
        ),
        "notice.count": ("شمردن گیرندگان", "Count recipients"),
        "notice.audience": (
            "این پیامک به {n} شماره می‌رسد ({stopped} شماره STOP فرستاده‌اند و پیامک نمی‌گیرند).",
            "This notice reaches {n} phones ({stopped} of them sent STOP and get nothing).",
        ),
        "notice.confirm": ("تایید و ارسال به {n} شماره", "Confirm and send to {n} phones"),
        "notice.edit": ("ویرایش", "Edit"),
        "notice.queued": ("ارسال پیامک همگانی در نوبت است.", "The notice is queued for sending."),
        "notice.not_queued": (
            "پیامک ثبت شد اما در نوبت ارسال قرار نگرفت؛ دوباره تایید کنید.",
            "The notice was saved but could not be queued; confirm again.",
        ),
        "notice.nobody": ("هیچ شماره‌ای با این فیلترها نیست.", "No phone matches these filters."),
        "notice.empty": ("متن پیامک خالی است.", "The text is empty."),
        "notice.control": (
            "متن پیامک نویسه‌ای نادیدنی (مانند NUL) دارد.",
            "The text holds a control character (such as NUL).",
        ),
        "notice.too_long": (
            "متن بیش از دو پیامک است (حداکثر ۱۳۴ حرف فارسی).",
            "The text is over 2 SMS (134 Persian characters at most).",
        ),
        "notice.recent": ("پیامک‌های همگانی اخیر", "Recent notices"),
        "notice.by": ("فرستنده", "Sent by"),
        "notice.filters": ("گیرندگان", "Recipients"),
        "notice.progress": ("پیشرفت", "Progress"),
        "notice.running": ("در حال آماده‌سازی", "being prepared"),
    }
)


@bp.get("")
@require(NOTICES)
def index():
    return _page()


@bp.post("/preview")
@require(NOTICES)
def preview():
    """The recipient count of the filters and text, to confirm before anything is sent."""
    filters, text, errors = _read_form()
    if errors:
        return _page(errors=errors, form=request.form), 400
    audience = find_audience(services.current(), filters, association_scope())
    if not audience.phones:
        return _page(errors=[t("notice.nobody")], form=request.form)
    return _page(form=request.form, text=text, audience=audience)


@bp.post("")
@require(NOTICES)
def send():
    """Start (or resume) the notice and queue its sending; the past notices show it."""
    filters, text, errors = _read_form()
    if errors:
        return _page(errors=errors, form=request.form), 400
    notice = start_notice(services.current(), text, filters, current_user().username)
    try:
        queue_notice(services.redis_client(), notice.id, current_user().username)
    except RedisError:
        flash(t("notice.not_queued"), "error")
    else:
        flash(t("notice.queued"), "ok")
    return redirect(url_for(".index"))


def _read_form() -> tuple[RegistrationFilters, str, list[str]]:
    """The filters (staff: their association, whatever was sent) and the checked text."""
    scope = association_scope()
    known = {a.code for a in associations(services.request_session(), scope)}
    readers = {
        "status": lambda v: choice(v, STATUSES, "field.status"),
        "association": lambda v: None if scope else choice(v, known, "field.association"),
        "phase": lambda v: whole_number(v, "field.phase", 1),
    }
    values, errors = read_fields(request.form, readers)
    if values.get("status") is None and not errors:
        errors.append(t("form.bad_choice", field=t("field.status")))
    try:
        text = check_text(request.form.get("text", ""))
    except NoticeError as exc:
        text = ""
        errors.append(t(f"notice.{exc.code}"))
    if scope is not None:
        values["association"] = scope
    return RegistrationFilters(**values), text, errors


def _page(errors=(), form=None, text=None, audience=None):
    scope = association_scope()
    session = services.request_session()
    notices = store.recent_notices(session, scope)
    progress = store.notice_progress(session, [notice.id for notice in notices])
    return render_template(
        "console/notices.html", errors=errors, form=form or {}, text=text, audience=audience,
        notices=notices, progress=progress, steps=PROGRESS, statuses=STATUSES,
        phases=list_phases(session), associations=associations(session, scope),
    )  # fmt: skip
