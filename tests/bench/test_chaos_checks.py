"""The chaos rehearsal's own checks, on a ledger written by hand."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.chaos.checks import messages_stored
from bench.chaos.load import Ledger

ANSWERS = [  # what the carriers were answered, what the check finds wrong
    ({"200": 5, "503": 3, "RemoteDisconnected": 1}, []),
    ({"200": 5, "500": 2}, ["2 answered 500, not 503"]),
    (
        {"200": 5, "502": 1, "503": 1, "504": 3},
        ["1 answered 502, not 503", "3 answered 504, not 503"],
    ),
]


@pytest.mark.parametrize(("answers", "wrong"), ANSWERS)
def test_a_fault_is_answered_503_and_nothing_else(db, answers, wrong):
    check = messages_stored(db, Ledger(answers=Counter(answers)))
    assert check.wrong == wrong
    assert check.figures["server_errors_but_503"] == sum(
        n for answer, n in answers.items() if answer.startswith("5") and answer != "503"
    )
