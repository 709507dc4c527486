"""The waitlist: promotions when places free up, and the move to the next phase.

Every change to a quota or its waitlist happens under lock_quota(association, phase), so
positions stay exactly 1..n in order of confirmation: promotions take the head, and the
others move up (renumbered), so a pensioner's position is always the number ahead + 1.

Next phase: when phase N+1 opens, the applications still waitlisted in earlier phases
move into N+1 before any new application of N+1 is decided - the decision of a new
application and the reconciler's minute tick both call carry_over under the new
quota's lock. Oldest phase first, then position: they are promoted while N+1's quota has
places (with the `result_promoted` SMS) and the rest head N+1's waitlist (with the
`notice_carried_over` SMS naming the new position, once per application and phase).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from gateway.monitoring import counters
from gateway.platform.dates import utcnow
from gateway.platform.services import Services
from gateway.programme.jobs import enqueue, enqueue_sends
from gateway.programme.results import add_result_message
from gateway.store import applications as store
from gateway.store import quotas
from gateway.store.models import Application


def promote(session: Session, application: Application, phase: int, now: datetime) -> int | None:
    """Approve a waitlisted application into the place just taken for it in `phase`; its
    SMS id, or None (and the place given back) when it is no longer waitlisted."""
    if not store.record_decision(
        session, application.id, "waitlisted",
        status="approved", phase=phase, waitlist_position=None, decided_at=now,
    ):  # fmt: skip
        quotas.free_quota_place(session, application.association_code, phase)
        return None
    store.add_event(session, application.id, "promoted", f"phase {phase}")
    return add_result_message(session, application, "result_promoted")


def promote_head(session: Session, association_code: str, phase: int, now: datetime) -> list[int]:
    """Under lock_quota: approve the head of the waitlist while places are free."""
    free = quotas.free_places(session, association_code, phase)
    ids, moved = [], 0
    heads = quotas.waitlist(session, association_code, phase, limit=free) if free else []
    for application in heads:
        if not quotas.take_quota_place(session, association_code, phase):
            break
        moved += 1
        if (message_id := promote(session, application, phase, now)) is not None:
            ids.append(message_id)
    if moved:
        quotas.close_waitlist_gap(session, association_code, phase, after=moved, n=moved)
    return ids


def carry_over(session: Session, association_code: str, phase: int, now: datetime) -> list[int]:
    """Under lock_quota(association, phase): move earlier phases' waitlists into `phase`.

    The earlier phases' quotas are locked before their waitlists are read (newest phase
    first, then the older ones in order, as every path locks them), so a cancel in
    flight is either done before or waits until after.
    """
    old_phases = quotas.phases_waitlisted_before(session, association_code, phase)
    if not old_phases:
        return []
    for old in old_phases:
        quotas.lock_quota(session, association_code, old, create=False)
    ids = []
    for application in quotas.waitlist(session, association_code, phase, before=True):
        if quotas.take_quota_place(session, association_code, phase):
            if (message_id := promote(session, application, phase, now)) is not None:
                ids.append(message_id)
            continue
        position = quotas.waitlist_length(session, association_code, phase) + 1
        if store.record_decision(
            session, application.id, "waitlisted", phase=phase, waitlist_position=position
        ):
            quotas.append_to_waitlist(session, association_code, phase)
            detail = f"phase {application.phase} -> {phase}"
            store.add_event(session, application.id, "carried_over", detail)
            ids.append(
                add_result_message(
                    session, application, "notice_carried_over",
                    once=f"carried_over:{application.id}:{phase}", phase=phase, position=position,
                )
            )  # fmt: skip
    quotas.reset_waitlists(session, association_code, old_phases)
    return ids


def promote_waitlist(services: Services, association_code: str, phase: int) -> None:
    """Promote waitlisted applications of (association, phase) while places are free."""
    with services.database.session(write=True) as session:
        quotas.lock_quota(session, association_code, phase)
        ids = promote_head(session, association_code, phase, utcnow())
    counters.count_decisions(services, ids)
    enqueue_sends(services.redis, ids)


def queue_promotion(redis, association_code: str, phase: int) -> bool:
    """Queue the waitlist promotion of a raised quota or a freed place."""
    return enqueue(redis, "promote_waitlist", association_code, phase)
