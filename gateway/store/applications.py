"""Applications, phases and quotas: decisions, quota places and waitlist positions in SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, select, tuple_, update
from sqlalchemy.orm import Session

from gateway.models import Application, ApplicationEvent, Pensioner, Phase, Quota
from gateway.store import insert_missing


def get_application(session: Session, application_id: int) -> Application | None:
    return session.get(Application, application_id, populate_existing=True)


def find_application(session: Session, tracking_code: str) -> Application | None:
    return session.scalar(select(Application).where(Application.tracking_code == tracking_code))


def get_pensioner(session: Session, national_id: str) -> Pensioner | None:
    return session.get(Pensioner, national_id)


def open_phase(session: Session, now: datetime) -> Phase | None:
    """The phase open at `now` (the latest one, should two ever overlap)."""
    stmt = select(Phase).where(Phase.opens_at <= now, Phase.closes_at > now)
    return session.scalar(stmt.order_by(Phase.number.desc()).limit(1))


def next_phase(session: Session, now: datetime) -> Phase | None:
    stmt = select(Phase).where(Phase.opens_at > now).order_by(Phase.opens_at).limit(1)
    return session.scalar(stmt)


def lock_quota(session: Session, association_code: str, phase: int) -> None:
    """Take the (association, phase) lock every quota and waitlist change goes through.

    PostgreSQL: a row lock (SELECT ... FOR UPDATE), held to the end of the transaction.
    SQLite: the writer session's BEGIN IMMEDIATE has serialised all writers already.
    A missing quota row is created with limit 0, so that the waitlist still has a home.
    """
    stmt = select(Quota.id).where(_quota(association_code, phase)).with_for_update()
    if session.scalar(stmt) is None:
        row = {"association_code": association_code, "phase": phase, "limit": 0, "used": 0}
        insert_missing(session, Quota, [row], ["association_code", "phase"])
        session.execute(stmt)


def _quota(association_code: str, phase: int):
    return and_(Quota.association_code == association_code, Quota.phase == phase)


def take_quota_place(session: Session, association_code: str, phase: int) -> bool:
    """Atomically take one place; False when the quota is full (never exceeded)."""
    stmt = (
        update(Quota)
        .where(_quota(association_code, phase), Quota.used < Quota.limit)
        .values(used=Quota.used + 1)
    )
    return session.execute(stmt).rowcount == 1


def free_quota_place(session: Session, association_code: str, phase: int) -> None:
    stmt = update(Quota).where(_quota(association_code, phase), Quota.used > 0)
    session.execute(stmt.values(used=Quota.used - 1))


def append_to_waitlist(session: Session, association_code: str, phase: int) -> int:
    """The next waitlist position (1, 2, ...) of the quota, under lock_quota."""
    stmt = (
        update(Quota)
        .where(_quota(association_code, phase))
        .values(waitlisted=Quota.waitlisted + 1)
        .returning(Quota.waitlisted)
    )
    return session.execute(stmt).scalar_one()


def close_waitlist_gap(session: Session, association_code: str, phase: int, after: int, n=1):
    """`n` applications at or before position `after` left: move the rest up by n."""
    session.execute(
        update(Application)
        .where(
            Application.association_code == association_code,
            Application.phase == phase,
            Application.status == "waitlisted",
            Application.waitlist_position > after,
        )
        .values(waitlist_position=Application.waitlist_position - n)
    )
    session.execute(
        update(Quota).where(_quota(association_code, phase)).values(waitlisted=Quota.waitlisted - n)
    )


def waitlist(session: Session, association_code: str, phase: int, limit=None, before=False):
    """Waitlisted applications of (association, phase) - or of every phase before it - in order."""
    stmt = (
        select(Application)
        .where(
            Application.association_code == association_code,
            Application.phase < phase if before else Application.phase == phase,
            Application.status == "waitlisted",
        )
        .order_by(Application.phase, Application.waitlist_position)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def reset_waitlists(session: Session, association_code: str, phases) -> None:
    stmt = update(Quota).where(
        Quota.association_code == association_code, Quota.phase.in_(list(phases))
    )
    session.execute(stmt.values(waitlisted=0))


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


def waitlists_to_move(session: Session, phase: int) -> list[tuple[str, int]]:
    """(association, phase) waitlists to act on: older phases' leftovers, or free places."""
    older = select(Application.association_code, Application.phase).where(
        Application.status == "waitlisted", Application.phase < phase
    )
    free = select(Quota.association_code, Quota.phase).where(
        Quota.waitlisted > 0, Quota.used < Quota.limit
    )
    return sorted(
        set(map(tuple, session.execute(older.distinct()))) | set(map(tuple, session.execute(free)))
    )


def free_places(session: Session, association_code: str, phase: int) -> int:
    stmt = select(Quota.limit - Quota.used).where(_quota(association_code, phase))
    return max(0, session.scalar(stmt) or 0)
