"""Quotas per (association, phase): places taken atomically, waitlist positions 1..n."""

from __future__ import annotations

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from gateway.store import insert_missing
from gateway.store.models import Application, Association, Phase, Quota


def _quota(association_code: str, phase: int):
    return and_(Quota.association_code == association_code, Quota.phase == phase)


def lock_quota(session: Session, association_code: str, phase: int, *, create=True):
    """Take the (association, phase) lock every quota and waitlist change goes through.

    PostgreSQL: a row lock (SELECT ... FOR UPDATE), held to the end of the transaction.
    SQLite: the writer session's BEGIN IMMEDIATE has serialised all writers already.
    A missing quota row is created with limit 0 (so that a waitlist has a home) unless
    `create` is false; returns the locked Quota, or None when missing and not created.
    """
    stmt = select(Quota).where(_quota(association_code, phase)).with_for_update()
    quota = session.scalar(stmt)
    if quota is None and create:
        row = {"association_code": association_code, "phase": phase, "limit": 0, "used": 0}
        insert_missing(session, Quota, [row], ["association_code", "phase"])
        quota = session.scalar(stmt)
    return quota


def quota_counts(session: Session, association_code: str, phase: int) -> tuple[int, int, int]:
    """(limit, used, waitlisted) of the quota, read under lock_quota."""
    stmt = select(Quota.limit, Quota.used, Quota.waitlisted).where(_quota(association_code, phase))
    return tuple(session.execute(stmt).one())


def set_quota_counts(session: Session, association_code: str, phase: int, *, used, waitlisted):
    """Write the places used and the waitlist length a batch of decisions arrived at."""
    stmt = update(Quota).where(_quota(association_code, phase))
    session.execute(stmt.values(used=used, waitlisted=waitlisted))


def add_quota(session: Session, code: str, phase: int, limit: int) -> Quota:
    quota = Quota(association_code=code, phase=phase, limit=limit, used=0)
    session.add(quota)
    session.flush()
    return quota


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


def free_places(session: Session, association_code: str, phase: int) -> int:
    stmt = select(Quota.limit - Quota.used).where(_quota(association_code, phase))
    return max(0, session.scalar(stmt) or 0)


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


def phases_waitlisted_before(session: Session, association_code: str, phase: int) -> list[int]:
    """The earlier phases of the association that still have someone waitlisted."""
    stmt = select(Application.phase).where(
        Application.association_code == association_code,
        Application.phase < phase,
        Application.status == "waitlisted",
    )
    return sorted(set(session.scalars(stmt.distinct())))


def waitlist_length(session: Session, association_code: str, phase: int) -> int:
    stmt = select(Quota.waitlisted).where(_quota(association_code, phase))
    return session.scalar(stmt) or 0


def reset_waitlists(session: Session, association_code: str, phases) -> None:
    stmt = update(Quota).where(
        Quota.association_code == association_code, Quota.phase.in_(list(phases))
    )
    session.execute(stmt.values(waitlisted=0))


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


def quotas(session: Session, scope: str | None, phase: int | None = None):
    """(quota, association name) by phase then association, within the scope."""
    stmt = select(Quota, Association.name).join(
        Association, Association.code == Quota.association_code
    )
    if scope is not None:
        stmt = stmt.where(Quota.association_code == scope)
    if phase is not None:
        stmt = stmt.where(Quota.phase == phase)
    return [
        tuple(row) for row in session.execute(stmt.order_by(Quota.phase, Quota.association_code))
    ]


def find_quota(session: Session, code: str, phase: int) -> Quota | None:
    return session.scalar(select(Quota).where(_quota(code, phase)))


def phases_with_quota_totals(session: Session) -> list[tuple[Phase, int, int]]:
    """Every phase with the sums of its quotas' limits and used places."""
    totals = (
        select(
            Quota.phase,
            func.sum(Quota.limit).label("limit"),
            func.sum(Quota.used).label("used"),
        )
        .group_by(Quota.phase)
        .subquery()
    )
    stmt = (
        select(Phase, func.coalesce(totals.c.limit, 0), func.coalesce(totals.c.used, 0))
        .outerjoin(totals, totals.c.phase == Phase.number)
        .order_by(Phase.number)
    )
    return [(phase, int(limit), int(used)) for phase, limit, used in session.execute(stmt)]
