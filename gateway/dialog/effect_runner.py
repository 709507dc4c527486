"""Run what a dialog step asks for (flows.effects) and report each outcome back to the flow."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy.orm import Session

from flows.effects import (
    CreateApplication,
    Outcome,
    RemindIfDropped,
    SetLanguage,
    SetOptOut,
    ShowStatus,
)
from flows.parsing import make_tracking_code
from gateway.dialog import reminders
from gateway.monitoring import counters
from gateway.platform.dates import utcnow
from gateway.platform.logs import log_event
from gateway.platform.services import Services
from gateway.programme.decisions import REJECTION_KEYS, queue_decision
from gateway.programme.jobs import enqueue_sends
from gateway.programme.results import add_result_message
from gateway.store import applications, contacts
from gateway.store.models import Application

log = logging.getLogger("smsgw.conversation")


@dataclass
class EffectContext:
    """Who the effects act for, and what must happen once the transaction commits."""

    services: Services
    phone: str
    channel: str
    lang: str
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    application_id: int | None = None

    def run_after_commit(self) -> None:
        """Queue the jobs; if Redis is down, the reconciler queues them from the database."""
        for job in self.after_commit:
            try:
                job()
            except Exception as exc:
                log_event(log, "after_commit_failed", logging.WARNING, error=type(exc).__name__)


def run_effects(session: Session, effects: list, ctx: EffectContext) -> list[Outcome | None]:
    """Apply the effects in order; each one's outcome (None when it has nothing to say)."""
    outcomes = []
    for effect in effects:
        match effect:
            case CreateApplication():
                outcomes.append(create_application(session, effect, ctx))
            case ShowStatus():
                outcomes.append(show_status(session, effect.tracking_code, ctx))
            case SetOptOut():
                contacts.save_contact(session, ctx.phone, opted_out=effect.opted_out)
                outcomes.append(None)
            case SetLanguage():
                contacts.save_contact(session, ctx.phone, lang=effect.lang)
                outcomes.append(None)
            case RemindIfDropped():
                message_id = reminders.schedule(session, ctx.phone, ctx.lang)
                ctx.after_commit.append(partial(reminders.queue, ctx.services.redis, message_id))
                outcomes.append(None)
    return outcomes


def create_application(session: Session, effect: CreateApplication, ctx: EffectContext):
    """A pending application and its validation job, or the existing one (spec 3.6).

    Privacy: whoever holds a phone can text any national ID. A national ID that already
    has a live application, texted with another pension number, is answered exactly as
    a national ID the registry does not know: a tracking code now, and the "do not
    match" result by SMS. The attempt is stored (rejected, `pension_mismatch`) and counts
    against the phone's MAX_APPLICATIONS_PER_PHONE like any other.
    """
    limit = ctx.services.settings.MAX_APPLICATIONS_PER_PHONE
    found = applications.applicant(session, effect.national_id, ctx.phone)
    if found.live_id is not None and found.live_pension_number == effect.pension_number:
        ctx.application_id = found.live_id
        params = {"tracking_code": found.live_tracking_code, "status": found.live_status}
        return Outcome("exists", params)
    if not found.phone_has_it and found.phone_others >= limit:
        return Outcome("phone_limit", {"limit": limit})
    status = "pending" if found.live_id is None else "rejected"
    created = _insert_application(session, effect, ctx, status)
    if created is None:  # the national ID became live meanwhile: start again
        return create_application(session, effect, ctx)
    application_id, tracking_code = created
    if status == "pending":
        code = found.association_code
        job = partial(queue_decision, ctx.services.redis, application_id, code)
    else:
        message_id = reject_at_once(session, application_id)
        ctx.after_commit.append(partial(counters.count_decisions, ctx.services, [message_id]))
        job = partial(enqueue_sends, ctx.services.redis, [message_id])
    ctx.application_id = application_id
    ctx.after_commit.append(job)
    return Outcome("created", {"tracking_code": tracking_code})


def reject_at_once(session: Session, application_id: int) -> int:
    """Decide an attempt on a national ID that another pension number holds: rejected,
    with the same result SMS a national ID unknown to the registry gets."""
    application = applications.get_application(session, application_id)
    application.reason, application.decided_at = "pension_mismatch", utcnow()
    session.flush()
    applications.add_event(
        session, application.id, "decided", "status=rejected reason=pension_mismatch"
    )
    return add_result_message(session, application, REJECTION_KEYS["pension_mismatch"])


def _insert_application(session, effect, ctx, status: str) -> tuple[int, str] | None:
    """(id, tracking code) of the new application, drawn afresh while a code is taken;
    None when the national ID became live meanwhile."""
    for _ in range(5):
        tracking_code = new_tracking_code()
        application_id = applications.insert_application(
            session,
            tracking_code=tracking_code,
            national_id=effect.national_id,
            pension_number=effect.pension_number,
            phone=ctx.phone,
            channel=ctx.channel,
            lang=ctx.lang,
            status=status,
        )
        if application_id is not None:
            return application_id, tracking_code
        if status == "pending" and applications.live_application(session, effect.national_id):
            return None
    raise RuntimeError("could not draw a free tracking code")


def new_tracking_code() -> str:
    """8 digits, the last a Luhn check digit; never a leading zero (pensioners drop it)."""
    return make_tracking_code(str(1_000_000 + secrets.randbelow(9_000_000)))


def show_status(session: Session, tracking_code: str | None, ctx: EffectContext) -> Outcome:
    if tracking_code is None:
        application = applications.latest_application_of_phone(session, ctx.phone)
        if application is None:
            return Outcome("no_application")
    else:
        application = applications.find_application(session, tracking_code)
        if application is None:
            return Outcome("unknown_code")
    return status_outcome(application)


def status_outcome(application: Application) -> Outcome:
    params: dict[str, object] = {"tracking_code": application.tracking_code}
    if application.status == "waitlisted":
        params["position"] = application.waitlist_position or 0
    if application.status == "rejected":
        params["reason"] = application.reason or "not_found"
    return Outcome(application.status, params)
