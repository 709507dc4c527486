"""SQL of the console's conversation view and message log: transcripts, histories, resends."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gateway.store.models import Application, ApplicationEvent, Message, MessageEvent

TRANSCRIPT_LIMIT = 300  # the newest messages of a phone shown (older ones: the message log)


@dataclass(frozen=True)
class MessageFilters:
    """The message log's filters; None means any."""

    channel: str | None = None
    direction: str | None = None
    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    phone: str | None = None  # E.164
    text: str | None = None  # part of the message's text


def phones_of_national_id(session: Session, national_id: str) -> list[str]:
    stmt = select(Application.phone).where(Application.national_id == national_id).distinct()
    return sorted(session.scalars(stmt))


def phone_of_tracking_code(session: Session, tracking_code: str) -> str | None:
    stmt = select(Application.phone).where(Application.tracking_code == tracking_code)
    return session.scalar(stmt)


def phone_of_message(session: Session, message_id: int) -> str | None:
    return session.scalar(select(Message.phone).where(Message.id == message_id))


def transcript(session: Session, phone: str, limit: int = TRANSCRIPT_LIMIT) -> list[Message]:
    """The newest `limit` messages to and from `phone`, oldest first."""
    stmt = (
        select(Message)
        .where(Message.phone == phone)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    )
    return list(reversed(session.scalars(stmt).all()))


def latest_message_id(session: Session, phone: str) -> int:
    """The newest message id of a phone (0 when it has none)."""
    stmt = select(Message.id).where(Message.phone == phone).order_by(Message.id.desc()).limit(1)
    return session.scalar(stmt) or 0


def sent_after(session: Session, phone: str, after: int, statuses) -> list[Message]:
    """The phone's outbound messages after id `after` that are not dialog replies (result
    SMS, reminders) and have reached one of `statuses`, oldest first."""
    stmt = select(Message).where(
        Message.phone == phone,
        Message.id > after,
        Message.direction == "out",
        Message.kind != "reply",
        Message.status.in_(statuses),
    )
    return list(session.scalars(stmt.order_by(Message.id).limit(20)))


def events_of_messages(session: Session, message_ids: list[int]) -> dict[int, list[MessageEvent]]:
    found: dict[int, list[MessageEvent]] = defaultdict(list)
    if message_ids:
        stmt = select(MessageEvent).where(MessageEvent.message_id.in_(message_ids))
        for event in session.scalars(stmt.order_by(MessageEvent.at, MessageEvent.id)):
            found[event.message_id].append(event)
    return found


def applications_of(session: Session, phones: list[str], national_id: str | None = None):
    """Applications sent from these phones, or of this national ID, newest first."""
    wanted = [Application.phone.in_(phones)] if phones else []
    if national_id:
        wanted.append(Application.national_id == national_id)
    if not wanted:
        return []
    stmt = select(Application).where(or_(*wanted))
    return list(session.scalars(stmt.order_by(Application.created_at.desc(), Application.id)))


def events_of_applications(session: Session, ids: list[int]) -> dict[int, list[ApplicationEvent]]:
    found: dict[int, list[ApplicationEvent]] = defaultdict(list)
    if ids:
        stmt = select(ApplicationEvent).where(ApplicationEvent.application_id.in_(ids))
        for event in session.scalars(stmt.order_by(ApplicationEvent.at, ApplicationEvent.id)):
            found[event.application_id].append(event)
    return found


def latest_result_message(session: Session, application_id: int) -> Message | None:
    stmt = select(Message).where(
        Message.application_id == application_id,
        Message.direction == "out",
        Message.kind == "result",
    )
    return session.scalar(stmt.order_by(Message.created_at.desc(), Message.id.desc()).limit(1))


def message_page(
    session: Session, filters: MessageFilters, before: tuple[datetime, int] | None, size: int
) -> list[Message]:
    """One page of the message log, newest first, after the keyset `before` (created_at, id)."""
    # `created_at <= c AND (created_at < c OR id < i)` keeps the range on created_at, which
    # every created_at index serves (alone, or after channel, status or phone).
    stmt = select(Message)
    for column, value in (
        (Message.channel, filters.channel),
        (Message.direction, filters.direction),
        (Message.status, filters.status),
        (Message.phone, filters.phone),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if filters.text:
        stmt = stmt.where(Message.text.contains(filters.text, autoescape=True))
    if filters.since is not None:
        stmt = stmt.where(Message.created_at >= filters.since)
    if filters.until is not None:
        stmt = stmt.where(Message.created_at < filters.until)
    if before is not None:
        at, last_id = before
        stmt = stmt.where(
            Message.created_at <= at, or_(Message.created_at < at, Message.id < last_id)
        )
    stmt = stmt.order_by(Message.created_at.desc(), Message.id.desc()).limit(size)
    return list(session.scalars(stmt))
