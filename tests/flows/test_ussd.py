"""USSD as a rendering of the one dialog: menu, back, resume, reminders - pure, no I/O."""

from __future__ import annotations

from typing import NamedTuple

import pytest

from flows.effects import CreateApplication, Outcome, RemindIfDropped, ShowStatus
from flows.engine import Session, final_reply
from flows.messages import render
from flows.registration import build_registration_flow
from flows.ussd import Screen, new_input, reminder_action, render_screen, ussd_step

FLOW = build_registration_flow()
T0 = 1_750_000_000.0
NID, PEN = "0000534722", "728762975"


class Request(NamedTuple):
    text: str  # every input so far joined by `*`, as the gateway sends it
    reply: str  # the reply's catalogue key (+ the next one's)
    mode: str
    state: str  # the dialog's state after the request
    closes: bool = False


def keys(reply) -> str:
    return reply.key if reply.then is None else f"{reply.key}+{keys(reply.then)}"


def run(requests, session=None, screen=None, now=T0):
    screen = screen or Screen()
    for number, request in enumerate(requests, 1):
        turn = ussd_step(FLOW, screen, session, request.text, now + number)
        reply = final_reply(FLOW, turn.step, [None] * len(turn.step.effects))
        got = (keys(reply) if reply else None, turn.screen.mode, turn.step.session.state)
        assert got == (request.reply, request.mode, request.state), (number, request)
        assert turn.closes is request.closes, (number, request)
        screen, session = turn.screen, turn.step.session
    return screen, session, turn


TABLES = {
    "dial, register to the confirmation": [
        Request("", "ussd_menu", "menu", "start"),
        Request("1", "welcome_ask_national_id", "register", "ask_national_id"),
        Request(f"1*{NID}", "ask_pension_number", "register", "ask_pension_number"),
        Request(f"1*{NID}*{PEN}", "confirm", "register", "confirm"),
    ],
    "a wrong menu choice shows the menu again": [
        Request("", "ussd_menu", "menu", "start"),
        Request("9", "ussd_bad_choice+ussd_menu", "menu", "start"),
    ],
    "back from the first question goes to the menu": [
        Request("", "ussd_menu", "menu", "start"),
        Request("1", "welcome_ask_national_id", "register", "ask_national_id"),
        Request("1*0", "ussd_menu", "menu", "ask_national_id"),
    ],
    "back restores the dialog before the step": [
        Request("", "ussd_menu", "menu", "start"),
        Request("1", "welcome_ask_national_id", "register", "ask_national_id"),
        Request(f"1*{NID}", "ask_pension_number", "register", "ask_pension_number"),
        Request(f"1*{NID}*0", "ask_national_id", "register", "ask_national_id"),
    ],
    "help ends the session": [
        Request("", "ussd_menu", "menu", "start"),
        Request("3", "help", "menu", "start", closes=True),
    ],
    "a * inside an answer is part of it": [
        Request("", "ussd_menu", "menu", "start"),
        Request("1", "welcome_ask_national_id", "register", "ask_national_id"),
        Request("1*0000*534722", "ask_pension_number", "register", "ask_pension_number"),
    ],
    "three wrong answers close the session": [
        Request("", "ussd_menu", "menu", "start"),
        Request("1", "welcome_ask_national_id", "register", "ask_national_id"),
        Request("1*1", "bad_national_id", "register", "ask_national_id"),
        Request("1*1*2", "bad_national_id", "register", "ask_national_id"),
        Request("1*1*2*3", "too_many_tries", "register", "start", closes=True),
    ],
}


@pytest.mark.parametrize("requests", TABLES.values(), ids=TABLES.keys())
def test_ussd_requests_walk_the_one_dialog(requests):
    run(requests)


def test_status_from_the_menu_asks_the_gateway_and_closes():
    _screen, _session, turn = run(
        [Request("", "ussd_menu", "menu", "start")]
    )  # then "2": the reply comes from the status outcome
    turn = ussd_step(FLOW, turn.screen, turn.step.session, "2", T0 + 9)
    assert turn.step.effects == [ShowStatus(None)] and turn.closes
    reply = final_reply(FLOW, turn.step, [Outcome("no_application")])
    assert render_screen(turn, reply, "fa") == "END " + render("status_none", "fa", medium="ussd")


