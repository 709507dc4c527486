"""One pensioner's conversation: found by phone, national ID or tracking code; resend a result."""

from __future__ import annotations

import secrets

from flask import Blueprint, flash, redirect, render_template, request, url_for

from flows.digits import latin_digits
from flows.parsing import parse_national_id, read_single_number
from flows.tracking import is_valid_tracking_code
from gateway.console.auth import current_user, require
from gateway.console.forms import record_id
from gateway.console.i18n import add_strings, t
from gateway.console.roles import CONVERSATIONS, UNMASKED_MESSAGES
from gateway.console.session import get_session, save_session
from gateway.monitoring import counters as stats
from gateway.platform import services
from gateway.platform.masking import mask_digits, mask_phone, mask_text
from gateway.platform.phones import normalise_phone
from gateway.programme.jobs import enqueue_sends
from gateway.store import transcripts as store
from gateway.store.audit import add_audit_event
from gateway.store.messages import add_outbound_message

bp = Blueprint("console_conversations", __name__, url_prefix="/console/conversations")
NAV = [("/console/conversations", "nav.conversations", CONVERSATIONS)]
SEARCH_KINDS = ("auto", "phone", "national_id", "tracking_code")
KEPT_SEARCHES = 10  # a session remembers its latest searches, for their GET addresses

add_strings(
    {
        "conversations.title": ("گفتگو با یک شماره", "Conversation of one phone"),
        "conversations.query": ("تلفن، کد ملی یا کد پیگیری", "Phone, national ID or tracking code"),
        "conversations.by": ("جستجو با", "Search by"),
        "conversations.by.auto": ("تشخیص خودکار", "detect"),
        "conversations.search": ("جستجو", "Search"),
        "conversations.bad_query": (
            "این نه تلفن است، نه کد ملی، نه کد پیگیری.",
            "That is not a phone, a national ID or a tracking code.",
        ),
        "conversations.applications": ("درخواست‌ها", "Applications"),
        "conversations.transcript": ("پیام‌ها", "Messages"),
        "conversations.history": ("سابقه", "History"),
        "conversations.resend": ("ارسال دوباره آخرین نتیجه", "Resend the latest result SMS"),
        "conversations.resent": (
            "نتیجه دوباره در صف ارسال است.",
            "The result SMS is queued again.",
        ),
        "conversations.no_result": ("هنوز پیامک نتیجه‌ای نیست.", "There is no result SMS yet."),
        "conversations.confirm_resend": (
            "آخرین پیامک نتیجه دوباره برای این شماره فرستاده شود؟",
            "Send the latest result SMS to this phone again?",
        ),
        "conversations.shown": ("نتیجهٔ جستجو", "Results for"),
        "conversations.pensioner": ("بازنشسته", "Pensioner"),
        "conversations.gateway": ("سامانه", "Gateway"),
        "message.direction.in": ("دریافتی", "in"),
        "message.direction.out": ("ارسالی", "out"),
        "message.time": ("زمان", "Time"),
        "message.text": ("متن", "Text"),
        "message.state": ("مرحله گفتگو", "Dialog state"),
        "message.error": ("خطا", "Error"),
        "message.direction": ("جهت", "Direction"),
    }
)


def classify(query: str, by: str) -> tuple[str, str] | None:
    """(kind, stored value) for what the operator typed, or None when it is none of them."""
    number = read_single_number(query) or ""
    readers = {
        "tracking_code": lambda: number if is_valid_tracking_code(number) else None,
        "national_id": lambda: parse_national_id(query) if len(number) <= 10 else None,
        "phone": lambda: normalise_phone(latin_digits(query.strip())),
    }
    for kind in (by,) if by in readers else readers:
        value = readers[kind]()
        if value:
            return kind, value
    return None


def find_phones(session, kind: str, value: str) -> list[str]:
    if kind == "phone":
        return [value]
    if kind == "national_id":
        return store.phones_of_national_id(session, value)
    if kind == "message":
        message_id = record_id(value)
        phone = store.phone_of_message(session, message_id) if message_id else None
    else:
        phone = store.phone_of_tracking_code(session, value)
    return [phone] if phone else []


