"""Console users."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway.platform.dates import utcnow
from gateway.store.models import User


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def add_user(session: Session, **fields) -> User:
    user = User(**fields)
    session.add(user)
    session.flush()
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def record_sign_in(session: Session, user_id: int) -> None:
    session.execute(update(User).where(User.id == user_id).values(last_sign_in_at=utcnow()))