def test_confirming_creates_the_application_and_closes_with_its_outcome():
    screen, session, _turn = run(TABLES["dial, register to the confirmation"])
    turn = ussd_step(FLOW, screen, session, f"1*{NID}*{PEN}*1", T0 + 9)
    assert turn.step.effects == [CreateApplication(NID, PEN)] and turn.closes
    reply = final_reply(FLOW, turn.step, [Outcome("created", {"tracking_code": "12345678"})])
    assert render_screen(turn, reply, "fa").startswith("END درخواست شما ثبت شد")


def test_the_reminder_is_asked_for_once_a_ussd_session():
    screen, session = Screen(), None
    asked = []
    for number, text in enumerate(["", "1", f"1*{NID}", f"1*{NID}*{PEN}"]):
        turn = ussd_step(FLOW, screen, session, text, T0 + number)
        asked.append(RemindIfDropped() in turn.step.effects)
        screen, session = turn.screen, turn.step.session
    assert asked == [False, True, False, False]


def test_a_dropped_registration_is_offered_to_resume_and_continues_where_it_was():
    _screen, session, _turn = run(TABLES["dial, register to the confirmation"][:3])
    later = T0 + 600  # a new USSD session ten minutes later
    run(
        [
            Request("", "ussd_resume", "resume", "ask_pension_number"),
            Request("1", "ask_pension_number", "register", "ask_pension_number"),
            Request(f"1*{PEN}", "confirm", "register", "confirm"),
        ],
        session=session,
        now=later,
    )


def test_start_again_forgets_the_dropped_registration():
    _screen, session, _turn = run(TABLES["dial, register to the confirmation"][:3])
    _screen, session, _turn = run(
        [
            Request("", "ussd_resume", "resume", "ask_pension_number"),
            Request("2", "welcome_ask_national_id", "register", "ask_national_id"),
        ],
        session=session,
        now=T0 + 600,
    )
    assert session.data == {}


def test_an_expired_dialog_is_not_offered_to_resume():
    _screen, session, _turn = run(TABLES["dial, register to the confirmation"][:3])
    run([Request("", "ussd_menu", "menu", "ask_pension_number")], session=session, now=T0 + 3600)


@pytest.mark.parametrize(
    ("seen", "text", "expected"),
    [
        ("", "", ""),
        ("", "1", "1"),
        ("1", "1*0012345679", "0012345679"),
        ("1", "1*0012*345679", "0012 345679"),  # a * typed inside an answer
        ("1*22", "9*9*7", "7"),  # a gateway that rewrote the history: its newest part
    ],
)
def test_new_input_is_what_follows_the_inputs_seen(seen, text, expected):
    assert new_input(seen, text) == expected


@pytest.mark.parametrize(
    ("state", "via", "silent", "expected"),
    [
        ("ask_pension_number", "ussd", 250, ("send", 0.0)),
        ("ask_pension_number", "ussd", 50, ("wait", 150.0)),
        ("ask_pension_number", "sms", 250, ("cancel", 0.0)),  # went on by SMS
        ("start", "ussd", 250, ("cancel", 0.0)),  # finished or cancelled
        ("ask_pension_number", "ussd", 4000, ("cancel", 0.0)),  # expired
    ],
)
def test_reminder_action(state, via, silent, expected):
    session = Session(state=state, updated_at=T0, via=via)
    assert reminder_action(FLOW, session, T0 + silent, 200) == expected


def test_a_damaged_screen_starts_the_ussd_session_afresh():
    assert Screen.from_dict({"mode": "nonsense", "history": "x", "seen": 3}) == Screen()
    screen = Screen("1*2", "register", [{"state": "ask_national_id"}], True)
    assert Screen.from_dict(screen.to_dict()) == screen
