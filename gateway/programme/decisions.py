"""Deciding applications: the checks of spec 3.6 in order, then a quota place or the waitlist.

One job decides many: `decide_association(code)` takes the (association, open phase)
quota lock and decides that association's pending applications in confirmation order
(created_at, id), a batch per transaction, with one UPDATE of the quota and bulk writes
of the decisions, their history and their result SMS - so throughput does not stop at
RQ's cost per job. An application whose national ID the registry does not know has no
association: `validate_application(id)` rejects it alone.

Once only: each decision is a conditional UPDATE ... WHERE status = 'pending' of a row
locked for the batch, in the same transaction as its result message, so a second run (a
retry, the reconciler) finds it decided and sends nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from config.settings import Settings
from flows.messages import render
from gateway.monitoring import counters
from gateway.platform.dates import jalali_date, utcnow
from gateway.platform.phones import normalise_phone
from gateway.platform.services import Services
from gateway.programme.jobs import enqueue, enqueue_sends
from gateway.programme.waitlist import carry_over
from gateway.store import applications as store
from gateway.store import phases, quotas
from gateway.store.models import Application, Pensioner

BATCH = 500
TIME_BUDGET = 20.0  # seconds one job decides before it hands on to a fresh one
# Privacy (spec 3.6): a stranger must not learn whether a national ID is a pensioner's.
REJECTION_KEYS = {
    "not_found": "result_rejected_records_mismatch",
    "pension_mismatch": "result_rejected_records_mismatch",
}


@dataclass
class Decision:
    """What one application is decided to be, with its result SMS (key and values)."""

    application: Application
    status: str
    key: str
    reason: str | None = None
    flags: list[str] = field(default_factory=list)
    association_code: str | None = None
    phase: int | None = None
    position: int | None = None
    params: dict = field(default_factory=dict)


def check_registry(application: Application, pensioner: Pensioner | None, phone_policy: str):
    """The reason of the first registry check that fails (or None), and the flags to carry."""
    if pensioner is None:
        return "not_found", []
    if pensioner.pension_number != application.pension_number:
        return "pension_mismatch", []
    if not pensioner.eligible:
        return "not_eligible", []
    if pensioner.prior_loan:
        return "prior_loan", []
    if phone_policy != "off" and normalise_phone(pensioner.mobile) != application.phone:
        return ("phone_mismatch", []) if phone_policy == "require" else (None, ["phone_mismatch"])
    return None, []


def queue_decision(redis, application_id: int, association_code: str | None) -> None:
    """Queue what decides a new application: its association's job, or its own when the
    registry does not know it (one job for many applications of one association)."""
    if association_code is None:
        enqueue(redis, "validate_application", application_id)
    else:
        enqueue(redis, "decide_association", association_code, follow_up=True)


def decide_association(services: Services, code: str) -> int:
    """Decide the association's pending applications, oldest first; how many it decided.

    Batch after batch while any is left, for TIME_BUDGET seconds; then it queues a fresh
    job for the rest, so one busy association never holds a worker for long.
    """
    started, decided = time.monotonic(), 0
    while True:
        with services.database.session(write=True) as session:
            message_ids, more = decide_batch(session, services.settings, code, utcnow())
        counters.count_decisions(services, message_ids)
        enqueue_sends(services.redis, message_ids)
        decided += len(message_ids)
        if not more:
            return decided
        if time.monotonic() - started > TIME_BUDGET:
            enqueue(services.redis, "decide_association", code, follow_up=True)
            return decided


def decide_batch(session: Session, settings: Settings, code: str, now: datetime):
    """One batch of the association's pending applications, decided under its quota lock;
    (result SMS ids, whether more are pending)."""
    phase = phases.open_phase(session, now)
    if phase is None:
        rows = store.pending_of_association(session, code, BATCH)
        closed = _phase_closed(session, settings, now)
        decisions = [closed(application, pensioner) for application, pensioner in rows]
        message_ids = store.record_decisions(session, decisions, now, _texts(decisions))
        return message_ids, len(rows) == BATCH
    quotas.lock_quota(session, code, phase.number)
    message_ids = carry_over(session, code, phase.number, now)
    rows = store.pending_of_association(session, code, BATCH)
    limit, used, waitlisted = quotas.quota_counts(session, code, phase.number)
    decisions = []
    for application, pensioner in rows:
        reason, flags = check_registry(application, pensioner, settings.PHONE_MATCH_POLICY)
        if reason:
            decisions.append(_rejection(application, reason, flags, code))
        elif used < limit:
            used += 1
            decisions.append(
                Decision(application, "approved", "result_approved", flags=flags,
                         association_code=code, phase=phase.number)
            )  # fmt: skip
        else:
            waitlisted += 1
            decisions.append(
                Decision(application, "waitlisted", "result_waitlisted", flags=flags,
                         association_code=code, phase=phase.number, position=waitlisted,
                         params={"position": waitlisted})
            )  # fmt: skip
    quotas.set_quota_counts(session, code, phase.number, used=used, waitlisted=waitlisted)
    message_ids += store.record_decisions(session, decisions, now, _texts(decisions))
    return message_ids, len(rows) == BATCH


def validate_application(services: Services, application_id: int) -> None:
    """Decide one pending application: with its association's batch when the registry
    knows its national ID, else rejected alone (`not_found`)."""
    with services.database.session(write=True) as session:
        found = store.pending_with_pensioner(session, application_id)
        if found is None:
            return  # decided already
        application, pensioner = found
        if pensioner is None:
            now = utcnow()
            decisions = [_rejection(application, "not_found", [], None)]
            message_ids = store.record_decisions(session, decisions, now, _texts(decisions))
    if pensioner is not None:
        decide_association(services, pensioner.association_code)
        return
    counters.count_decisions(services, message_ids)
    enqueue_sends(services.redis, message_ids)


def _rejection(application, reason: str, flags, code: str | None, key=None, **params):
    key = key or REJECTION_KEYS.get(reason, f"result_rejected_{reason}")
    return Decision(
        application, "rejected", key, reason=reason, flags=flags, association_code=code,
        params=params,
    )  # fmt: skip


def _phase_closed(session: Session, settings: Settings, now: datetime):
    """No phase is open: the rejection, naming the next phase's opening date if any."""
    upcoming = phases.next_phase(session, now)
    if upcoming is None:
        key, params = "result_rejected_programme_closed", {}
    else:
        key, params = None, {"date": jalali_date(upcoming.opens_at, settings.TIMEZONE)}
    policy = settings.PHONE_MATCH_POLICY

    def decide(application, pensioner):
        reason, flags = check_registry(application, pensioner, policy)
        code = pensioner.association_code if pensioner else None
        if reason:
            return _rejection(application, reason, flags, code)
        return _rejection(application, "phase_closed", flags, code, key=key, **params)

    return decide


def _texts(decisions: list[Decision]) -> list[str]:
    """Each decision's result SMS in its pensioner's language."""
    return [
        render(d.key, d.application.lang, tracking_code=d.application.tracking_code, **d.params)
        for d in decisions
    ]
