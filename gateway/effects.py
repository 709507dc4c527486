"""Run what a dialog step asks for (flows.effects) and choose the reply for the outcome."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from flows.effects import CreateApplication, SetLanguage, SetOptOut, ShowStatus
from flows.engine import Reply
from flows.messages import render
from flows.parsing import make_tracking_code
from gateway.models import Application
from gateway.store import dialog as store
from workers import enqueue


@dataclass
class EffectContext:
    """Who the effects act for, and what must happen once the transaction commits."""

    phone: str
    channel: str
    lang: str
    max_applications_per_phone: int
    redis: object
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    application_id: int | None = None


def run_effects(session: Session, effects: list, ctx: EffectContext) -> Reply | None:
    """Apply the effects in order; the last one that has an outcome gives the reply."""
    reply = None
    for effect in effects:
        match effect:
            case CreateApplication():
                reply = create_application(session, effect, ctx)
            case ShowStatus():
                reply = show_status(session, effect.tracking_code, ctx)
            case SetOptOut():
                store.save_contact(session, ctx.phone, opted_out=effect.opted_out)
            case SetLanguage():
                store.save_contact(session, ctx.phone, lang=effect.lang)
    return reply


def create_application(session: Session, effect: CreateApplication, ctx: EffectContext) -> Reply:
    """A pending application and its validation job, or the existing one (spec 3.6).

    Privacy: a national ID registered with another pension number gets the same reply
    as one that is not in the registry, so a stranger learns nothing.
    """
    existing = store.live_application(session, effect.national_id)
    if existing is None:
        known = store.national_ids_of_phone(session, ctx.phone)
        if effect.national_id not in known and len(known) >= ctx.max_applications_per_phone:
            return Reply("phone_limit", {"limit": ctx.max_applications_per_phone})
        application = _insert_application(session, effect, ctx)
        if application is not None:
            ctx.application_id = application.id
            ctx.after_commit.append(lambda: queue_validation(ctx.redis, application.id))
            return Reply("application_created", {"tracking_code": application.tracking_code})
        existing = store.live_application(session, effect.national_id)  # lost a race
    if existing.pension_number != effect.pension_number:
        return Reply("records_mismatch")
    ctx.application_id = existing.id
    status = render(f"status_word_{existing.status}", ctx.lang)
    return Reply("application_exists", {"tracking_code": existing.tracking_code, "status": status})


def _insert_application(session, effect, ctx) -> Application | None:
    """Insert with a fresh tracking code; None when the national ID became live meanwhile."""
    for _ in range(5):
        application = Application(
            tracking_code=new_tracking_code(),
            national_id=effect.national_id,
            pension_number=effect.pension_number,
            phone=ctx.phone,
            channel=ctx.channel,
            lang=ctx.lang,
            status="pending",
        )
        try:
            with session.begin_nested():
                session.add(application)
        except IntegrityError:
            if store.live_application(session, effect.national_id) is not None:
                return None
            continue  # the tracking code was taken: draw another
        return application
    raise RuntimeError("could not draw a free tracking code")


def new_tracking_code() -> str:
    """8 digits, the last a Luhn check digit; never a leading zero (pensioners drop it)."""
    return make_tracking_code(str(1_000_000 + secrets.randbelow(9_000_000)))


def queue_validation(redis, application_id: int) -> None:
    """Queue the decision; if Redis is down, the reconciler queues it from the database."""
    enqueue(
        redis,
        "decisions",
        "workers.decisions.validate_application",
        application_id,
        job_id=f"validate_application:{application_id}",
    )


def show_status(session: Session, tracking_code: str | None, ctx: EffectContext) -> Reply:
    if tracking_code is None:
        application = store.latest_application_of_phone(session, ctx.phone)
        if application is None:
            return Reply("status_none")
    else:
        application = store.application_by_tracking_code(session, tracking_code)
        if application is None:
            return Reply("status_unknown_code")
    return status_reply(application, ctx.lang)


def status_reply(application: Application, lang: str) -> Reply:
    params = {"tracking_code": application.tracking_code}
    if application.status == "waitlisted":
        params["position"] = application.waitlist_position or 0
    if application.status == "rejected":
        params["reason"] = render(f"reason_{application.reason or 'not_found'}", lang)
    return Reply(f"status_{application.status}", params)
