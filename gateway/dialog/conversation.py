"""The one path every channel and medium takes into the dialog: store, dedupe, lock, step,
run the effects, reply."""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass

from flows.engine import final_reply, funnel_steps, is_unfinished, step
from flows.segments import count_segments
from flows.session import Session
from flows.ussd import render_screen, ussd_step
from gateway.dialog import dialog_flow
from gateway.dialog.effect_runner import EffectContext, run_effects
from gateway.dialog.sessions import session_store
from gateway.monitoring import counters
from gateway.monitoring.metrics import MESSAGES, labelled
from gateway.platform.logs import log_event
from gateway.platform.phones import is_allowed_mobile, normalise_phone
from gateway.platform.services import Services
from gateway.store import contacts
from gateway.store import messages as store

MAX_BODY = 1600  # ten concatenated segments; longer bodies are cut and answered with help
log = logging.getLogger("smsgw.conversation")


@dataclass(frozen=True)
class Inbound:
    """A message as every channel hands it over: carrier fields already mapped.

    `session_id` is the USSD gateway's session (the message is then a USSD request
    whose text holds every input of the session joined by `*`); None for an SMS.
    """

    channel: str
    phone: str
    text: str
    external_id: str | None = None
    session_id: str | None = None

    @property
    def medium(self) -> str:
        return "sms" if self.session_id is None else "ussd"

    def dedupe_key(self) -> str | None:
        """The id a redelivery shares: the carrier's message id (hashed past the column's
        64 characters), or for USSD one derived from the session, phone and inputs so far
        - a resent request is the same request, whatever Redis has forgotten."""
        key = self.external_id
        if key is None and self.session_id is not None:
            digest = hashlib.sha256(f"{self.session_id}\n{self.phone}\n{self.text}".encode())
            return f"ussd-{digest.hexdigest()[:40]}"
        if key is None or len(key) <= 64:
            return key
        return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class Outcome:
    """What the channel sends back: the reply (None = none; for USSD the whole screen,
    `CON …` or `END …`) and whether the dialog - or the USSD session - ended."""

    text: str | None
    ended: bool = False
    state: str | None = None
    lang: str = "fa"

    @property
    def screen_text(self) -> str:
        """A USSD reply without its `CON ` / `END ` (for the simulators)."""
        return (self.text or "")[4:]


# Unicode's control (Cc) and surrogate (Cs) characters, tab and newline aside.
_CONTROL_BUT_TAB_AND_NEWLINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_body(text: str) -> tuple[str, bool]:
    """Drop control characters (NUL breaks PostgreSQL) and cut overlong bodies."""
    text = _CONTROL_BUT_TAB_AND_NEWLINE.sub("", text)
    return text[:MAX_BODY], len(text) > MAX_BODY


