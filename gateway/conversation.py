"""The one path every channel takes into the dialogs: store, dedupe, lock, step, reply."""

from __future__ import annotations

import hashlib
import logging
import time
import unicodedata
from dataclasses import dataclass, field

from config.settings import Settings
from flows.engine import Reply, step
from flows.registration import RegistrationConfig, build_registration_flow
from flows.segments import count_segments
from flows.session import Session
from gateway import stats
from gateway.db import Database
from gateway.effects import EffectContext, run_effects
from gateway.logs import log_event
from gateway.metrics import MESSAGES
from gateway.phones import is_allowed_mobile, normalise_phone
from gateway.sessions import SessionStore
from gateway.store import dialog as store

MAX_BODY = 1600  # ten concatenated segments; longer bodies are cut and answered with help
log = logging.getLogger("smsgw.conversation")


@dataclass(frozen=True)
class Inbound:
    """A message as every channel hands it over: carrier fields already mapped."""

    channel: str
    phone: str
    text: str
    external_id: str | None = None
    medium: str = "sms"  # "ussd" replies use the catalogue's short screen forms


@dataclass(frozen=True)
class Outcome:
    """What the channel renders back: the reply text (None = no reply) and whether it ended."""

    text: str | None
    ended: bool = False
    duplicate: bool = False
    state: str | None = None
    lang: str = "fa"
    effects: list = field(default_factory=list)


def external_key(external_id: str | None) -> str | None:
    """The carrier's message id as stored: ids longer than the column are hashed, not cut."""
    if external_id is None or len(external_id) <= 64:
        return external_id
    return hashlib.sha256(external_id.encode()).hexdigest()


def clean_body(text: str) -> tuple[str, bool]:
    """Drop control characters (NUL breaks PostgreSQL) and cut overlong bodies."""
    text = "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")
    )
    return text[:MAX_BODY], len(text) > MAX_BODY


class Conversation:
    """Handles one inbound message at a time per phone, against the database and Redis."""

    def __init__(self, database: Database, redis, settings: Settings):
        self.database = database
        self.redis = redis
        self.settings = settings
        self.sessions = SessionStore(redis)
        self.flow = build_registration_flow(
            RegistrationConfig(
                pension_min=settings.PENSION_NUMBER_MIN_DIGITS,
                pension_max=settings.PENSION_NUMBER_MAX_DIGITS,
                idle_timeout=settings.SESSION_TIMEOUT_MINUTES * 60,
            )
        )

    def handle(self, inbound: Inbound) -> Outcome:
        """Store the message, then answer it once; a redelivery gets the first answer again."""
        started = time.perf_counter()
        text, cut = clean_body(inbound.text)
        phone = normalise_phone(inbound.phone)
        if phone is None or not is_allowed_mobile(phone, self.settings.ALLOWED_COUNTRIES):
            self._store_ignored(inbound, text)
            return Outcome(None)
        s = self.settings
        with self.sessions.phone_lock(phone) as turn:
            session, limited = turn.count_and_load(
                s.RATE_LIMIT_MESSAGES, s.RATE_LIMIT_WINDOW_SECONDS
            )
            with self.database.session() as db:
                message, fresh = store.insert_inbound(
                    db,
                    channel=inbound.channel,
                    external_id=external_key(inbound.external_id),
                    phone=phone,
                    text=text,
                    segments=count_segments(text).segments,
                    status="rate_limited" if limited else "received",
                )
                if session is None and not limited:
                    lang = store.contact_lang(db, phone)
                    session = None if lang is None else Session(self.flow.start, lang=lang)
            if not fresh:
                duplicate = self._earlier_answer(message)
                if duplicate is not None:
                    return duplicate
            elif limited:
                stats.count_messages(self.database, inbound.channel, "in")
                log_event(log, "rate_limited", channel=inbound.channel, phone=phone)
                return Outcome(None)
            outcome = self._answer(turn, message, session, text, cut, inbound.medium)
        MESSAGES.labels(inbound.channel, "in").inc()
        log_event(
            log,
            "inbound",
            channel=inbound.channel,
            phone=phone,
            state=outcome.state,
            ms=round((time.perf_counter() - started) * 1000, 1),
        )
        return outcome

    def _earlier_answer(self, message) -> Outcome | None:
        """The stored reply of a redelivered message; None if the first try never finished."""
        if message.status == "received":
            return None  # the first delivery died before answering: answer it now
        with self.database.session() as db:
            reply = store.find_reply(db, message.id)
        return Outcome(reply.text if reply else None, duplicate=True, state=message.state)

    def _answer(self, turn, message, session, text: str, cut: bool, medium: str) -> Outcome:
        if cut:
            result_session, reply, effects, ended = session, Reply("help"), [], False
        else:
            result = step(self.flow, session, text, time.time())
            result_session, reply, effects = result.session, result.reply, result.effects
            ended = result.ended
        lang = result_session.lang if result_session else "fa"
        ctx = EffectContext(
            phone=message.phone,
            channel=message.channel,
            lang=lang,
            max_applications_per_phone=self.settings.MAX_APPLICATIONS_PER_PHONE,
            redis=self.redis,
        )
        state = result_session.state if result_session else None
        with self.database.session(write=bool(effects)) as db:
            reply = run_effects(db, effects, ctx) or reply
            reply_text = reply.render(lang, medium) if reply else None
            if reply_text:
                store.add_reply(
                    db,
                    message,
                    reply_text,
                    count_segments(reply_text).segments,
                    state=state,
                    application_id=ctx.application_id,
                )
            store.mark_inbound(db, message.id, "handled", state)
        stats.count_turn(self.database, message, session, result_session, effects, bool(reply_text))
        if result_session is not None:
            turn.save(result_session)
        for job in ctx.after_commit:
            self._run_after_commit(job)
        if reply_text:
            MESSAGES.labels(message.channel, "out").inc()
        return Outcome(reply_text, ended=ended, state=state, lang=lang, effects=effects)

    def _run_after_commit(self, job) -> None:
        try:
            job()
        except Exception as exc:  # Redis down: the reconciler queues it from the database
            log_event(log, "after_commit_failed", logging.WARNING, error=type(exc).__name__)

    def _store_ignored(self, inbound: Inbound, text: str) -> None:
        """Keep what a non-mobile or foreign sender sent, without starting a dialog."""
        with self.database.session() as db:
            _, fresh = store.insert_inbound(
                db,
                channel=inbound.channel,
                external_id=external_key(inbound.external_id),
                phone=(inbound.phone or "")[:16],
                text=text,
                segments=count_segments(text).segments,
                status="ignored",
            )
        stats.count_messages(self.database, inbound.channel, "in", n=int(fresh))
        log_event(log, "ignored_sender", channel=inbound.channel, phone=inbound.phone)
