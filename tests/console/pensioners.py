"""Pensioners for the operator pages' tests: valid national IDs, whole dialogs, decisions."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from flows.parsing import national_id_check_digit
from gateway.dialog import current_conversation
from gateway.dialog.conversation import Inbound
from gateway.store.models import Application, Message
from tests.factories import add_pensioner
from workers.jobs import send_sms, validate_application


def national_id(serial: int) -> str:
    """A valid national ID (check digit right) for a small serial number."""
    first9 = f"{serial + 1000:09d}"
    return first9 + str(national_id_check_digit(first9))


def text_in(phone: str, text: str, channel: str = "twilio") -> str | None:
    """One inbound SMS through the conversation path; the reply text."""
    inbound = Inbound(channel=channel, phone=phone, text=text, external_id=uuid.uuid4().hex)
    return current_conversation().handle(inbound).text


def register(phone: str, nid: str, pension: str = "123456", channel: str = "twilio") -> None:
    """The whole SMS dialog: keyword, national ID, pension number, confirmation."""
    for text in ("وام", nid, pension, "1"):
        text_in(phone, text, channel)


def add_registry(db, count: int, **fields) -> list[str]:
    """`count` pensioners of association 08 (valid IDs), their national IDs."""
    ids = [national_id(n) for n in range(count)]
    for nid in ids:
        add_pensioner(db, nid, **fields)
    return ids


def decide_all(db) -> list[int]:
    """Run the decision job for every pending application; the result SMS ids."""
    db.rollback()
    for application_id in db.scalars(select(Application.id).where(Application.status == "pending")):
        validate_application(application_id)
    db.rollback()
    return list(db.scalars(select(Message.id).where(Message.kind == "result")))


def send_all(message_ids) -> None:
    for message_id in message_ids:
        send_sms(message_id)
