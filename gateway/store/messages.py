"""Messages, in and out: the inbound row and its reply, outbound sends, their history."""

from __future__ import annotations

import functools
from datetime import datetime

from sqlalchemy import Row, bindparam, or_, select, update
from sqlalchemy.orm import Session

from flows.segments import count_segments
from gateway.platform.dates import utcnow
from gateway.store import connection_of, dialect_insert, dialect_name, fixed_statements, run_fixed
from gateway.store.models import Message, MessageEvent

MESSAGES = Message.__table__
INBOUND_COLUMNS = (
    MESSAGES.c.id,
    MESSAGES.c.channel,
    MESSAGES.c.phone,
    MESSAGES.c.status,
    MESSAGES.c.state,
    MESSAGES.c.created_at,
)


def inbound_row(fields: dict) -> dict:
    """An inbound message's row: `fields` with the defaults of one just received."""
    row = {"direction": "in", "status": "received", "created_at": utcnow(), **fields}
    row.setdefault("updated_at", row["created_at"])
    return row


def insert_inbound(session: Session, **fields) -> tuple[Row, bool]:
    """Store an inbound message; (its row, True) or (the earlier copy's row, False) on redelivery.

    The unique (channel, external_id) constraint makes a redelivered message a no-op,
    whatever the concurrency; messages without an external id are always new. The
    statements are built once and run with parameters: this runs for every message.
    """
    fields = inbound_row(fields)
    stmt = _inbound_insert(dialect_name(session), fields.get("external_id") is not None)
    row = connection_of(session).execute(stmt, fields).first()
    if row is not None:
        return row, True
    return _earlier(session, fields), False


def _earlier(session: Session, fields: dict) -> Row:
    params = {"the_channel": fields["channel"], "the_id": fields["external_id"]}
    return run_fixed(session, _EARLIER, params).first()


@functools.cache
def _inbound_insert(dialect: str, deduplicated: bool):
    stmt = dialect_insert(dialect, MESSAGES)
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


def reply_row(inbound: dict, text: str, segments: int, **fields) -> dict:
    """The reply returned in the carrier's HTTP response, as a row beside its inbound one."""
    return {
        "direction": "out",
        "channel": inbound["channel"],
        "phone": inbound["phone"],
        "text": text,
        "segments": segments,
        "kind": "reply",
        "status": "sent",
        "attempts": 0,
        "created_at": inbound["created_at"],
        "updated_at": inbound["created_at"],
        "state": None,
        "application_id": None,
        **fields,
    }


def add_reply(session: Session, inbound_id: int, reply: dict) -> None:
    session.connection().execute(MESSAGES.insert(), {**reply, "reply_to_id": inbound_id})


def insert_turn(session: Session, inbound: dict, reply: dict | None) -> tuple[Row, bool]:
    """Store an inbound message and the reply it got: (its row, True); or, when it is a
    redelivery, (the earlier copy's row, False) and nothing written.

    On PostgreSQL both rows are one statement (the reply's INSERT reads the inbound
    one's RETURNING): one round trip for a dialog turn's storage.
    """
    inbound = inbound_row(inbound)
    if dialect_name(session) != "postgresql":
        row, fresh = insert_inbound(session, **inbound)
        if fresh and reply is not None:
            add_reply(session, row.id, reply)
        return row, fresh
    params = {name: inbound[name] for name in _TURN_INBOUND}
    if reply is not None:
        params.update((f"reply_{name}", reply[name]) for name in _TURN_REPLY)
    statement = _PG_INBOUND if reply is None else _PG_TURN
    row = fixed_statements(session).exec_driver_sql(statement, params).first()
    if row is not None:
        return row, True
    return _earlier(session, inbound), False


# The inbound row's fields, then the reply's own (the rest of a reply is its inbound
# message's or fixed, as the table's defaults give an INSERT through the model): a dialog
# turn's storage as one fixed statement with few parameters, in psycopg's parameter
# style, run as it is (nothing for SQLAlchemy to compile; see Database.lone_statements).
_TURN_INBOUND = ("channel", "external_id", "phone", "text", "segments", "status", "state",
                 "created_at", "updated_at")  # fmt: skip
_TURN_REPLY = ("text", "segments", "state", "application_id")
_PG_INBOUND = (
    "INSERT INTO messages (direction, channel, external_id, phone, text, segments,"
    " kind, status, state, attempts, created_at, updated_at)"
    " VALUES ('in', %(channel)s, %(external_id)s, %(phone)s, %(text)s, %(segments)s,"
    " 'reply', %(status)s, %(state)s, 0, %(created_at)s, %(updated_at)s)"
    " ON CONFLICT (channel, external_id) DO NOTHING"
    " RETURNING id, channel, phone, status, state, created_at"
)
_PG_TURN = (
    f"WITH inbound AS ({_PG_INBOUND}),"
    " reply AS ("
    " INSERT INTO messages (direction, channel, phone, text, segments, kind, status,"
    " attempts, state, application_id, reply_to_id, created_at, updated_at)"
    " SELECT 'out', channel, phone, %(reply_text)s, %(reply_segments)s, 'reply', 'sent', 0,"
    " %(reply_state)s, %(reply_application_id)s, id, created_at, created_at FROM inbound)"
    " SELECT id, channel, phone, status, state, created_at FROM inbound"
)


