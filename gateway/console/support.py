"""The support inbox: pensioners' questions, oldest first; one question with its conversation,
a reply box (free text or a canned reply), assignment and closing. Every action audited."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from flows.messages import CANNED_REPLY_KEYS, DEFAULT_LANGUAGE, render
from gateway.console.auth import association_scope, current_user, require
from gateway.console.conversations import Privacy
from gateway.console.filters import digits
from gateway.console.forms import record_id
from gateway.console.i18n import add_strings, t
from gateway.console.roles import PERSONAL_DATA, SUPPORT, may, needs_association
from gateway.dialog.conversation import clean_body
from gateway.monitoring import counters as stats
from gateway.platform import services
from gateway.platform.dates import utcnow
from gateway.platform.masking import mask_numbers
from gateway.programme.jobs import enqueue_sends
from gateway.programme.support import MAX_REPLY, ReplyError, reply_to_item
from gateway.store import applications, contacts, transcripts
from gateway.store import support as store
from gateway.store.audit import add_audit_event
from gateway.store.users import list_users

bp = Blueprint("console_support", __name__, url_prefix="/console/support")
NAV = [("/console/support", "nav.support", SUPPORT)]

add_strings(
    {
        "nav.support": ("پشتیبانی", "Support"),
        "support.title": ("پرسش‌های بازنشستگان", "Pensioners' questions"),
        "support.one": ("پرسش {n}", "Question {n}"),
        "support.show": ("نمایش", "Show"),
        "support.show.waiting": ("بی‌پاسخ", "unanswered"),
        "support.show.open": ("بی‌کارشناس", "not assigned"),
        "support.show.assigned": ("سپرده به کارشناس", "assigned"),
        "support.show.answered": ("پاسخ‌داده", "answered"),
        "support.show.mine": ("سپرده به من", "assigned to me"),
        "support.waiting": ("در انتظار", "Waiting"),
        "support.questions": ("پیام‌ها", "Messages"),
        "support.assignee": ("کارشناس", "Assignee"),
        "support.since": ("از", "Since"),
        "support.last": ("آخرین پیام", "Latest message"),
        "support.open_item": ("باز کردن", "Open"),
        "support.reply": ("پاسخ به بازنشسته", "Reply to the pensioner"),
        "support.reply_text": ("متن پاسخ (پیامک)", "Reply text (SMS)"),
        "support.canned": ("پاسخ آماده", "Canned reply"),
        "support.canned_none": ("بدون پاسخ آماده؛ متن خودم", "none: my own text"),
        "support.canned_hint": (
            "اگر متن را خالی بگذارید، پاسخ آماده به زبان بازنشسته فرستاده می‌شود.",
            "Leave the text empty to send the canned reply in the pensioner's language.",
        ),
        "support.send": ("ارسال پاسخ و بستن پرسش", "Send the reply and close"),
        "support.sent": ("پاسخ در صف ارسال پیامک است.", "The reply is queued as an SMS."),
        "support.reply_empty": ("متن پاسخ خالی است.", "The reply is empty."),
        "support.reply_long": (
            "پاسخ بیش از ۶۷۰ نویسه است؛ کوتاه‌تر بنویسید.",
            "The reply is over 670 characters; shorten it.",
        ),
        "support.new_message": (
            "پیام تازه‌ای از بازنشسته رسیده است؛ آن را بخوانید و دوباره بفرستید.",
            "A new message came from the pensioner: read it, then send again.",
        ),
        "support.already_answered": (
            "این پرسش پیش‌تر پاسخ گرفته است؛ چیزی فرستاده نشد.",
            "This question was answered already; nothing was sent.",
        ),
        "support.assign": ("سپردن", "Assign"),
        "support.assign_to": ("سپردن به", "Assign to"),
        "support.assign_me": ("سپردن به من", "Assign to me"),
        "support.unassign": ("بی‌کارشناس", "nobody"),
        "support.assigned_now": ("پرسش سپرده شد.", "Assigned."),
        "support.mark_answered": ("بستن بدون پیامک (پاسخ داده شد)", "Close without an SMS"),
        "support.closed": ("پرسش بسته شد.", "The question is closed."),
        "support.lang": ("زبان بازنشسته", "Pensioner's language"),
        "support.none": ("پرسشی نیست.", "No questions."),
        "support.limited": (
            "فقط {n} پرسش نخست نشان داده شده است.",
            "Only the first {n} questions are shown.",
        ),
        "support.bad_user": ("این کاربر نمی‌تواند این پرسش را ببیند.", "That user cannot see it."),
        "support.minutes": ("{n} دقیقه", "{n} min"),
        "support.hours": ("{n} ساعت", "{n} h"),
        "support.days": ("{n} روز", "{n} days"),
        "support.no_application": ("بدون درخواست", "no application"),
        "lang.fa": ("فارسی", "Persian"),
        "lang.en": ("انگلیسی", "English"),
    }
)


class InboxPrivacy(Privacy):
    """Questions must be read to be answered: their words stay whole; the numbers in them
    too for users who see personal data, masked for the others (operators)."""

    def __init__(self, user):
        super().__init__(user)
        self.numbers_masked = self.masked and not user.may(PERSONAL_DATA)

    def text(self, value):
        return mask_numbers(value or "") if self.numbers_masked else (value or "")


def waited(moment) -> str:
    """How long since `moment`, in the largest whole unit (minutes, hours, days)."""
    minutes = max(0, int((utcnow() - moment).total_seconds() // 60))
    if minutes < 60:
        return t("support.minutes", n=digits(minutes))
    if minutes < 48 * 60:
        return t("support.hours", n=digits(minutes // 60))
    return t("support.days", n=digits(minutes // (24 * 60)))


@bp.get("")
@require(SUPPORT)
def index():
    """The inbox under one filter (unanswered by default), oldest first."""
    shown = request.args.get("show", "waiting")
    shown = shown if shown in store.FILTERS else "waiting"
    session = services.request_session()
    rows = store.list_items(session, association_scope(), shown, current_user().id)
    return render_template(
        "console/support.html", rows=rows, shown=shown, filters=store.FILTERS,
        privacy=InboxPrivacy(current_user()), waited=waited, limit=store.SHOWN,
    )  # fmt: skip


def _item(item_id: str):
    """The item within the user's association scope; another association's is a 404."""
    number = record_id(item_id)
    session = services.request_session()
    item = store.get_item(session, number, association_scope()) if number else None
    if item is None:
        abort(404)
    return item


def _assignable(item) -> list:
    """Enabled users who may see the item: its association's staff, and every unscoped
    role with the support inbox."""
    return [
        user
        for user in list_users(services.request_session())
        if user.disabled_at is None
        and may(user.role, SUPPORT)
        and (not needs_association(user.role) or user.association_code == item.association_code)
    ]


def pensioner_lang(session, item) -> str:
    """The language the phone chose last (EN / FA), else its application's, else Persian."""
    chosen = contacts.contact_lang(session, item.phone)
    if chosen is None and item.application_id:
        application = applications.get_application(session, item.application_id)
        chosen = application.lang if application else None
    return chosen or DEFAULT_LANGUAGE