class Privacy:
    """What one console user may see: operators get personal data masked, admins all."""

    def __init__(self, user):
        self.masked = not user.may(UNMASKED_MESSAGES)

    def phone(self, value):
        return mask_phone(value) if self.masked else value

    def digits(self, value):
        return mask_digits(value) if self.masked else value

    def text(self, value):
        return mask_text(value or "") if self.masked else value


@bp.get("")
@require(CONVERSATIONS)
def index():
    """GET ?s=KEY (a search this session posted), or ?message=ID (from the log): one
    conversation. National IDs and phones stay out of URLs and access logs."""
    found = None
    searches = (get_session() or {}).get("searches") or {}
    if request.args.get("s") in searches:
        found = tuple(searches[request.args["s"]])
    elif request.args.get("message", "").isdigit():
        found = ("message", request.args["message"][:18])
    return _page(found)


@bp.post("")
@require(CONVERSATIONS)
def search():
    """Read the search (audited), keep it in the session, and show it at a GET address."""
    query, by = request.form.get("q", "").strip()[:40], request.form.get("by", "auto")
    found = classify(query, by if by in SEARCH_KINDS else "auto")
    if found is None:
        return _page(None, error=t("conversations.bad_query"), by=by), 400
    phones = find_phones(services.request_session(), *found)
    audit_search(found[0], len(phones))
    data = get_session()
    key = secrets.token_urlsafe(8)
    kept = dict(list((data.get("searches") or {}).items())[-(KEPT_SEARCHES - 1) :])
    save_session({**data, "searches": {**kept, key: list(found)}})
    return redirect(url_for(".index", s=key))


def _page(found, error: str | None = None, by: str = "auto"):
    session = services.request_session()
    phones = find_phones(session, *found) if found else []
    national_id = found[1] if found and found[0] == "national_id" else None
    applications = store.applications_of(session, phones, national_id) if found else []
    transcripts = {phone: store.transcript(session, phone) for phone in phones}
    ids = [m.id for messages in transcripts.values() for m in messages]
    privacy = Privacy(current_user())
    return render_template(
        "console/conversations.html",
        by=by,
        kinds=SEARCH_KINDS,
        error=error,
        searched=found,
        shown_query=_shown(found, privacy),
        transcripts=transcripts,
        message_events=store.events_of_messages(session, ids),
        applications=applications,
        application_events=store.events_of_applications(session, [a.id for a in applications]),
        privacy=privacy,
    )


def _shown(found, privacy: Privacy) -> tuple[str, str] | None:
    """(what kind, the value) searched for, as this user may see it (the box starts empty)."""
    if not found or found[0] == "message":
        return None
    kind, value = found
    return t("field." + kind), privacy.phone(value) if kind == "phone" else privacy.digits(value)


def audit_search(kind: str, phones: int) -> None:
    """Who looked up whose conversation: the kind of key and what was found, not the key."""
    with services.database().session() as session:
        add_audit_event(session, current_user().username, "conversation.view", kind, phones=phones)


@bp.post("/resend")
@require(CONVERSATIONS)
def resend():
    """Queue the latest result SMS of an application again, as a new message; audited."""
    application_id = request.form.get("application_id", "")
    back = url_for(".index", message=request.form.get("message_id", ""))
    latest = None
    database = services.database()
    with database.session() as session:
        if record_id(application_id):
            latest = store.latest_result_message(session, record_id(application_id))
        if latest is None:
            flash(t("conversations.no_result"), "error")
            return redirect(back)
        message_id = add_outbound_message(
            session, latest.phone, latest.text, "result", latest.application_id
        )
        add_audit_event(
            session, current_user().username, "message.resend", str(message_id),
            application_id=latest.application_id, copied_from=latest.id,
        )  # fmt: skip
    stats.count_messages(services.current(), "sms", "out")
    enqueue_sends(services.redis_client(), [message_id])
    flash(t("conversations.resent"), "ok")
    return redirect(url_for(".index", message=message_id))
