"""The flow engine: states as data, a JSON-safe session, and the one pure step()."""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from flows.effects import Effect, Outcome, PassToSupport, SetLanguage, SetOptOut, ShowStatus
from flows.messages import render
from flows.parsing import (
    Command,
    has_long_number,
    is_registration_keyword,
    is_valid_tracking_code,
    normalise_text,
    parse_command,
    parse_yes_no,
    read_single_number,
)
from flows.session import Session

__all__ = [
    "Ask", "Choose", "End", "Flow", "Reply", "Session", "Start", "Step", "begin", "command",
    "current_prompt", "final_reply", "funnel_steps", "is_unfinished", "step",
]  # fmt: skip

_LETTERS = re.compile(r"[^\W\d_]")
Parser = Callable[[str, Mapping[str, str]], dict[str, str] | None]


@dataclass(frozen=True)
class Start:
    """Before the first message: greet, or read a long number as the first answer."""

    prompt: str
    next: str
    answer_min_digits: int = 8


@dataclass(frozen=True)
class Ask:
    """Ask for field; parse returns the fields it read, or None for a wrong answer."""

    prompt: str
    field: str
    parse: Parser
    error: str
    next: str


@dataclass(frozen=True)
class Choose:
    """A yes/no question; no forgets the listed fields and goes back."""

    prompt: str
    error: str
    on_yes: str
    on_no: str
    forget_on_no: tuple[str, ...] = ()


@dataclass(frozen=True)
class End:
    """The dialog is over: emit an effect built from the answers, and maybe a reply."""

    make_effect: Callable[[Mapping[str, str]], Effect] | None = None
    reply: str | None = None
    prompt: None = None


State = Start | Ask | Choose | End


@dataclass(frozen=True)
class Flow:
    """A dialog: named states, where it starts, its patience, and its words for outcomes.

    `outcome_replies` maps each effect outcome's name to the reply key; `word_params`
    names the outcome values that are codes, shown as the catalogue word `prefix + code`.
    `funnel` lists (state, step name) in dialog order: a turn that enters a later state
    passes every step in between (see funnel_steps).
    """

    states: Mapping[str, State]
    start: str = "start"
    max_tries: int = 3
    idle_timeout: float = 1800
    restart_prompt: str = "expired_restart"
    too_many_tries: str = "too_many_tries"
    outcome_replies: Mapping[str, str] = field(default_factory=dict)
    word_params: Mapping[str, str] = field(default_factory=dict)
    funnel: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Reply:
    """A catalogue key and its parameters; then is a second text sent in the same SMS."""

    key: str
    params: dict = field(default_factory=dict)
    then: "Reply | None" = None

    def render(self, lang: str, medium: str = "sms") -> str:
        """The reply's text in lang for the medium, with a following reply on a new line.

        A parameter that is itself a Reply (a status word, a reason) is rendered first.
        """
        params = {
            name: value.render(lang, medium) if isinstance(value, Reply) else value
            for name, value in self.params.items()
        }
        text = render(self.key, lang, medium=medium, **params)
        return text if self.then is None else text + "\n" + self.then.render(lang, medium)


@dataclass
class Step:
    """The result of one inbound message: new session, reply, effects, whether it ended.

    `entered` is the last state the turn entered (an End state's name when it ended
    there), for funnel_steps. A reply of None with effects comes from their outcomes.
    """

    session: Session
    reply: Reply | None
    effects: list[Effect] = field(default_factory=list)
    ended: bool = False
    entered: str | None = None


def step(
    flow: Flow, session: Session | None, text: str, now: float, *, via: str = "sms",
    truncated: bool = False, has_application: bool = False,
) -> Step:  # fmt: skip
    """Advance the dialog by one inbound message received at now (epoch seconds) by `via`
    (sms or ussd). A `truncated` message (cut for length) is answered with the help text.

    From a phone that `has_application`, a message outside any dialog that neither is a
    command nor starts a registration (a keyword, or an answer to the first question: a
    national ID) is a question: it goes to the support inbox, and the dialog stays put.
    """
    session, expired = _current(flow, session, now)
    text = normalise_text(text)
    command = parse_command(text)
    if truncated:
        result = Step(session, Reply("help"))
    elif command is not None:
        result = _run_command(flow, session, command)
    elif has_application and _is_question(flow, session, text):
        result = Step(session, None, [PassToSupport()])
    elif expired:
        # The old question is gone: the message is not read as an answer to it.
        result = _enter(flow, session, flow.states[flow.start].next, flow.restart_prompt)
    else:
        result = _answer(flow, session, text)
    return _touched(result, now, via)


def begin(flow: Flow, session: Session | None, now: float, *, via: str = "sms") -> Step:
    """Start the dialog afresh (keeping the language): the first question."""
    fresh = Session(state=flow.start, lang=session.lang if session else Session().lang)
    first = flow.states[flow.start]
    return _touched(_enter(flow, fresh, first.next, first.prompt), now, via)


def command(flow: Flow, session: Session | None, name: str, now: float, *, via="sms") -> Step:
    """Run a command (help, status, ...) as if the pensioner had typed it."""
    session, _expired = _current(flow, session, now)
    return _touched(_run_command(flow, session, Command(name)), now, via)


