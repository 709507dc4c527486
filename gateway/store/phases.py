"""Registration phases: which is open, which comes next, their dates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.store import insert_missing
from gateway.store.models import Phase


def open_phase(session: Session, now: datetime) -> Phase | None:
    """The phase open at `now` (the latest one, should two ever overlap)."""
    stmt = select(Phase).where(Phase.opens_at <= now, Phase.closes_at > now)
    return session.scalar(stmt.order_by(Phase.number.desc()).limit(1))


def next_phase(session: Session, now: datetime) -> Phase | None:
    stmt = select(Phase).where(Phase.opens_at > now).order_by(Phase.opens_at).limit(1)
    return session.scalar(stmt)


def list_phases(session: Session) -> list[Phase]:
    return list(session.scalars(select(Phase).order_by(Phase.number)))


def phase_spans(session: Session) -> list[tuple[int, datetime, datetime]]:
    """(number, opens_at, closes_at) of every dated phase, cheap to cache."""
    stmt = (
        select(Phase.number, Phase.opens_at, Phase.closes_at)
        .where(Phase.opens_at.is_not(None))
        .order_by(Phase.number)
    )
    return [tuple(row) for row in session.execute(stmt)]


def phase_numbers(session: Session) -> set[int]:
    return set(session.scalars(select(Phase.number)))


def add_undated_phase(session: Session, number: int) -> None:
    """The phase, created without dates (closed) unless it exists already."""
    insert_missing(session, Phase, [{"number": number}], ["number"])


def find_phase(session: Session, number: int) -> Phase | None:
    return session.get(Phase, number)


def overlapping_phases(session: Session, number: int, opens: datetime, closes: datetime):
    """Other phases whose time span meets [opens, closes)."""
    stmt = select(Phase).where(
        Phase.number != number, Phase.opens_at < closes, Phase.closes_at > opens
    )
    return list(session.scalars(stmt.order_by(Phase.number)))


def save_phase(session: Session, number: int, opens: datetime, closes: datetime) -> Phase:
    phase = session.get(Phase, number, with_for_update=True) or Phase(number=number)
    phase.opens_at, phase.closes_at = opens, closes
    session.add(phase)
    session.flush()
    return phase
