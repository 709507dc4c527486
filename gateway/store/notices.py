"""Notices: who waits for a phase to open, and broadcasts with their recipients."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased

from gateway.store import chunks, dialect_insert
from gateway.store.messages import add_keyed_messages
from gateway.store.models import (
    HOLDING_STATUSES,
    Application,
    Contact,
    Message,
    Notice,
    NoticeRecipient,
    Phase,
)
from gateway.store.registrations import RegistrationFilters, registration_query


def claim_phase_announcement(session: Session, number: int, now: datetime) -> bool:
    """Mark the phase's opening as announced; False when someone did already."""
    stmt = (
        update(Phase)
        .where(Phase.number == number, Phase.opening_announced_at.is_(None))
        .values(opening_announced_at=now)
    )
    return session.execute(stmt).rowcount == 1


def waiting_for_phase(session: Session, opens_at: datetime) -> list[Application]:
    """Per phone, the latest application rejected `phase_closed` before `opens_at` (told
    to come back when it opens) whose national ID holds no application since."""
    holder = aliased(Application)
    latest = (
        select(func.max(Application.id))
        .where(
            Application.status == "rejected",
            Application.reason == "phase_closed",
            Application.decided_at < opens_at,
            ~select(holder.id)
            .where(
                holder.national_id == Application.national_id,
                holder.status.in_(HOLDING_STATUSES),
            )
            .exists(),
        )
        .group_by(Application.phone)
    )
    stmt = select(Application).where(Application.id.in_(latest)).order_by(Application.id)
    return list(session.scalars(stmt))


def notice_phones(session: Session, filters: RegistrationFilters, scope: str | None) -> list[str]:
    """The distinct phones of the applications matching the filters, within the scope."""
    stmt = registration_query(select(Application.phone), filters, scope).distinct()
    return sorted(session.scalars(stmt))


def count_opted_out(session: Session, phones: list[str]) -> int:
    """How many of the phones sent STOP (their notice is suppressed when sent)."""
    total = 0
    for chunk in chunks(phones, 5000):
        stmt = select(func.count()).where(Contact.phone.in_(chunk), Contact.opted_out.is_(True))
        total += session.scalar(stmt) or 0
    return total


def find_or_add_notice(session: Session, **fields) -> Notice:
    """The notice of this fingerprint: the one started before (to resume), or a new one."""
    insert = dialect_insert(session, Notice).values(**fields)
    session.execute(insert.on_conflict_do_nothing(index_elements=["fingerprint"]))
    return session.scalar(select(Notice).where(Notice.fingerprint == fields["fingerprint"]))


def add_recipients(session: Session, notice: Notice, phones: list[str]) -> list[int]:
    """The notice's SMS to each phone not reached yet, with its recipient row; the new
    messages' ids. One message per (notice, phone): its idempotency key says so."""
    rows = [(phone, notice.text, "notice", None, f"notice:{notice.id}:{phone}") for phone in phones]
    added = add_keyed_messages(session, rows)
    if added:
        recipients = [
            {"notice_id": notice.id, "phone": phone, "message_id": message_id}
            for message_id, phone in added
        ]
        session.execute(
            dialect_insert(session, NoticeRecipient)
            .values(recipients)
            .on_conflict_do_nothing(index_elements=["notice_id", "phone"])
        )
    return [message_id for message_id, _phone in added]


def finish_notice(session: Session, notice_id: int, now: datetime) -> int:
    """Record the notice's recipient count and when it finished; the count."""
    count = session.scalar(select(func.count()).where(NoticeRecipient.notice_id == notice_id)) or 0
    session.execute(
        update(Notice).where(Notice.id == notice_id).values(recipients=count, finished_at=now)
    )
    return count


def unfinished_notices(session: Session, started_before: datetime) -> list[tuple[int, str]]:
    """(id, actor) of notices started before then and not finished (their run was lost)."""
    stmt = select(Notice.id, Notice.actor).where(
        Notice.finished_at.is_(None), Notice.created_at < started_before
    )
    return [tuple(row) for row in session.execute(stmt.order_by(Notice.id))]


def recent_notices(session: Session, scope: str | None, limit: int = 20) -> list[Notice]:
    """The latest notices, newest first; staff see their association's only."""
    stmt = select(Notice).order_by(Notice.id.desc()).limit(limit)
    if scope is not None:
        stmt = stmt.where(Notice.association_code == scope)
    return list(session.scalars(stmt))


def notice_progress(session: Session, notice_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per notice, its messages by status (queued, sent, delivered, suppressed ...)."""
    stmt = (
        select(NoticeRecipient.notice_id, Message.status, func.count())
        .join(Message, Message.id == NoticeRecipient.message_id)
        .where(NoticeRecipient.notice_id.in_(notice_ids))
        .group_by(NoticeRecipient.notice_id, Message.status)
    )
    found: dict[int, dict[str, int]] = {notice_id: {} for notice_id in notice_ids}
    for notice_id, status, count in session.execute(stmt):
        found[notice_id][status] = count
    return found
