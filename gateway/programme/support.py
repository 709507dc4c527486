"""The support inbox's rules: a pensioner's question in (acknowledged at most once a day per
phone), a staff member's answer out (a direct reply, sent even after STOP)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from gateway.monitoring.counters import day_of
from gateway.store import applications, messages
from gateway.store import support as store
from gateway.store.audit import add_audit_event
from gateway.store.models import SupportItem
from gateway.store.registry import get_pensioner

MAX_REPLY = 670  # ten UCS-2 segments: a reply longer than that is a letter, not an SMS


class ReplyError(ValueError):
    """Why a reply cannot be sent (empty, too long, the item answered meanwhile)."""


def is_first_question_today(session: Session, phone: str, now: datetime, timezone: str) -> bool:
    """Whether the phone has not been told "passed to the support team" yet this programme
    day (the caller holds the phone's lock, so the answer holds until it files)."""
    return not store.acknowledged_since(session, phone, day_of(now, timezone))


def file_question(
    session: Session, message_id: int, *, phone: str, now: datetime, acknowledge: bool
) -> None:
    """File the stored message in the inbox of the association of the phone's latest
    application (the registry's while that is undecided)."""
    application = applications.latest_application_of_phone(session, phone)
    association = application.association_code if application else None
    if application is not None and association is None:
        pensioner = get_pensioner(session, application.national_id)
        association = pensioner.association_code if pensioner else None
    store.add_question(
        session, phone, message_id, now, acknowledge=acknowledge,
        application_id=application.id if application else None, association_code=association,
    )  # fmt: skip


def reply_to_item(
    session: Session, item: SupportItem, text: str, actor: str, now: datetime,
    seen_message_id: int | None,
) -> int:  # fmt: skip
    """Queue `text` to the item's phone as a direct reply and close the item, audited; the
    new message's id (to queue after commit). Refused when the item was answered already
    (a second submit) or got a message its writer had not seen (`seen_message_id`)."""
    text = text.strip()
    if not text:
        raise ReplyError("support.reply_empty")
    if len(text) > MAX_REPLY:
        raise ReplyError("support.reply_long")
    if not store.mark_answered(session, item.id, now, seen_message_id):
        current = store.get_item(session, item.id, None)
        unanswered = current is not None and current.status != "answered"
        raise ReplyError("support.new_message" if unanswered else "support.already_answered")
    message_id = messages.add_outbound_message(
        session, item.phone, text, "support_reply", item.application_id
    )
    add_audit_event(
        session, actor, "support.reply", str(item.id), message_id=message_id, chars=len(text)
    )
    return message_id
