"""What the gateway remembers of a phone beyond one dialog: reply language and opt-out."""

from __future__ import annotations

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session

from gateway.platform.dates import utcnow
from gateway.store import dialect_insert, run_fixed
from gateway.store.models import Application, Contact


def contact_lang(session: Session, phone: str) -> str | None:
    return session.scalar(select(Contact.lang).where(Contact.phone == phone))


def phone_history(session: Session, phone: str) -> tuple[str | None, bool]:
    """(the language the phone chose before, whether it has an application), in one
    SELECT: read for each message that opens a dialog."""
    row = run_fixed(session, _PHONE_HISTORY, {"the_phone": phone}).one()
    return row[0], bool(row[1])


_PHONE_HISTORY = select(
    select(Contact.lang).where(Contact.phone == bindparam("the_phone")).scalar_subquery(),
    exists().where(Application.phone == bindparam("the_phone")),
)


def is_opted_out(session: Session, phone: str) -> bool:
    return bool(session.scalar(select(Contact.opted_out).where(Contact.phone == phone)))


def save_contact(session: Session, phone: str, **fields) -> None:
    """Create or update what the gateway remembers of a phone (language, opt-out)."""
    values = {"phone": phone, "updated_at": utcnow(), **fields}
    stmt = dialect_insert(session, Contact).values(**values)
    session.execute(stmt.on_conflict_do_update(index_elements=["phone"], set_=values))
