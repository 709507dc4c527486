"""The waitlist: promotions when places free up, the move to the next phase, cancellations.

Every change to a quota or its waitlist happens under lock_quota(association, phase), so
positions stay exactly 1..n in order of confirmation: promotions take the head, and the
others move up (renumbered), so a pensioner's position is always the number ahead + 1.

Next phase: when phase N+1 opens, the applications still waitlisted in earlier phases
move into N+1 before any new application of N+1 is decided - the decision of a new
application and the reconciler's minute tick both call carry_over under the new
quota's lock. Oldest phase first, then position: they are promoted while N+1's quota has
places (with the `result_promoted` SMS) and the rest head N+1's waitlist (no SMS).
"""

from __future__ import annotations

import getpass
from datetime import datetime

from flask import current_app
from sqlalchemy.orm import Session

from gateway import stats
from gateway.models import Application, utcnow
from gateway.store import applications as store
from gateway.store.audit import add_audit_event
from gateway.store.messages import add_result_message
from workers.notifications import enqueue_sends


def promote(session: Session, application: Application, phase: int, now: datetime) -> int:
    """Approve a waitlisted application in `phase` (its place is taken); return its SMS id."""
    store.record_decision(
        session, application.id, "waitlisted",
        status="approved", phase=phase, waitlist_position=None, decided_at=now,
    )  # fmt: skip
    store.add_event(session, application.id, "promoted", f"phase {phase}")
    return add_result_message(session, application, "result_promoted")


def promote_head(session: Session, association_code: str, phase: int, now: datetime) -> list[int]:
    """Under lock_quota: approve the head of the waitlist while places are free."""
    free = store.free_places(session, association_code, phase)
    ids = []
    for application in store.waitlist(session, association_code, phase, limit=free) if free else []:
        if not store.take_quota_place(session, association_code, phase):
            break
        ids.append(promote(session, application, phase, now))
    if ids:
        store.close_waitlist_gap(session, association_code, phase, after=len(ids), n=len(ids))
    return ids


def carry_over(session: Session, association_code: str, phase: int, now: datetime) -> list[int]:
    """Under lock_quota(association, phase): move earlier phases' waitlists into `phase`."""
    older = store.waitlist(session, association_code, phase, before=True)
    if not older:
        return []
    old_phases = sorted({a.phase for a in older})
    for old in old_phases:
        store.lock_quota(session, association_code, old)
    ids = []
    for application in older:
        if store.take_quota_place(session, association_code, phase):
            ids.append(promote(session, application, phase, now))
            continue
        position = store.append_to_waitlist(session, association_code, phase)
        store.record_decision(
            session, application.id, "waitlisted", phase=phase, waitlist_position=position
        )
        store.add_event(
            session, application.id, "carried_over", f"phase {application.phase} -> {phase}"
        )
    store.reset_waitlists(session, association_code, old_phases)
    return ids


def promote_waitlist(association_code: str, phase: int) -> None:
    """Job: promote waitlisted applications of (association, phase) while places are free."""
    database = current_app.extensions["database"]
    with database.session(write=True) as session:
        store.lock_quota(session, association_code, phase)
        ids = promote_head(session, association_code, phase, utcnow())
    stats.count_decisions(database, ids)
    enqueue_sends(current_app.extensions["redis"], ids)


def cancel_application(tracking_code: str, note: str, actor: str | None = None) -> Application:
    """Staff cancel an application: its place (or position) is freed, the waitlist moves up."""
    database = current_app.extensions["database"]
    now = utcnow()
    with database.session(write=True) as session:
        application = store.find_application(session, tracking_code)
        if application is None:
            raise LookupError(f"no application {tracking_code}")
        code, phase = application.association_code, application.phase
        if code and phase:
            store.lock_quota(session, code, phase)
        application = store.get_application(session, application.id)  # re-read under the lock
        previous, position = application.status, application.waitlist_position
        if previous not in ("pending", "approved", "waitlisted"):
            raise ValueError(f"application {tracking_code} is {previous}")
        store.record_decision(
            session, application.id, previous,
            status="cancelled", reason="cancelled", waitlist_position=None, decided_at=now,
        )  # fmt: skip
        if previous == "approved":
            store.free_quota_place(session, code, phase)
        elif previous == "waitlisted":
            store.close_waitlist_gap(session, code, phase, after=position - 1)
        store.add_event(session, application.id, "cancelled", note)
        actor = actor or getpass.getuser()
        add_audit_event(
            session, actor, "application_cancelled", tracking_code, reason=note, was=previous
        )
        ids = promote_head(session, code, phase, now) if code and phase else []
    enqueue_sends(current_app.extensions["redis"], ids)
    return application
