"""validate_application: the checks of spec 3.6 in order, then a quota place or the waitlist.

Once only: the decision is a conditional UPDATE ... WHERE status = 'pending' in the same
transaction as its result message, so a second run (a retry, the reconciler) finds it
decided and sends nothing. Fair order: places and waitlist positions are handed out
under the (association, phase) quota lock, and the job that holds it decides every
pending application of that association confirmed before its own first, oldest first
- so whatever order the workers run in, confirmation order (created_at, id) decides.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from config.settings import Settings
from gateway.monitoring import counters
from gateway.platform.dates import jalali_date, utcnow
from gateway.platform.phones import normalise_phone
from gateway.platform.services import Services
from gateway.programme.jobs import enqueue_sends
from gateway.programme.results import add_result_message
from gateway.programme.waitlist import carry_over
from gateway.store import applications as store
from gateway.store import phases, quotas
from gateway.store.models import Application, Pensioner
from gateway.store.registry import get_pensioner

BATCH = 200
# Privacy (spec 3.6): a stranger must not learn whether a national ID is a pensioner's.
REJECTION_KEYS = {
    "not_found": "result_rejected_records_mismatch",
    "pension_mismatch": "result_rejected_records_mismatch",
}


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


def validate_application(services: Services, application_id: int) -> None:
    """Decide one pending application (once, however often it runs) and queue its SMS."""
    database = services.database
    with database.session(write=True) as session:
        application = store.get_application(session, application_id)
        if application is None or application.status != "pending":
            return
        message_ids = decide_application(session, services.settings, application, utcnow())
    counters.count_decisions(services, message_ids)
    enqueue_sends(services.redis, message_ids)


def decide_application(
    session: Session, settings: Settings, application: Application, now: datetime
) -> list[int]:
    """Decide `application` (and, for a quota, the earlier pending ones); return SMS ids."""
    pensioner = get_pensioner(session, application.national_id)
    reason, flags = check_registry(application, pensioner, settings.PHONE_MATCH_POLICY)
    code = pensioner.association_code if pensioner else None
    if reason:
        return _reject(session, application, reason, flags, now, association_code=code)
    phase = phases.open_phase(session, now)
    if phase is None:
        upcoming = phases.next_phase(session, now)
        if upcoming is None:
            return _reject(
                session, application, "phase_closed", flags, now,
                association_code=code, key="result_rejected_programme_closed",
            )  # fmt: skip
        date = jalali_date(upcoming.opens_at, settings.TIMEZONE)
        return _reject(
            session, application, "phase_closed", flags, now, association_code=code, date=date
        )
    policy = settings.PHONE_MATCH_POLICY
    return allocate_in_order(session, policy, code, phase.number, application, now)


def allocate_in_order(
    session: Session, policy: str, code: str, phase: int, last: Application, now
) -> list[int]:
    """Under the quota lock: carry the old waitlist over, then decide every pending
    application of the association up to `last`, oldest first."""
    quotas.lock_quota(session, code, phase)
    ids = carry_over(session, code, phase, now)
    while True:
        rows = store.pending_up_to(session, code, last, BATCH)  # locked, oldest first
        for application, pensioner in rows:
            reason, flags = check_registry(application, pensioner, policy)
            if reason:
                ids += _reject(session, application, reason, flags, now, association_code=code)
            else:
                ids += _place(session, application, code, phase, flags, now)
        if len(rows) < BATCH or rows[-1][0].id == last.id:
            return ids


def _place(session, application, code: str, phase: int, flags, now) -> list[int]:
    """A place, or the next waitlist position; given back if the application was decided
    (or cancelled) meanwhile, so no place is ever held by nobody."""
    if quotas.take_quota_place(session, code, phase):
        status, position, key = "approved", None, "result_approved"
    else:
        status, position = "waitlisted", quotas.append_to_waitlist(session, code, phase)
        key = "result_waitlisted"
    message_ids = _record(
        session, application, key, {"position": position}, now,
        status=status, reason=None, flags=flags, association_code=code, phase=phase,
        waitlist_position=position,
    )  # fmt: skip
    if not message_ids and status == "approved":
        quotas.free_quota_place(session, code, phase)
    elif not message_ids:
        quotas.close_waitlist_gap(session, code, phase, after=position - 1)
    return message_ids


def _reject(session, application, reason, flags, now, association_code, key=None, **params):
    key = key or REJECTION_KEYS.get(reason, f"result_rejected_{reason}")
    return _record(
        session, application, key, params, now,
        status="rejected", reason=reason, flags=flags, association_code=association_code,
    )  # fmt: skip


def _record(session, application, key: str, params: dict, now, flags, **values) -> list[int]:
    """Store the decision if still pending, with its history and its result SMS."""
    values.update(flags=",".join(flags), decided_at=now)
    if not store.record_decision(session, application.id, "pending", **values):
        return []  # decided meanwhile by another run: no second message
    detail = " ".join(f"{k}={v}" for k, v in values.items() if v and k != "decided_at")
    store.add_event(session, application.id, "decided", detail)
    return [add_result_message(session, application, key, **params)]