def add_outbound_message(
    session: Session,
    phone: str,
    text: str,
    kind: str,
    application_id: int | None = None,
    status: str = "queued",
    idempotency_key: str | None = None,
) -> int | None:
    """Store an SMS the gateway starts itself (queued for send_sms, or `scheduled` until
    something decides to queue it); return its id.

    With an `idempotency_key`, a message stored under that key before (a re-run of its
    cause) is kept as it is and None is returned: nothing new to send.
    """
    row = _outbound_row(phone, text, kind, application_id, utcnow(), idempotency_key, status)
    stmt = _outbound_insert(dialect_name(session), idempotency_key is not None)
    return session.connection().execute(stmt, row).scalar_one_or_none()


@functools.cache
def _outbound_insert(dialect: str, keyed: bool):
    """Built once per kind: a statement built per call is walked for its cache key again."""
    stmt = dialect_insert(dialect, MESSAGES)
    if keyed:
        stmt = stmt.on_conflict_do_nothing(index_elements=["idempotency_key"])
    return stmt.returning(MESSAGES.c.id)


def add_outbound_messages(session: Session, rows: list[tuple]) -> list[int]:
    """Store many SMS at once, each (phone, text, kind, application id), queued; their ids
    in the rows' order (one INSERT for all)."""
    if not rows:
        return []
    now = utcnow()
    values = [_outbound_row(*row, now) for row in rows]
    stmt = MESSAGES.insert().returning(MESSAGES.c.id, sort_by_parameter_order=True)
    return list(session.connection().execute(stmt, values).scalars())


def add_keyed_messages(session: Session, rows: list[tuple]) -> list[tuple[int, str]]:
    """Store many SMS at once, each (phone, text, kind, application id, idempotency key),
    queued, in one INSERT; a key stored before keeps its message and adds nothing.
    (id, phone) of the messages added now."""
    if not rows:
        return []
    now = utcnow()
    stmt = (
        dialect_insert(session, MESSAGES)
        .values([_outbound_row(*row[:4], now, row[4]) for row in rows])
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(MESSAGES.c.id, MESSAGES.c.phone)
    )
    return [tuple(found) for found in session.execute(stmt)]


def _outbound_row(phone, text, kind, application_id, now, key=None, status="queued") -> dict:
    return {
        "direction": "out", "channel": "sms", "phone": phone, "text": text,
        "segments": count_segments(text).segments, "kind": kind, "status": status,
        "attempts": 0, "application_id": application_id, "idempotency_key": key,
        "created_at": now, "updated_at": now,
    }  # fmt: skip


def replace_scheduled(session: Session, phone: str, text: str, kind: str) -> int:
    """Store an SMS `scheduled` for this phone, cancelling its messages of `kind` still
    scheduled; its id. A USSD registration schedules one as it starts: on PostgreSQL
    both are one fixed statement on the driver connection (store.fixed_statements)."""
    if dialect_name(session) != "postgresql":
        cancel_scheduled(session, phone, kind)
        return add_outbound_message(session, phone, text, kind, status="scheduled")
    params = {"phone": phone, "text": text, "kind": kind, "now": utcnow(),
              "segments": count_segments(text).segments}  # fmt: skip
    return fixed_statements(session).exec_driver_sql(_PG_REPLACE_SCHEDULED, params).one().id


_PG_REPLACE_SCHEDULED = (
    "WITH cancelled AS ("
    " UPDATE messages SET status = 'cancelled', updated_at = %(now)s"
    " WHERE direction = 'out' AND phone = %(phone)s AND kind = %(kind)s"
    " AND status = 'scheduled')"
    " INSERT INTO messages (direction, channel, phone, text, segments, kind, status,"
    " attempts, created_at, updated_at)"
    " VALUES ('out', 'sms', %(phone)s, %(text)s, %(segments)s, %(kind)s, 'scheduled', 0,"
    " %(now)s, %(now)s) RETURNING id"
)


def cancel_scheduled(session: Session, phone: str, kind: str) -> None:
    """Cancel this phone's messages of `kind` still scheduled."""
    session.connection().execute(_CANCEL_SCHEDULED, {"the_phone": phone, "the_kind": kind})


_CANCEL_SCHEDULED = (
    MESSAGES.update()
    .where(
        MESSAGES.c.direction == "out",
        MESSAGES.c.phone == bindparam("the_phone"),
        MESSAGES.c.kind == bindparam("the_kind"),
        MESSAGES.c.status == "scheduled",
    )
    .values(status="cancelled")
)


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


def set_provider_id(session: Session, message_id: int, provider_id: str) -> None:
    session.execute(update(Message).where(Message.id == message_id).values(provider_id=provider_id))


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


def scheduled_before(session: Session, before: datetime) -> list[int]:
    """Messages still `scheduled` that were created before `before` (their job is late)."""
    stmt = select(Message.id).where(Message.status == "scheduled", Message.created_at < before)
    return list(session.scalars(stmt.order_by(Message.id).limit(5000)))


def application_messages(session: Session, application_id: int) -> list[Message]:
    stmt = select(Message).where(Message.application_id == application_id)
    return list(session.scalars(stmt.order_by(Message.created_at, Message.id)))


def message_events(session: Session, message_id: int) -> list[MessageEvent]:
    stmt = select(MessageEvent).where(MessageEvent.message_id == message_id)
    return list(session.scalars(stmt.order_by(MessageEvent.at, MessageEvent.id)))
