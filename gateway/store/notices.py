"""Notices: who waits for a phase to open, and broadcasts with their recipients."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased

from gateway.store.models import HOLDING_STATUSES, Application, Phase


def claim_phase_announcement(session: Session, number: int, now: datetime) -> bool:
    """Mark the phase's opening as announced; False when someone did already."""
    stmt = (
        update(Phase)
        .where(Phase.number == number, Phase.opening_announced_at.is_(None))
        .values(opening_announced_at=now)
    )
    return session.execute(stmt).rowcount == 1


def waiting_for_phase(session: Session, opens_at: datetime) -> list[Application]:
    """Per phone, the latest application rejected `phase_closed` before `opens_at` (told
    to come back when it opens) whose national ID holds no application since."""
    holder = aliased(Application)
    latest = (
        select(func.max(Application.id))
        .where(
            Application.status == "rejected",
            Application.reason == "phase_closed",
            Application.decided_at < opens_at,
            ~select(holder.id)
            .where(
                holder.national_id == Application.national_id,
                holder.status.in_(HOLDING_STATUSES),
            )
            .exists(),
        )
        .group_by(Application.phone)
    )
    stmt = select(Application).where(Application.id.in_(latest)).order_by(Application.id)
    return list(session.scalars(stmt))