@bp.get("/<item_id>")
@require(SUPPORT)
def show(item_id: str):
    """One question: its details, the phone's conversation, the reply box (view audited)."""
    item = _item(item_id)
    with services.database().session() as writer:
        add_audit_event(writer, current_user().username, "support.view", str(item.id))
    return _page(item)


def _page(item, draft: str = "", error: str | None = None):
    session = services.request_session()
    application = item.application_id and applications.get_application(session, item.application_id)
    messages = transcripts.transcript(session, item.phone)
    lang = pensioner_lang(session, item)
    users = _assignable(item)
    return render_template(
        "console/support_item.html",
        item=item,
        application=application,
        messages=messages,
        message_events=transcripts.events_of_messages(session, [m.id for m in messages]),
        canned=[(key, render(key, lang)) for key in CANNED_REPLY_KEYS],
        lang=lang,
        users=users,
        assignee=next((u for u in users if u.id == item.assigned_to_id), None),
        privacy=InboxPrivacy(current_user()),
        waited=waited,
        max_reply=MAX_REPLY,
        draft=draft,
        error=error,
    )


@bp.post("/<item_id>/reply")
@require(SUPPORT)
def reply(item_id: str):
    """Send the pensioner an SMS (the typed text, or the canned reply in their language)
    through the outbound queue, as a direct reply, and close the question. The form names
    the latest message its writer saw: if another came meanwhile, nothing is sent and the
    page comes back with the draft kept, to read it first."""
    item = _item(item_id)
    text, _cut = clean_body(request.form.get("text", "")[: MAX_REPLY + 1])
    canned = request.form.get("canned", "")
    if not text.strip() and canned in CANNED_REPLY_KEYS:
        text = render(canned, pensioner_lang(services.request_session(), item))
    seen = record_id(request.form.get("seen"))
    try:
        with services.database().session(write=True) as session:
            actor = current_user().username
            message_id = reply_to_item(session, item, text, actor, utcnow(), seen)
    except ReplyError as exc:
        services.request_session().expire_all()  # show the item as it is now
        return _page(item, draft=text, error=t(str(exc))), 409
    stats.count_messages(services.current(), "sms", "out")
    enqueue_sends(services.redis_client(), [message_id])
    flash(t("support.sent"), "ok")
    return redirect(url_for(".show", item_id=item.id))


@bp.post("/<item_id>/assign")
@require(SUPPORT)
def assign(item_id: str):
    """Assign the question to me, to another user who may see it, or to nobody."""
    item = _item(item_id)
    wanted = request.form.get("user", "")
    if wanted == "me":
        user_id = current_user().id
    elif wanted == "":
        user_id = None
    else:
        user_id = record_id(wanted)
        if user_id not in {user.id for user in _assignable(item)}:
            flash(t("support.bad_user"), "error")
            return redirect(url_for(".show", item_id=item.id))
    with services.database().session(write=True) as session:
        if not store.assign_item(session, item.id, user_id):
            flash(t("support.already_answered"), "error")
            return redirect(url_for(".show", item_id=item.id))
        add_audit_event(
            session, current_user().username, "support.assign", str(item.id), to=user_id
        )
    flash(t("support.assigned_now"), "ok")
    return redirect(url_for(".show", item_id=item.id))


@bp.post("/<item_id>/answered")
@require(SUPPORT)
def answered(item_id: str):
    """Close the question without an SMS (answered by phone, or nothing to answer)."""
    item = _item(item_id)
    with services.database().session(write=True) as session:
        if not store.mark_answered(session, item.id, utcnow()):
            flash(t("support.already_answered"), "error")
            return redirect(url_for(".show", item_id=item.id))
        add_audit_event(session, current_user().username, "support.answered", str(item.id))
    flash(t("support.closed"), "ok")
    return redirect(url_for(".index"))