class Conversation:
    """Handles one inbound message at a time per phone, against the database and Redis."""

    def __init__(self, services: Services):
        settings = services.settings
        self.services = services
        self.database = services.database
        self.settings = settings
        self.sessions = session_store(services)
        self.flow = dialog_flow(settings)

    def handle(self, inbound: Inbound) -> Outcome:
        """Answer a message once and store it with its reply in one transaction, before the
        answer goes back; a redelivery gets the first answer again."""
        started = time.perf_counter()
        text, cut = clean_body(inbound.text)
        phone = normalise_phone(inbound.phone)
        if phone is None or not is_allowed_mobile(phone, self.settings.ALLOWED_COUNTRIES):
            self._store_ignored(inbound, text)
            return Outcome(None, ended=inbound.medium == "ussd")
        s = self.settings
        row = {
            "channel": inbound.channel,
            "external_id": inbound.dedupe_key(),
            "phone": phone,
            "text": text,
            "segments": count_segments(text).segments,
        }
        with self.sessions.turn(phone, s.RATE_LIMIT_WINDOW_SECONDS, inbound.session_id) as turn:
            if turn.count > s.RATE_LIMIT_MESSAGES:
                return self._store_limited(inbound, row)
            try:
                outcome = self._answer(turn, inbound, row, cut)
            except Exception:
                self._store_unanswered(row)
                raise
        if outcome.state is not None:  # answered now, not a redelivery
            labelled(MESSAGES, inbound.channel, "in").inc()
        ms = round((time.perf_counter() - started) * 1000, 1)
        log_event(log, "inbound", channel=inbound.channel, phone=phone, state=outcome.state, ms=ms)
        return outcome

    def _answer(self, turn, inbound: Inbound, row: dict, cut: bool) -> Outcome:
        """Step the dialog; store the message with its reply in one transaction with the
        step's effects. A redelivery - found when its row is refused - is rolled back and
        answered again."""
        turn.keep_alive()
        screen, text, now = turn.screen, row["text"], time.time()
        session, known = self._session_and_history(turn.session, row["phone"], now)
        if screen is not None:
            ussd = ussd_step(self.flow, screen, session, text, now)
            result = ussd.step
        else:
            ussd = None
            result = step(self.flow, session, text, now, truncated=cut, has_application=known)
        lang, state = result.session.lang, result.session.state
        ctx = EffectContext(services=self.services, phone=row["phone"],
                            channel=row["channel"], lang=lang)  # fmt: skip
        # Most steps have no effect: their message and reply are then one statement alone.
        if result.effects:
            transaction = self.database.session(write=True)  # SQLite: write lock before reads
        else:
            transaction = self.database.lone_statements()
        with transaction as db:
            outcomes = run_effects(db, result.effects, ctx)
            reply = final_reply(self.flow, result, outcomes)
            if ussd is not None:
                reply_text = render_screen(ussd, reply, lang)
            else:
                reply_text = reply.render(lang) if reply else None
            message = store.inbound_row({**row, "status": "handled", "state": state})
            answer = None
            if reply_text:
                answer = store.reply_row(
                    message, reply_text, count_segments(reply_text).segments,
                    state=state, application_id=ctx.application_id,
                )  # fmt: skip
            stored, fresh = store.insert_turn(db, message, answer)
            earlier = None
            if result.effects:  # kept only with the message they answer
                if not fresh:
                    earlier = self._stored_before(db, stored, state, answer, inbound)
                if earlier is None:
                    ctx.run_with_message(db, stored.id)
        if not (fresh or result.effects):  # stored before: settled in a transaction
            with self.database.session(write=True) as db:
                earlier = self._stored_before(db, stored, state, answer, inbound)
        if earlier is not None:
            return earlier
        before = session.state if session else None
        steps = funnel_steps(self.flow, before, result.entered)
        counters.count_turn(self.services, stored, steps, bool(reply_text))
        turn.save(result.session, ussd.screen if ussd else None)
        ctx.run_after_commit()
        if reply_text:
            labelled(MESSAGES, row["channel"], "out").inc()
        ended = ussd.closes if ussd else result.ended
        return Outcome(reply_text, ended=ended, state=state, lang=lang)

    @staticmethod
    def _stored_before(db, stored, state: str, answer: dict | None, inbound: Inbound):
        """A message stored before this one came: a redelivery gets its first answer again
        and this step is rolled back; a message whose first try failed, stored then as
        `received`, is answered now (None: the step is kept)."""
        if stored.status == "received":
            store.mark_inbound(db, stored.id, "handled", state)
            if answer:
                store.add_reply(db, stored.id, answer)
            return None
        db.rollback()
        reply = store.find_reply(db, stored.id)
        text = reply.text if reply else None
        ended = inbound.medium == "ussd" and not (text or "").startswith("CON ")
        return Outcome(text, ended=ended)

    def _session_and_history(self, session: Session | None, phone: str, now: float):
        """The dialog's session, and whether a message outside it may be a question for
        support (spec 3.9). With no dialog under way, one SELECT tells both the language
        the phone chose before (its new dialog starts in it) and whether it has applied."""
        if is_unfinished(self.flow, session, now):
            return session, False  # the open dialog reads the message as an answer
        with self.database.lone_statements() as db:
            lang, known = contacts.phone_history(db, phone)
        if session is None and lang is not None:
            session = Session(self.flow.start, lang=lang)
        return session, known

    def _store_limited(self, inbound: Inbound, row: dict) -> Outcome:
        """Past the phone's rate limit: stored, counted, not answered."""
        with self.database.session() as db:
            _, fresh = store.insert_inbound(db, **row, status="rate_limited")
        counters.count_messages(self.services, inbound.channel, "in", n=int(fresh))
        log_event(log, "rate_limited", channel=inbound.channel, phone=row["phone"])
        return Outcome(None, ended=inbound.medium == "ussd")

    def _store_unanswered(self, row: dict) -> None:
        """The answer failed (the carrier gets a 5xx and delivers again): keep the message
        for the operators anyway, as `received`, which a redelivery then answers."""
        try:
            with self.database.session() as db:
                store.insert_inbound(db, **row, status="received")
        except Exception as exc:  # the database itself is down: the redelivery will tell
            log_event(log, "inbound_not_stored", logging.WARNING, error=type(exc).__name__)

    def _store_ignored(self, inbound: Inbound, text: str) -> None:
        """Keep what a non-mobile or foreign sender sent, without starting a dialog."""
        with self.database.session() as db:
            _, fresh = store.insert_inbound(
                db,
                channel=inbound.channel,
                external_id=inbound.dedupe_key(),
                phone=(inbound.phone or "")[:16],
                text=text,
                segments=count_segments(text).segments,
                status="ignored",
            )
        counters.count_messages(self.services, inbound.channel, "in", n=int(fresh))
        log_event(log, "ignored_sender", channel=inbound.channel, phone=inbound.phone)
