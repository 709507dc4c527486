"""USSD: the registration dialog shown as menus - a rendering of the same flow, not a
second machine.

A USSD gateway sends every input of a session joined by `*`. What one USSD session has
shown is its Screen (the text already seen, which menu is up, the dialog sessions
before each step for `0`); the dialog itself is the phone's one Session, shared with
SMS, so a pensioner whose USSD session dropped can finish by SMS or by dialing again.
ussd_step() is pure: the gateway loads the Screen and the Session under the phone's
lock, calls it, runs the effects and saves both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from flows.effects import RemindIfDropped
from flows.engine import (
    Flow,
    Reply,
    Session,
    Step,
    begin,
    command,
    current_prompt,
    is_unfinished,
    step,
)

BACK = "0"
# Operators end a USSD session after 180 seconds; past this, silence means it dropped.
REMIND_AFTER = 200.0
MENU = {"1": "register", "2": "status", "3": "help"}
RESUME = {"1": "continue", "2": "register"}
MODES = ("new", "menu", "resume", "register")


@dataclass
class Screen:
    """What one USSD session has shown: the inputs seen, the mode, the way back."""

    seen: str = ""
    mode: str = "new"
    history: list[dict] = field(default_factory=list)  # dialog sessions before each step
    reminded: bool = False  # the dropped-session reminder is scheduled (once a session)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seen": self.seen,
            "mode": self.mode,
            "history": list(self.history),
            "reminded": self.reminded,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any] | None) -> Screen:
        """A screen from to_dict() output; anything damaged starts the session afresh."""
        raw = raw if isinstance(raw, Mapping) else {}
        seen, mode, history = raw.get("seen"), raw.get("mode"), raw.get("history")
        return cls(
            seen=seen if isinstance(seen, str) else "",
            mode=mode if mode in MODES else "new",
            history=[h for h in history if isinstance(h, Mapping)]
            if isinstance(history, list)
            else [],
            reminded=raw.get("reminded") is True,
        )


@dataclass
class UssdTurn:
    """One USSD request: the dialog's step, whether the session closes (END), and whether
    the reply carries the back hint."""

    screen: Screen
    step: Step
    closes: bool
    hint: bool = False


def new_input(seen: str, text: str) -> str:
    """The newest input of a request: what follows the inputs already seen.

    A `*` typed inside an answer stays part of it and reads like a space in a number
    (0012*345678); a gateway that rewrote the history gives its last part.
    """
    if not seen:
        fresh = text
    elif text.startswith(seen + "*"):
        fresh = text[len(seen) + 1 :]
    else:
        fresh = text.rsplit("*", 1)[-1]
    return fresh.replace("*", " ")


def ussd_step(flow: Flow, screen: Screen, session: Session | None, text: str, now: float):
    """The next screen of a USSD session for request `text` (all inputs joined by `*`)."""
    fresh = new_input(screen.seen, text)
    screen = Screen(text, screen.mode, list(screen.history), screen.reminded)
    if screen.mode == "new":
        turn = _first_screen(flow, screen, session, now)
    elif screen.mode == "resume":
        turn = _resume(flow, screen, session, fresh, now)
    elif screen.mode == "menu":
        turn = _menu(flow, screen, session, fresh, now)
    else:
        turn = _register(flow, screen, session, fresh, now)
    if screen.mode == "register" and not turn.closes and not screen.reminded:
        screen.reminded = True
        turn.step.effects.append(RemindIfDropped())
    return turn


def render_screen(turn: UssdTurn, reply: Reply | None, lang: str) -> str:
    """The text the gateway answers: `CON text` waits for input, `END text` closes."""
    text = reply.render(lang, "ussd") if reply else ""
    if turn.hint:
        text += "\n" + Reply("ussd_back_hint").render(lang, "ussd")
    return ("END " if turn.closes else "CON ") + text


def _unchanged(session: Session | None, reply: Reply) -> Step:
    return Step(session or Session(), reply)


def _first_screen(flow: Flow, screen: Screen, session: Session | None, now: float) -> UssdTurn:
    """The main menu, or "continue / start again" after a dropped registration."""
    if is_unfinished(flow, session, now):
        screen.mode = "resume"
        return UssdTurn(screen, _unchanged(session, Reply("ussd_resume")), closes=False)
    screen.mode = "menu"
    return UssdTurn(screen, _unchanged(session, Reply("ussd_menu")), closes=False)


def _resume(flow, screen: Screen, session, fresh: str, now: float) -> UssdTurn:
    choice = RESUME.get(fresh)
    if choice == "continue" and is_unfinished(flow, session, now):
        screen.mode = "register"
        return _prompt(flow, screen, session, now)
    if choice is not None:
        return _menu(flow, screen, session, "1", now)
    return UssdTurn(screen, _unchanged(session, Reply("ussd_resume")), closes=False)


def _menu(flow, screen: Screen, session, fresh: str, now: float) -> UssdTurn:
    choice = MENU.get(fresh)
    if choice == "register":
        screen.mode, screen.history = "register", []
        return UssdTurn(screen, begin(flow, session, now, via="ussd"), closes=False, hint=True)
    if choice is not None:  # status or help: the answer, and the session ends
        return UssdTurn(screen, command(flow, session, choice, now, via="ussd"), closes=True)
    reply = Reply("ussd_bad_choice", then=Reply("ussd_menu"))
    return UssdTurn(screen, _unchanged(session, reply), closes=False)


def _register(flow, screen: Screen, session, fresh: str, now: float) -> UssdTurn:
    if fresh == BACK:
        if not screen.history:
            screen.mode = "menu"
            return UssdTurn(screen, _unchanged(session, Reply("ussd_menu")), closes=False)
        return _prompt(flow, screen, Session.from_dict(screen.history.pop()), now)
    result = step(flow, session, fresh, now, via="ussd")
    if session is not None and result.session.state != session.state:
        screen.history.append(session.to_dict())
    closes = result.ended or result.session.state == flow.start
    return UssdTurn(screen, result, closes=closes, hint=not closes)


def _prompt(flow: Flow, screen: Screen, session: Session | None, now: float) -> UssdTurn:
    """The question the dialog waits on, again (after `0` or "continue")."""
    session = replace(session, updated_at=now, via="ussd") if session else Session(flow.start)
    reply = current_prompt(flow, session) or Reply(flow.states[flow.start].prompt)
    return UssdTurn(screen, Step(session, reply), closes=False, hint=True)


def reminder_action(flow: Flow, session: Session | None, now: float, after=REMIND_AFTER):
    """What a dropped-session reminder does at `now`: ("send", 0), ("wait", seconds) while
    the USSD dialog is still in use, or ("cancel", 0) once it ended, expired or moved on
    by SMS."""
    if not is_unfinished(flow, session, now) or session.via != "ussd":
        return "cancel", 0.0
    silent = now - session.updated_at
    return ("wait", after - silent) if silent < after else ("send", 0.0)
