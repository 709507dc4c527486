"""The message log: every message, newest first, filtered, paged by keyset (created_at, id)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, render_template, request, url_for

from flows.parsing import normalise_text
from gateway.console.auth import current_user, require
from gateway.console.conversations import Privacy
from gateway.console.forms import FormError, choice, programme_moment, read_fields
from gateway.console.i18n import add_strings, t
from gateway.console.roles import MESSAGES
from gateway.platform import services
from gateway.platform.phones import normalise_phone
from gateway.store.models import MESSAGE_STATUSES
from gateway.store.transcripts import MessageFilters, message_page

bp = Blueprint("console_messages", __name__, url_prefix="/console/messages")
NAV = [("/console/messages", "nav.messages", MESSAGES)]
PAGE_SIZE = 50
MAX_TEXT_FILTER = 50
CHANNELS = ("twilio", "http", "ussd", "simulator", "sms", "console")
DIRECTIONS = ("in", "out")
STATUSES = ("received", "handled", "rate_limited", "ignored", *MESSAGE_STATUSES)

add_strings(
    {
        "messages.title": ("همه پیام‌ها", "Message log"),
        "messages.older": ("قدیمی‌ترها", "Older"),
        "messages.newest": ("تازه‌ترین‌ها", "Newest"),
        "messages.bad_key": ("نشانی صفحه درست نیست.", "The page link is not valid."),
        "messages.text_filter": ("بخشی از متن", "Part of the text"),
        "messages.bad_phone": ("«تلفن» شمارهٔ درستی نیست.", "Phone is not a phone number."),
    }
)


def parse_key(raw: str | None) -> tuple[datetime, int] | None:
    """`2026-11-25T08:30:00.123456Z~42` -> (created_at, id); raises FormError when broken."""
    if not raw:
        return None
    at, sep, last_id = raw.partition("~")
    try:
        moment = datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except ValueError:
        raise FormError(t("messages.bad_key")) from None
    if not sep or not last_id.isdigit() or len(last_id) > 18:
        raise FormError(t("messages.bad_key"))
    return moment, int(last_id)


def format_key(message) -> str:
    return f"{message.created_at.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}~{message.id}"


def read_filters(args) -> tuple[MessageFilters, list[str]]:
    readers = {
        "channel": lambda v: choice(v, CHANNELS, "field.channel"),
        "direction": lambda v: choice(v, DIRECTIONS, "message.direction"),
        "status": lambda v: choice(v, STATUSES, "field.status"),
        "since": lambda v: programme_moment(v, "field.since"),
        "until": lambda v: programme_moment(v, "field.until", end_of_day=True),
        "phone": read_phone,
        "text": lambda v: (v or "").strip()[:MAX_TEXT_FILTER] or None,
    }
    values, errors = read_fields(args, readers)
    return MessageFilters(**values), errors


def read_phone(text: str | None) -> str | None:
    """A phone in any format and digit script -> E.164; empty -> None."""
    text = normalise_text(text or "")[:32]
    if not text:
        return None
    phone = normalise_phone(text)
    if phone is None:
        raise FormError(t("messages.bad_phone"))
    return phone


@bp.get("")
@require(MESSAGES)
def index():
    filters, errors = read_filters(request.args)
    try:
        before = parse_key(request.args.get("before"))
    except FormError as exc:
        errors.append(str(exc))
        before = None
    rows = (
        [] if errors else message_page(services.request_session(), filters, before, PAGE_SIZE + 1)
    )
    older, kept = None, {k: v for k, v in request.args.items() if k != "before" and v}
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        older = url_for(".index", **kept, before=format_key(rows[-1]))
    page = render_template(
        "console/messages.html",
        rows=rows,
        errors=errors,
        args=request.args,
        older=older,
        newest=url_for(".index", **kept) if before else None,
        choices={"channel": CHANNELS, "direction": DIRECTIONS, "status": STATUSES},
        privacy=Privacy(current_user()),
    )
    return page, 400 if errors else 200
