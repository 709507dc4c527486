"""Outbound messages: the result SMS, its claim for sending, its status and history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from flows.messages import render
from flows.segments import count_segments
from gateway.models import Application, Contact, Message, MessageEvent


def add_result_message(session: Session, application: Application, key: str, **params) -> int:
    """Store the result SMS of an application (status queued) and return its id."""
    params.setdefault("tracking_code", application.tracking_code)
    return add_outbound_message(
        session, application.phone, application.lang, key, "result", application.id, **params
    )


def add_outbound_message(
    session: Session,
    phone: str,
    lang: str,
    key: str,
    kind: str,
    application_id: int | None = None,
    **params,
) -> int:
    """Store an SMS the gateway starts itself (status queued, for send_sms); return its id."""
    text = render(key, lang, **params)
    message = Message(
        direction="out",
        channel="sms",
        phone=phone,
        text=text,
        segments=count_segments(text).segments,
        kind=kind,
        status="queued",
        attempts=0,
        application_id=application_id,
    )
    session.add(message)
    session.flush()  # its history starts at created_at, status queued
    return message.id


def add_message_event(session: Session, message_id: int, status: str, error_code=None, detail=None):
    session.add(
        MessageEvent(
            message_id=message_id,
            status=status,
            error_code=error_code,
            detail=None if detail is None else str(detail)[:500],
        )
    )


def get_message(session: Session, message_id: int) -> Message | None:
    return session.get(Message, message_id, populate_existing=True)


def is_opted_out(session: Session, phone: str) -> bool:
    return bool(session.scalar(select(Contact.opted_out).where(Contact.phone == phone)))


def claim_message(
    session: Session, message_id: int, now: datetime, stuck_before: datetime, **values
):
    """queued -> sending (or a `sending` claim older than stuck_before): one claimer wins.

    The claim is the idempotency record of a send: it is committed before the provider
    is called, and counts the attempt. Returns the attempt number, or None if not won.
    """
    stmt = (
        update(Message)
        .where(
            Message.id == message_id,
            or_(
                Message.status == "queued",
                (Message.status == "sending") & (Message.sending_since < stuck_before),
            ),
        )
        .values(status="sending", sending_since=now, attempts=Message.attempts + 1, **values)
        .returning(Message.attempts)
    )
    return session.execute(stmt).scalar_one_or_none()


def finish_attempt(session: Session, message_id: int, attempt: int, **values) -> bool:
    """Record the outcome of attempt `attempt` unless another claim superseded it."""
    if values.get("error"):
        values["error"] = str(values["error"])[:500]
    stmt = update(Message).where(
        Message.id == message_id, Message.status == "sending", Message.attempts == attempt
    )
    done = session.execute(stmt.values(**values)).rowcount == 1
    if done:
        add_message_event(
            session, message_id, values["status"], values.get("error_code"), values.get("error")
        )
    return done


def set_status(session: Session, message_id: int, status: str, allowed_from, **values) -> bool:
    """Move to `status` only from one of `allowed_from` (never backwards)."""
    stmt = update(Message).where(Message.id == message_id, Message.status.in_(allowed_from))
    return session.execute(stmt.values(status=status, **values)).rowcount == 1


def find_outbound(session: Session, channel: str, provider_id: str) -> Message | None:
    stmt = select(Message).where(
        Message.direction == "out", Message.channel == channel, Message.provider_id == provider_id
    )
    return session.scalar(stmt.order_by(Message.id.desc()).limit(1))


def stale_message_ids(session: Session, queued_before: datetime, sending_before: datetime):
    """Messages whose job may be lost: queued for long, or claimed and never finished."""
    stmt = select(Message.id).where(
        Message.direction == "out",
        or_(
            (Message.status == "queued") & (Message.updated_at < queued_before),
            (Message.status == "sending") & (Message.sending_since < sending_before),
        ),
    )
    return list(session.scalars(stmt.order_by(Message.id).limit(5000)))


def application_messages(session: Session, application_id: int) -> list[Message]:
    stmt = select(Message).where(Message.application_id == application_id)
    return list(session.scalars(stmt.order_by(Message.created_at, Message.id)))


def message_events(session: Session, message_id: int) -> list[MessageEvent]:
    stmt = select(MessageEvent).where(MessageEvent.message_id == message_id)
    return list(session.scalars(stmt.order_by(MessageEvent.at, MessageEvent.id)))
