"""The registration dialog shown as USSD menus: the same dialog, rendered screen by screen.

The gateway sends every input of a USSD session joined by `*`; this module keeps, per
USSD session, the text it has already seen, so that only the newest part is new input
(a `*` typed inside an answer stays part of that answer) and a resent request gets the
same screen again. `0` goes back one step by restoring the dialog session saved before
that step. The dialog itself is the SMS dialog, keyed by phone, so a pensioner whose
USSD session dropped can finish by SMS or by dialing again.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field

from flows.engine import Reply, current_prompt
from flows.messages import render
from flows.session import Session
from gateway.conversation import Conversation, Inbound
from workers.ussd import schedule_unfinished_reminder

STATE_TTL = 600  # a USSD session never lives this long; the operator's limit is 180 s
MENU_INPUTS = {"1": "وام", "2": "وضعیت", "3": "راهنما"}  # register, my status, help
BACK = "0"


@dataclass(frozen=True)
class Screen:
    """One USSD screen: `CON text` waits for input, `END text` closes the session."""

    text: str
    ended: bool

    def render(self) -> str:
        return ("END " if self.ended else "CON ") + self.text


@dataclass
class UssdState:
    """What this module remembers of one USSD session, in Redis."""

    seen: str = ""
    mode: str = "new"  # new, menu, resume, register
    inputs: int = 0
    touched_at: float = 0.0  # the last request, for the dropped-session reminder
    reminder: bool = False  # the reminder job is scheduled (once per USSD session)
    lang: str = "fa"
    history: list = field(default_factory=list)  # dialog sessions before each step, for "0"
    screen: Screen | None = None


class UssdMenus:
    """Turns USSD requests into dialog messages and dialog replies into screens."""

    def __init__(self, conversation: Conversation, channel: str = "ussd"):
        self.conversation = conversation
        self.channel = channel  # "simulator" when staff try it, so reports tell them apart
        self.redis = conversation.redis
        self.sessions = conversation.sessions
        self.flow = conversation.flow

    def handle(self, session_id: str, phone: str, text: str) -> Screen:
        """The screen for this request of USSD session `session_id`."""
        key = f"smsgw:ussd:{session_id}"
        state = self._load(key)
        if state.screen is not None and text == state.seen:
            return state.screen  # the gateway sent the same request again
        # A `*` typed inside an answer is read like a space in a number (0012*345678).
        new_input = self._new_input(state, text).replace("*", " ")
        state.seen = text
        state.inputs += 1
        screen = self._next_screen(state, session_id, phone, new_input)
        state.touched_at = time.time()  # after the dialog's own update (workers.ussd compares)
        if state.mode == "register" and not screen.ended:
            self._remind_if_dropped(state, session_id, phone)
        state.screen = screen
        self._save(key, state)
        return screen

    @staticmethod
    def _new_input(state: UssdState, text: str) -> str:
        if not state.seen:
            return text
        if text.startswith(state.seen + "*"):
            return text[len(state.seen) + 1 :]
        return text.rsplit("*", 1)[-1]  # a gateway that rewrote the history: newest part

    def _next_screen(self, state: UssdState, session_id: str, phone: str, new: str) -> Screen:
        if state.mode == "new":
            return self._first_screen(state, phone)
        if state.mode == "resume":
            return self._resume(state, session_id, phone, new)
        if state.mode == "menu":
            return self._menu_choice(state, session_id, phone, new)
        return self._register(state, session_id, phone, new)

    def _first_screen(self, state: UssdState, phone: str) -> Screen:
        """The main menu, or "continue / start again" after a dropped registration."""
        dialog = self.sessions.load(phone)
        state.lang = dialog.lang if dialog else "fa"
        if dialog is not None and self._unfinished(dialog):
            state.mode = "resume"
            return Screen(render("ussd_resume", state.lang), ended=False)
        state.mode = "menu"
        return Screen(render("ussd_menu", state.lang), ended=False)

    def _unfinished(self, dialog: Session) -> bool:
        if dialog.state == self.flow.start or dialog.updated_at is None:
            return False
        return time.time() - dialog.updated_at < self.flow.idle_timeout

    def _resume(self, state: UssdState, session_id: str, phone: str, new: str) -> Screen:
        if new == "1":
            state.mode = "register"
            return self._prompt_screen(state, self.sessions.load(phone))
        if new == "2":
            self.sessions.drop(phone)
            return self._menu_choice(state, session_id, phone, "1")
        return Screen(render("ussd_resume", state.lang), ended=False)

    def _menu_choice(self, state: UssdState, session_id: str, phone: str, new: str) -> Screen:
        if new not in MENU_INPUTS:
            text = render("ussd_bad_choice", state.lang) + "\n" + render("ussd_menu", state.lang)
            return Screen(text, ended=False)
        if new == "1":
            state.mode = "register"
            self.sessions.drop(phone)  # "register" always starts a fresh dialog
        outcome = self._send(state, session_id, phone, MENU_INPUTS[new])
        if new != "1" or outcome.ended:
            return Screen(outcome.text or "", ended=True)
        return Screen(self._with_back_hint(outcome.text or "", state.lang), ended=False)

    def _register(self, state: UssdState, session_id: str, phone: str, new: str) -> Screen:
        if new == BACK:
            if not state.history:
                state.mode = "menu"
                return Screen(render("ussd_menu", state.lang), ended=False)
            previous = Session.from_dict(state.history.pop())
            self.sessions.save(phone, previous)
            return self._prompt_screen(state, previous)
        before = self.sessions.load(phone)
        outcome = self._send(state, session_id, phone, new)
        if before is not None and outcome.state != before.state:
            state.history.append(before.to_dict())
        ended = outcome.ended or outcome.state == self.flow.start
        text = outcome.text or ""
        return Screen(text if ended else self._with_back_hint(text, state.lang), ended)

    def _remind_if_dropped(self, state: UssdState, session_id: str, phone: str) -> None:
        """Schedule, once per USSD session, the "how to finish" SMS (see workers.ussd)."""
        if not state.reminder:
            schedule_unfinished_reminder(self.redis, phone, session_id, state.touched_at)
            state.reminder = True

    def _prompt_screen(self, state: UssdState, dialog: Session | None) -> Screen:
        reply = current_prompt(self.flow, dialog) if dialog else None
        reply = reply or Reply("ask_national_id")
        text = reply.render(dialog.lang if dialog else state.lang, "ussd")
        return Screen(self._with_back_hint(text, state.lang), ended=False)

    @staticmethod
    def _with_back_hint(text: str, lang: str) -> str:
        return text + "\n" + render("ussd_back_hint", lang)

    def _send(self, state: UssdState, session_id: str, phone: str, text: str):
        outcome = self.conversation.handle(
            Inbound(
                channel=self.channel,
                phone=phone,
                text=text,
                external_id=f"ussd-{session_id}-{state.inputs}",
                medium="ussd",
            )
        )
        state.lang = outcome.lang
        return outcome

    def _load(self, key: str) -> UssdState:
        raw = self.redis.get(key)
        if raw is None:
            return UssdState()
        data = json.loads(raw)
        screen = data.pop("screen", None)
        state = UssdState(**data)
        state.screen = Screen(**screen) if screen else None
        return state

    def _save(self, key: str, state: UssdState) -> None:
        payload = json.dumps(asdict(state), ensure_ascii=False)
        self.redis.set(key, payload, ex=STATE_TTL)
