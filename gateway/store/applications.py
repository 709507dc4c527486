"""Applications: the live one of a national ID, decisions as conditional updates, history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from gateway.store.messages import add_outbound_messages
from gateway.store.models import HOLDING_STATUSES, Application, ApplicationEvent, Pensioner


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


_APPLICATIONS = Application.__table__
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
