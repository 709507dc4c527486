"""The catalogues: same keys and placeholders, and every text within its SMS budget."""

import string

import pytest

from flows.engine import Ask, Choose
from flows.messages import (
    CATALOGUES,
    KEYS,
    PLACEHOLDER_LONGEST,
    longest_params,
    render,
)
from flows.messages.en import CATALOGUE as EN
from flows.messages.fa import CATALOGUE as FA
from flows.registration import STATUSES, build_registration_flow
from flows.segments import count_segments, ussd_fits
from gateway.store.models import STATUSES as STORED_STATUSES

# Persian texts that cannot say what they must in 70 units; all others fit one SMS.
FA_TWO_SEGMENT_KEYS = {"help", "too_many_tries", "notice_cancelled"}
FLOW = build_registration_flow()
PROMPTS = sorted({s.prompt for s in FLOW.states.values() if isinstance(s, Ask | Choose)})
LATIN_DIGITS = set("0123456789")
PERSIAN_DIGITS = set("۰۱۲۳۴۵۶۷۸۹")


def placeholders(template):
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_catalogues_have_exactly_the_same_keys():
    assert set(FA) == set(EN) == KEYS


@pytest.mark.parametrize("key", sorted(KEYS))
def test_both_languages_of_a_key_take_the_same_placeholders(key):
    assert placeholders(FA[key]) == placeholders(EN[key])


@pytest.mark.parametrize("key", sorted(KEYS))
def test_every_placeholder_has_a_longest_value(key):
    assert placeholders(FA[key]) <= set(PLACEHOLDER_LONGEST)


@pytest.mark.parametrize("key", sorted(KEYS))
def test_persian_text_fits_one_segment_or_an_allowed_two(key):
    found = count_segments(render(key, "fa", **longest_params("fa")))
    assert found.encoding == "ucs2"
    assert found.units <= 134
    assert found.segments == (2 if key in FA_TWO_SEGMENT_KEYS else 1)


@pytest.mark.parametrize("key", sorted(KEYS))
def test_english_text_fits_one_gsm7_segment(key):
    found = count_segments(render(key, "en", **longest_params("en")))
    assert found.encoding == "gsm7"
    assert found.segments == 1


@pytest.mark.parametrize("lang", ["fa", "en"])
@pytest.mark.parametrize("prompt", PROMPTS)
def test_language_change_with_the_question_again_fits_the_budget(lang, prompt):
    params = longest_params(lang)
    text = render("lang_set", lang) + "\n" + render(prompt, lang, **params)
    found = count_segments(text)
    assert found.segments <= (2 if lang == "fa" else 1)


@pytest.mark.parametrize("lang", ["fa", "en"])
@pytest.mark.parametrize("prompt", [*PROMPTS, "welcome_ask_national_id", "bad_confirm"])
def test_every_question_fits_one_ussd_screen(lang, prompt):
    assert ussd_fits(render(prompt, lang, **longest_params(lang)))


@pytest.mark.parametrize("key", sorted(KEYS))
def test_persian_render_leaves_no_latin_digit(key):
    text = render(key, "fa", **longest_params("fa"))
    assert not LATIN_DIGITS & set(text)


@pytest.mark.parametrize("key", sorted(KEYS))
def test_english_render_has_no_persian_digit(key):
    text = render(key, "en", **longest_params("en"))
    assert not PERSIAN_DIGITS & set(text)


@pytest.mark.parametrize(
    ("key", "lang", "params", "expected"),
    [
        ("status_approved", "fa", {"tracking_code": "12345674"}, "درخواست ۱۲۳۴۵۶۷۴ تایید شده است."),
        ("status_approved", "en", {"tracking_code": 12345674}, "Application 12345674 is approved."),
        ("phone_limit", "xx", {"limit": 3}, render("phone_limit", "fa", limit=3)),
    ],
)
def test_render_fills_placeholders_and_localises_digits(key, lang, params, expected):
    assert render(key, lang, **params) == expected


def test_persian_render_keeps_latin_command_words():
    assert "START" in render("stopped", "fa")
    assert "STOP" in render("help", "fa")


def test_records_mismatch_reasons_read_the_same_for_not_found_and_pension_mismatch():
    for catalogue in CATALOGUES.values():
        assert catalogue["reason_not_found"] == catalogue["reason_pension_mismatch"]


def test_the_dialog_knows_every_stored_status():
    assert set(STATUSES) == set(STORED_STATUSES)


@pytest.mark.parametrize("status", STATUSES)
def test_every_status_has_a_word_and_a_status_reply(status):
    assert {f"status_word_{status}", f"status_{status}"} <= KEYS


@pytest.mark.parametrize(
    "reason",
    ["not_found", "pension_mismatch", "not_eligible", "prior_loan", "phone_mismatch",
     "phase_closed", "cancelled"],
)  # fmt: skip
def test_every_reason_has_words(reason):
    assert f"reason_{reason}" in KEYS


def test_longest_status_and_reason_come_from_their_own_language():
    assert PLACEHOLDER_LONGEST["status"]["en"] == "payment failed"
    assert not LATIN_DIGITS & set(PLACEHOLDER_LONGEST["reason"]["fa"])
    assert PLACEHOLDER_LONGEST["reason"]["fa"] in FA.values()
