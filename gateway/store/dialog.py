"""SQL of the conversation path: inbound and reply rows, contacts, applications by phone."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from gateway.models import Application, Contact, Message, utcnow
from gateway.store import _insert


def insert_inbound(session: Session, **fields) -> tuple[Message, bool]:
    """Store an inbound message; (the message, True) or (the earlier copy, False) on redelivery.

    The unique (channel, external_id) constraint makes a redelivered message a no-op,
    whatever the concurrency; messages without an external id are always new.
    """
    fields = {"direction": "in", "status": "received", "created_at": utcnow(), **fields}
    stmt = _insert(session, Message).values(**fields)
    if fields.get("external_id") is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=["channel", "external_id"])
    new_id = session.execute(stmt.returning(Message.id)).scalar()
    if new_id is not None:
        return session.get(Message, new_id), True
    earlier = session.scalar(
        select(Message).where(
            Message.channel == fields["channel"], Message.external_id == fields["external_id"]
        )
    )
    return earlier, False


def find_reply(session: Session, inbound_id: int) -> Message | None:
    return session.scalar(
        select(Message).where(Message.reply_to_id == inbound_id).order_by(Message.id).limit(1)
    )


def mark_inbound(session: Session, message_id: int, status: str, state: str | None = None):
    session.execute(
        update(Message)
        .where(Message.id == message_id)
        .values(status=status, state=state, updated_at=utcnow())
    )


def add_reply(session: Session, inbound: Message, text: str, segments: int, **fields) -> Message:
    """The reply returned in the carrier's HTTP response, stored beside its inbound message."""
    reply = Message(
        direction="out",
        channel=inbound.channel,
        phone=inbound.phone,
        text=text,
        segments=segments,
        kind="reply",
        status="sent",
        reply_to_id=inbound.id,
        **fields,
    )
    session.add(reply)
    return reply


def contact_lang(session: Session, phone: str) -> str | None:
    return session.scalar(select(Contact.lang).where(Contact.phone == phone))


def save_contact(session: Session, phone: str, **fields) -> None:
    """Create or update what the gateway remembers of a phone (language, opt-out)."""
    values = {"phone": phone, "updated_at": utcnow(), **fields}
    stmt = _insert(session, Contact).values(**values)
    session.execute(
        stmt.on_conflict_do_update(index_elements=["phone"], set_={k: values[k] for k in values})
    )


def live_application(session: Session, national_id: str) -> Application | None:
    return session.scalar(
        select(Application).where(
            Application.national_id == national_id,
            Application.status.in_(("pending", "approved", "waitlisted")),
        )
    )


def national_ids_of_phone(session: Session, phone: str) -> set[str]:
    rows = session.scalars(
        select(Application.national_id).where(Application.phone == phone).distinct()
    )
    return set(rows)


def latest_application_of_phone(session: Session, phone: str) -> Application | None:
    return session.scalar(
        select(Application)
        .where(Application.phone == phone)
        .order_by(Application.created_at.desc(), Application.id.desc())
        .limit(1)
    )


def application_by_tracking_code(session: Session, code: str) -> Application | None:
    return session.scalar(select(Application).where(Application.tracking_code == code))


def tracking_code_exists(session: Session, code: str) -> bool:
    query = select(func.count()).where(Application.tracking_code == code)
    return bool(session.scalar(query))
