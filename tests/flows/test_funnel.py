"""The dialog funnel: which steps one turn passes, from the state before to the one entered."""

import pytest

from flows.engine import funnel_steps, step
from flows.registration import build_registration_flow

FLOW = build_registration_flow()


@pytest.mark.parametrize(
    ("before", "entered", "expected"),
    [
        (None, "ask_national_id", ["started"]),
        ("start", "ask_national_id", ["started"]),
        ("ask_national_id", "ask_pension_number", ["national_id"]),
        (None, "confirm", ["started", "national_id", "pension_number"]),
        ("ask_pension_number", "confirm", ["pension_number"]),
        ("confirm", "submit", ["confirmed"]),
        ("confirm", "ask_national_id", []),  # "no": back to the start, nothing new
        ("ask_national_id", "ask_national_id", []),  # a wrong answer
        ("start", "start", []),  # help, status, ...
    ],
)
def test_funnel_steps_count_each_step_a_turn_climbs_past(before, entered, expected):
    assert funnel_steps(FLOW, before, entered) == expected


@pytest.mark.parametrize(
    ("texts", "entered"),
    [
        (["salam"], "ask_national_id"),
        (["0012345679 123456"], "confirm"),
        (["0012345679 123456", "1"], "submit"),
        (["0012345679 123456", "2"], "ask_national_id"),
        (["help"], "start"),
    ],
)
def test_a_step_reports_the_state_it_entered(texts, entered):
    session, result = None, None
    for number, text in enumerate(texts):
        result = step(FLOW, session, text, 1000.0 + number)
        session = result.session
    assert result.entered == entered