def _current(flow: Flow, session: Session | None, now: float) -> tuple[Session, bool]:
    """A copy of the session to change (never the caller's), started afresh when it has
    expired or is in a state the flow does not know; and whether it had expired."""
    if session is None:
        return Session(state=flow.start), False
    expired = _is_expired(flow, session, now)
    if expired or not isinstance(flow.states.get(session.state), Start | Ask | Choose):
        return Session(state=flow.start, lang=session.lang), expired
    return replace(session, data=dict(session.data)), False


def _touched(result: Step, now: float, via: str) -> Step:
    result.session.updated_at, result.session.via = now, via
    if result.entered is None:
        result.entered = result.session.state
    return result


def is_unfinished(flow: Flow, session: Session | None, now: float) -> bool:
    """Whether the session waits on an answer and has not expired."""
    if session is None or session.state == flow.start or session.updated_at is None:
        return False
    return not _is_expired(flow, session, now)


def final_reply(flow: Flow, result: Step, outcomes: list[Outcome | None]) -> Reply | None:
    """The turn's reply: the step's own, or else the flow's words for the last outcome."""
    if result.reply is not None:
        return result.reply
    said = [outcome for outcome in outcomes if outcome is not None]
    if not said:
        return None
    outcome = said[-1]
    params = {
        name: Reply(flow.word_params[name] + str(value)) if name in flow.word_params else value
        for name, value in outcome.params.items()
    }
    return Reply(flow.outcome_replies[outcome.name], params)


def funnel_steps(flow: Flow, before: str | None, entered: str | None) -> list[str]:
    """The funnel steps a turn passes from state `before` to the state it `entered`:
    every step past the one it was at, up to the entered one (going back counts none)."""
    rank = {state: n for n, (state, _name) in enumerate(flow.funnel, 1)}
    low, high = rank.get(before, 0), rank.get(entered, 0)
    return [name for n, (_state, name) in enumerate(flow.funnel, 1) if low < n <= high]


def _is_question(flow: Flow, session: Session, text: str) -> bool:
    """Words where no dialog waits on an answer: not a keyword, not a bare number (a
    mistyped national ID gets the dialog's explanation), and not an answer to the first
    question (a tracking code or a phone inside a sentence is still a question)."""
    state = flow.states[session.state]
    if not isinstance(state, Start) or is_registration_keyword(text):
        return False
    if read_single_number(text) is not None and not _LETTERS.search(text):
        return False
    first = flow.states[state.next]
    return not (isinstance(first, Ask) and first.parse(text, {}) is not None)


def _is_expired(flow: Flow, session: Session, now: float) -> bool:
    if session.state == flow.start or session.updated_at is None:
        return False
    return now - session.updated_at >= flow.idle_timeout


def _run_command(flow: Flow, session: Session, command: Command) -> Step:
    match command.name:
        case "cancel":
            fresh = Session(state=flow.start, lang=session.lang)
            return Step(fresh, Reply("cancelled"), ended=True)
        case "status" if command.arg is not None and not is_valid_tracking_code(command.arg):
            return Step(session, Reply("status_unknown_code"))
        case "status":
            return Step(session, None, [ShowStatus(command.arg)])
        case "lang":
            session.lang = command.arg or session.lang
            reply = Reply("lang_set", then=current_prompt(flow, session))
            return Step(session, reply, [SetLanguage(session.lang)])
        case "stop":
            return Step(session, Reply("stopped"), [SetOptOut(True)])
        case "start":
            return Step(session, Reply("started"), [SetOptOut(False)])
    return Step(session, Reply("help"))


def current_prompt(flow: Flow, session: Session) -> Reply | None:
    """The question the session waits on, with the answers so far (None before the first)."""
    state = flow.states[session.state]
    if isinstance(state, Ask | Choose):
        return Reply(state.prompt, dict(session.data))
    return None


def _answer(flow: Flow, session: Session, text: str) -> Step:
    state = flow.states[session.state]
    if isinstance(state, Start):
        if not has_long_number(text, state.answer_min_digits):
            return _enter(flow, session, state.next, state.prompt)
        session.state, state = state.next, flow.states[state.next]
    if isinstance(state, Ask):
        found = state.parse(text, session.data)
        if found is None:
            return _fail(flow, session, state.error)
        session.data.update(found)
        return _enter(flow, session, state.next)
    if isinstance(state, Choose):
        answer = parse_yes_no(text)
        if answer is None:
            return _fail(flow, session, state.error)
        if answer:
            return _enter(flow, session, state.on_yes)
        for name in state.forget_on_no:
            session.data.pop(name, None)
        return _enter(flow, session, state.on_no)
    raise TypeError(f"state {session.state!r} cannot take an answer")


def _enter(flow: Flow, session: Session, name: str, prompt: str | None = None) -> Step:
    state = flow.states[name]
    while isinstance(state, Ask) and state.field in session.data:
        name, state = state.next, flow.states[state.next]
    if isinstance(state, End):
        effects = [] if state.make_effect is None else [state.make_effect(session.data)]
        reply = None if state.reply is None else Reply(state.reply)
        fresh = Session(state=flow.start, lang=session.lang)
        return Step(fresh, reply, effects, ended=True, entered=name)
    session.state, session.tries = name, 0
    return Step(session, Reply(prompt or state.prompt, dict(session.data)))


def _fail(flow: Flow, session: Session, error: str) -> Step:
    session.tries += 1
    if session.tries >= flow.max_tries:
        ended = Session(state=flow.start, lang=session.lang)
        return Step(ended, Reply(flow.too_many_tries), ended=True)
    return Step(session, Reply(error, dict(session.data)))
