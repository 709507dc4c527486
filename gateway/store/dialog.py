"""SQL of the conversation path: inbound and reply rows, contacts, applications by phone."""

from __future__ import annotations

import functools

from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from gateway.models import Application, Contact, Message, utcnow
from gateway.store import _insert

MESSAGES = Message.__table__
INBOUND_COLUMNS = (
    MESSAGES.c.id,
    MESSAGES.c.channel,
    MESSAGES.c.phone,
    MESSAGES.c.status,
    MESSAGES.c.state,
    MESSAGES.c.created_at,
)


def insert_inbound(session: Session, **fields) -> tuple[Row, bool]:
    """Store an inbound message; (its row, True) or (the earlier copy's row, False) on redelivery.

    The unique (channel, external_id) constraint makes a redelivered message a no-op,
    whatever the concurrency; messages without an external id are always new. The
    statements are built once and run with parameters: this runs for every message.
    """
    fields = {"direction": "in", "status": "received", "created_at": utcnow(), **fields}
    fields.setdefault("updated_at", fields["created_at"])
    dialect = session.get_bind().dialect.name
    stmt = _inbound_insert(dialect, fields.get("external_id") is not None)
    row = session.execute(stmt, fields).first()
    if row is not None:
        return row, True
    earlier = session.execute(
        _EARLIER, {"the_channel": fields["channel"], "the_id": fields["external_id"]}
    )
    return earlier.first(), False


@functools.cache
def _inbound_insert(dialect: str, deduplicated: bool):
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(MESSAGES)
    if deduplicated:
        stmt = stmt.on_conflict_do_nothing(index_elements=["channel", "external_id"])
    return stmt.returning(*INBOUND_COLUMNS)


_EARLIER = select(*INBOUND_COLUMNS).where(
    MESSAGES.c.channel == bindparam("the_channel"), MESSAGES.c.external_id == bindparam("the_id")
)
_MARK = (
    MESSAGES.update()
    .where(MESSAGES.c.id == bindparam("message_id"))
    .values(
        status=bindparam("new_status"), state=bindparam("new_state"), updated_at=bindparam("now")
    )
)


def find_reply(session: Session, inbound_id: int) -> Message | None:
    return session.scalar(
        select(Message).where(Message.reply_to_id == inbound_id).order_by(Message.id).limit(1)
    )


def mark_inbound(session: Session, message_id: int, status: str, state: str | None = None):
    params = {"message_id": message_id, "new_status": status, "new_state": state, "now": utcnow()}
    session.execute(_MARK, params)


def add_reply(session: Session, inbound: Row, text: str, segments: int, **fields) -> None:
    """The reply returned in the carrier's HTTP response, stored beside its inbound message."""
    now = utcnow()
    row = {
        "direction": "out",
        "channel": inbound.channel,
        "phone": inbound.phone,
        "text": text,
        "segments": segments,
        "kind": "reply",
        "status": "sent",
        "attempts": 0,
        "reply_to_id": inbound.id,
        "created_at": now,
        "updated_at": now,
        "state": None,
        "application_id": None,
        **fields,
    }
    session.execute(_INSERT_REPLY, row)


_INSERT_REPLY = MESSAGES.insert()


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
