"""Applications: the live one of a national ID, decisions as conditional updates, history."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, distinct, exists, func, literal, select, true, update
from sqlalchemy.orm import Session

from gateway.platform.dates import utcnow
from gateway.store import dialect_insert, dialect_name, fixed_statements, run_fixed
from gateway.store.messages import add_outbound_messages
from gateway.store.models import HOLDING_STATUSES, Application, ApplicationEvent, Pensioner

_APPLICATIONS = Application.__table__


def get_application(session: Session, application_id: int) -> Application | None:
    return session.get(Application, application_id, populate_existing=True)


def lock_application(session: Session, application_id: int) -> Application:
    """The application's row, locked to the end of the transaction, read afresh."""
    return session.get(Application, application_id, with_for_update=True, populate_existing=True)


def find_application(session: Session, tracking_code: str) -> Application | None:
    return session.scalar(select(Application).where(Application.tracking_code == tracking_code))


def live_application(session: Session, national_id: str) -> Application | None:
    """The application that holds this national ID: live, or paid / payment failed."""
    return session.scalar(
        select(Application).where(
            Application.national_id == national_id, Application.status.in_(HOLDING_STATUSES)
        )
    )


@dataclass(frozen=True)
class Applicant:
    """What deciding to create an application needs, read in one statement: the
    application holding the national ID (live, paid or payment failed; if any), whether
    the phone already applied for it, how many other national IDs the phone applied for,
    and the registry's association."""

    live_id: int | None
    live_tracking_code: str | None
    live_pension_number: str | None
    live_status: str | None
    phone_has_it: bool
    phone_others: int
    association_code: str | None


def applicant(session: Session, national_id: str, phone: str) -> Applicant:
    row = run_fixed(session, _APPLICANT, {"a_nid": national_id, "a_phone": phone}).one()
    return Applicant(*row[:4], bool(row[4]), row[5] or 0, row[6])


def _build_applicant_query():
    a, p = Application, Pensioner
    nid, phone = bindparam("a_nid"), bindparam("a_phone")
    live = (
        select(a.id, a.tracking_code, a.pension_number, a.status)
        .where(a.national_id == nid, a.status.in_(HOLDING_STATUSES))
        .limit(1)
        .subquery("live")
    )
    mine = exists().where(a.phone == phone, a.national_id == nid)
    others = select(func.count(distinct(a.national_id))).where(
        a.phone == phone, a.national_id != nid
    )
    code = select(p.association_code).where(p.national_id == nid)
    one = select(literal(1).label("one")).subquery("one")
    return select(
        live.c.id, live.c.tracking_code, live.c.pension_number, live.c.status,
        mine.label("mine"), others.scalar_subquery(), code.scalar_subquery(),
    ).select_from(one.outerjoin(live, true()))  # fmt: skip


_APPLICANT = _build_applicant_query()


def insert_application(session: Session, **values) -> int | None:
    """Insert an application; its id, or None when a unique key (the tracking code, or
    the national ID's live application) is taken - without aborting the transaction.

    The webhook creates one with every finished dialog: on PostgreSQL it is one fixed
    statement run on the driver (store.fixed_statements)."""
    now = utcnow()
    row = {"flags": "", "created_at": now, "updated_at": now, **values}
    dialect = dialect_name(session)
    if dialect == "postgresql":
        sql = _pg_insert_application(tuple(sorted(row)))
        found = fixed_statements(session).exec_driver_sql(sql, row).first()
        return None if found is None else found.id
    return session.connection().execute(_insert_application(dialect), row).scalar()


@functools.cache
def _pg_insert_application(columns: tuple[str, ...]) -> str:
    """The INSERT of these columns in psycopg's parameter style, written once."""
    values = ", ".join(f"%({name})s" for name in columns)
    return (
        f"INSERT INTO applications ({', '.join(columns)}) VALUES ({values})"
        " ON CONFLICT DO NOTHING RETURNING id"
    )


@functools.cache
def _insert_application(dialect: str):
    return (
        dialect_insert(dialect, _APPLICATIONS)
        .on_conflict_do_nothing()
        .returning(_APPLICATIONS.c.id)
    )


def latest_application_of_phone(session: Session, phone: str) -> Application | None:
    return session.scalar(
        select(Application)
        .where(Application.phone == phone)
        .order_by(Application.created_at.desc(), Application.id.desc())
        .limit(1)
    )


def pending_of_association(session: Session, association_code: str, limit: int):
    """The association's pending applications (with their registry rows) in confirmation
    order, locked for the transaction; PostgreSQL re-checks `pending` after a wait."""
    stmt = (
        select(Application, Pensioner)
        .join(Pensioner, Pensioner.national_id == Application.national_id)
        .where(Application.status == "pending", Pensioner.association_code == association_code)
        .order_by(Application.created_at, Application.id)
        .limit(limit)
        .with_for_update(of=Application)
    )
    return [tuple(row) for row in session.execute(stmt)]


def pending_with_pensioner(session: Session, application_id: int):
    """(application, its registry row or None) while it is pending, else None."""
    stmt = (
        select(Application, Pensioner)
        .outerjoin(Pensioner, Pensioner.national_id == Application.national_id)
        .where(Application.id == application_id, Application.status == "pending")
        .with_for_update(of=Application)
    )
    row = session.execute(stmt).first()
    return None if row is None else tuple(row)


