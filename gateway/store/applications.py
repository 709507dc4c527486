"""Applications: the live one of a national ID, decisions as conditional updates, history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, tuple_, update
from sqlalchemy.orm import Session

from gateway.store.models import LIVE_STATUSES, Application, ApplicationEvent, Pensioner


def get_application(session: Session, application_id: int) -> Application | None:
    return session.get(Application, application_id, populate_existing=True)


def lock_application(session: Session, application_id: int) -> Application:
    """The application's row, locked to the end of the transaction, read afresh."""
    return session.get(Application, application_id, with_for_update=True, populate_existing=True)


def find_application(session: Session, tracking_code: str) -> Application | None:
    return session.scalar(select(Application).where(Application.tracking_code == tracking_code))


def live_application(session: Session, national_id: str) -> Application | None:
    return session.scalar(
        select(Application).where(
            Application.national_id == national_id, Application.status.in_(LIVE_STATUSES)
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


def pending_up_to(session: Session, association_code: str, last: Application, limit: int):
    """Pending applications of the association confirmed no later than `last`, in order."""
    stmt = (
        select(Application, Pensioner)
        .join(Pensioner, Pensioner.national_id == Application.national_id)
        .where(
            Application.status == "pending",
            Pensioner.association_code == association_code,
            tuple_(Application.created_at, Application.id) <= (last.created_at, last.id),
        )
        .order_by(Application.created_at, Application.id)
        .limit(limit)
        .with_for_update(of=Application)  # PostgreSQL re-checks `pending` after a wait
    )
    return [tuple(row) for row in session.execute(stmt)]


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
