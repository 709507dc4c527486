"""The support inbox: pensioners' questions as items, their assignment and answer, counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from gateway.store.models import UNANSWERED, Association, Message, SupportItem, User

# The inbox's filters: `waiting` (open or assigned, the default), each status, `mine`.
FILTERS = ("waiting", "open", "assigned", "answered", "mine")
SHOWN = 100  # a work queue: the oldest hundred waiting, the newest hundred answered


@dataclass(frozen=True)
class InboxRow:
    """One line of the inbox list."""

    item: SupportItem
    assignee: str | None
    association_name: str | None
    last_text: str


def unanswered_item(session: Session, phone: str) -> SupportItem | None:
    """The phone's unanswered item, locked to the end of the transaction: a reply that
    closes it meanwhile either waits for the new question (and sees it) or came first
    (and the question opens a new item)."""
    stmt = select(SupportItem).where(SupportItem.phone == phone, SupportItem.status.in_(UNANSWERED))
    return session.scalar(stmt.with_for_update())


def acknowledged_since(session: Session, phone: str, since: datetime) -> bool:
    """Whether the phone was told "passed to the support team" at or after `since`."""
    stmt = select(SupportItem.id).where(
        SupportItem.phone == phone, SupportItem.acknowledged_at >= since
    )
    return session.scalar(stmt.limit(1)) is not None


def add_question(
    session: Session, phone: str, message_id: int, now: datetime, *, acknowledge: bool,
    application_id: int | None, association_code: str | None,
) -> SupportItem:  # fmt: skip
    """The message joins the phone's unanswered item, or opens a new one (the caller holds
    the phone's lock; the unique index keeps one unanswered item per phone regardless)."""
    item = unanswered_item(session, phone)
    if item is None:
        item = SupportItem(
            phone=phone, message_id=message_id, application_id=application_id,
            association_code=association_code, status="open", questions=0, created_at=now,
        )  # fmt: skip
        session.add(item)
    item.last_message_id, item.last_message_at = message_id, now
    item.questions += 1
    if acknowledge:
        item.acknowledged_at = now
    session.flush()
    return item


def get_item(session: Session, item_id: int, scope: str | None) -> SupportItem | None:
    """The item if the user's association scope (None: every association) holds it."""
    item = session.get(SupportItem, item_id, populate_existing=True)
    if item is None or (scope is not None and item.association_code != scope):
        return None
    return item


def list_items(session: Session, scope: str | None, shown: str, user_id: int) -> list[InboxRow]:
    """Items under a filter of FILTERS: waiting ones oldest first, answered newest first."""
    stmt = (
        select(SupportItem, User.username, Association.name, Message.text)
        .join(Message, Message.id == SupportItem.last_message_id)
        .outerjoin(User, User.id == SupportItem.assigned_to_id)
        .outerjoin(Association, Association.code == SupportItem.association_code)
    )
    if scope is not None:
        stmt = stmt.where(SupportItem.association_code == scope)
    if shown == "answered":
        stmt = stmt.where(SupportItem.status == "answered").order_by(
            SupportItem.answered_at.desc(), SupportItem.id.desc()
        )
    else:
        if shown in ("open", "assigned"):
            stmt = stmt.where(SupportItem.status == shown)
        else:
            stmt = stmt.where(SupportItem.status.in_(UNANSWERED))
        if shown == "mine":
            stmt = stmt.where(SupportItem.assigned_to_id == user_id)
        stmt = stmt.order_by(SupportItem.created_at, SupportItem.id)
    stmt = stmt.limit(SHOWN)
    return [InboxRow(*row) for row in session.execute(stmt)]


def assign_item(session: Session, item_id: int, user_id: int | None) -> bool:
    """Give an unanswered item to a user (None: back to open); False if it is answered."""
    stmt = update(SupportItem).where(SupportItem.id == item_id, SupportItem.status.in_(UNANSWERED))
    status = "open" if user_id is None else "assigned"
    return session.execute(stmt.values(assigned_to_id=user_id, status=status)).rowcount == 1


def mark_answered(
    session: Session, item_id: int, now: datetime, seen_message_id: int | None = None
) -> bool:
    """Close an unanswered item (whose latest message is `seen_message_id`, when given);
    False when it was answered already (a second click) or has a newer message."""
    stmt = update(SupportItem).where(SupportItem.id == item_id, SupportItem.status.in_(UNANSWERED))
    if seen_message_id is not None:
        stmt = stmt.where(SupportItem.last_message_id == seen_message_id)
    return session.execute(stmt.values(status="answered", answered_at=now)).rowcount == 1


def waiting_summary(session: Session, scope: str | None = None) -> tuple[int, datetime | None]:
    """(unanswered items, when the oldest of them came in)."""
    stmt = select(func.count(), func.min(SupportItem.created_at)).where(
        SupportItem.status.in_(UNANSWERED)
    )
    if scope is not None:
        stmt = stmt.where(SupportItem.association_code == scope)
    count, oldest = session.execute(stmt).one()
    return count, oldest