_DECIDE = (
    _APPLICATIONS.update()
    .where(_APPLICATIONS.c.id == bindparam("b_id"), _APPLICATIONS.c.status == "pending")
    .values(
        status=bindparam("b_status"),
        reason=bindparam("b_reason"),
        flags=bindparam("b_flags"),
        association_code=bindparam("b_code"),
        phase=bindparam("b_phase"),
        waitlist_position=bindparam("b_position"),
        decided_at=bindparam("b_now"),
        updated_at=bindparam("b_now"),
    )
)


def record_decisions(session: Session, decisions, now: datetime, texts: list[str]) -> list[int]:
    """Store the decisions of locked pending applications with their history and their
    result SMS (queued); the SMS ids, in the decisions' order. All or nothing."""
    if not decisions:
        return []
    connection = session.connection()
    result = connection.execute(
        _DECIDE,
        [
            {"b_id": d.application.id, "b_status": d.status, "b_reason": d.reason,
             "b_flags": ",".join(d.flags), "b_code": d.association_code, "b_phase": d.phase,
             "b_position": d.position, "b_now": now}
            for d in decisions
        ],
    )  # fmt: skip
    if connection.dialect.supports_sane_multi_rowcount and result.rowcount != len(decisions):
        raise RuntimeError("an application was decided by someone else during its batch")
    events = [
        {"application_id": d.application.id, "at": now, "event": "decided",
         "detail": decision_detail(d)}
        for d in decisions
    ]  # fmt: skip
    connection.execute(ApplicationEvent.__table__.insert(), events)
    return add_outbound_messages(
        session,
        [
            (d.application.phone, text, "result", d.application.id)
            for d, text in zip(decisions, texts, strict=True)
        ],
    )


def decision_detail(decision) -> str:
    """The history line of a decision: `status=approved association_code=08 phase=1`."""
    values = {
        "status": decision.status, "reason": decision.reason, "flags": ",".join(decision.flags),
        "association_code": decision.association_code, "phase": decision.phase,
        "waitlist_position": decision.position,
    }  # fmt: skip
    return " ".join(f"{k}={v}" for k, v in values.items() if v)


def record_decision(session: Session, application_id: int, expected: str, **values) -> bool:
    """Set the decision's columns if the status is still `expected`; False if it is not."""
    stmt = (
        update(Application)
        .where(Application.id == application_id, Application.status == expected)
        .values(**values)
    )
    return session.execute(stmt).rowcount == 1


def by_tracking_codes(session: Session, codes, *, lock: bool) -> dict[str, Application]:
    """The applications of these tracking codes, read afresh; with `lock`, locked to the
    end of the transaction (in id order, as every batch locks them)."""
    stmt = (
        select(Application)
        .where(Application.tracking_code.in_(set(codes)))
        .order_by(Application.id)
        .execution_options(populate_existing=True)
    )
    stmt = stmt.with_for_update() if lock else stmt
    return {application.tracking_code: application for application in session.scalars(stmt)}


_PAY = (
    _APPLICATIONS.update()
    .where(_APPLICATIONS.c.id == bindparam("p_id"), _APPLICATIONS.c.status == bindparam("p_from"))
    .values(
        status=bindparam("p_status"),
        paid_at=bindparam("p_paid_at"),
        payment_reference=bindparam("p_reference"),
        payment_reason=bindparam("p_reason"),
        updated_at=bindparam("p_now"),
    )
)


def record_payments(session: Session, changes: list[dict], now: datetime) -> None:
    """The bank's results of locked applications, in order, each a conditional update
    from the status it was read in, with its history line; all or nothing. A change is
    {id, from, status, paid_at, reference, reason, detail}."""
    if not changes:
        return
    connection = session.connection()
    result = connection.execute(
        _PAY,
        [
            {"p_id": c["id"], "p_from": c["from"], "p_status": c["status"],
             "p_paid_at": c["paid_at"], "p_reference": c["reference"], "p_reason": c["reason"],
             "p_now": now}
            for c in changes
        ],
    )  # fmt: skip
    if connection.dialect.supports_sane_multi_rowcount and result.rowcount != len(changes):
        raise RuntimeError("an application changed under its row lock")
    connection.execute(
        ApplicationEvent.__table__.insert(),
        [{"application_id": c["id"], "at": now, "event": c["status"], "detail": c["detail"]}
         for c in changes],
    )  # fmt: skip


def add_event(session: Session, application_id: int, event: str, detail: str = "") -> None:
    session.add(ApplicationEvent(application_id=application_id, event=event, detail=detail))


def application_events(session: Session, application_id: int) -> list[ApplicationEvent]:
    stmt = select(ApplicationEvent).where(ApplicationEvent.application_id == application_id)
    return list(session.scalars(stmt.order_by(ApplicationEvent.at, ApplicationEvent.id)))


def stale_pending_ids(session: Session, before: datetime, limit: int = 5000) -> list[int]:
    stmt = select(Application.id).where(
        Application.status == "pending", Application.created_at < before
    )
    return list(session.scalars(stmt.order_by(Application.created_at).limit(limit)))
