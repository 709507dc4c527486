"""What the gateway remembers of a phone beyond one dialog: reply language and opt-out."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.platform.dates import utcnow
from gateway.store import dialect_insert
from gateway.store.models import Contact


def contact_lang(session: Session, phone: str) -> str | None:
    return session.scalar(select(Contact.lang).where(Contact.phone == phone))


def is_opted_out(session: Session, phone: str) -> bool:
    return bool(session.scalar(select(Contact.opted_out).where(Contact.phone == phone)))


def save_contact(session: Session, phone: str, **fields) -> None:
    """Create or update what the gateway remembers of a phone (language, opt-out)."""
    values = {"phone": phone, "updated_at": utcnow(), **fields}
    stmt = dialect_insert(session, Contact).values(**values)
    session.execute(stmt.on_conflict_do_update(index_elements=["phone"], set_=values))
