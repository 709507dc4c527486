"""Conversation tables for the registration dialog, driven through step() with a fake clock."""

import json
from typing import NamedTuple

import pytest

from flows.effects import CreateApplication, PassToSupport, SetLanguage, SetOptOut, ShowStatus
from flows.engine import Ask, Choose, End, Reply, Session, Start, step
from flows.messages import KEYS
from flows.registration import RegistrationConfig, build_registration_flow
from flows.segments import count_segments

FLOW = build_registration_flow()
T0 = 1_750_000_000.0
MINUTE = 60

NID, NID_FA, NID_AR = "0012345679", "۰۰۱۲۳۴۵۶۷۹", "٠٠١٢٣٤٥٦٧٩"
OTHER_NID = "0123456789"
BAD_NID = "0012345678"
PEN, PEN_FA = "123456", "۱۲۳۴۵۶"
CREATE = CreateApplication(NID, PEN)
EN, FA = SetLanguage("en"), SetLanguage("fa")
STOP, START = SetOptOut(True), SetOptOut(False)
SUPPORT = PassToSupport()


class Turn(NamedTuple):
    text: str
    key: str | None
    state: str
    effects: tuple = ()
    ended: bool = False
    wait: float = MINUTE
    known: bool = False  # the phone has an application already


def T(text, key, state, *effects, ended=False, wait=MINUTE, known=False):
    return Turn(text, key, state, effects, ended, wait, known)


def K(text, key, state, *effects, ended=False, wait=MINUTE):
    """A turn from a phone that has an application already."""
    return T(text, key, state, *effects, ended=ended, wait=wait, known=True)


def reply_keys(reply: Reply | None) -> str | None:
    if reply is None:
        return None
    return reply.key if reply.then is None else f"{reply.key}+{reply_keys(reply.then)}"


def assert_fits_budget(text: str, lang: str) -> None:
    found = count_segments(text)
    if lang == "fa":
        assert found.segments <= 2, text
    else:
        assert (found.encoding, found.segments) == ("gsm7", 1), text


def run(transcript, flow=FLOW, session=None):
    """Drive the turns through step, checking each, and return the last session."""
    now = T0
    for number, turn in enumerate(transcript, start=1):
        now += turn.wait
        result = step(flow, session, turn.text, now, has_application=turn.known)
        actual = (reply_keys(result.reply), result.session.state, tuple(result.effects))
        expected = (turn.key, turn.state, turn.effects)
        assert actual == expected, f"turn {number}: {turn.text!r}"
        assert result.ended is turn.ended, f"turn {number}: {turn.text!r}"
        assert result.session.updated_at == now
        if result.reply is not None:
            assert_fits_budget(result.reply.render(result.session.lang), result.session.lang)
        session = Session.from_dict(json.loads(json.dumps(result.session.to_dict())))
    return session


# Turns that bring a new dialog to each state.
TO_ASK_ID = [T("وام", "welcome_ask_national_id", "ask_national_id")]
TO_ASK_PENSION = [*TO_ASK_ID, T(NID, "ask_pension_number", "ask_pension_number")]
TO_CONFIRM = [*TO_ASK_PENSION, T(PEN, "confirm", "confirm")]
WAYS_IN = {"start": [], "ask_national_id": TO_ASK_ID, "ask_pension_number": TO_ASK_PENSION,
           "confirm": TO_CONFIRM}  # fmt: skip
PROMPT = {"ask_national_id": "ask_national_id", "ask_pension_number": "ask_pension_number",
          "confirm": "confirm"}  # fmt: skip

CONVERSATIONS = {
    "a_persian_keyword_and_answers_create_an_application": [
        *TO_CONFIRM,
        T("بله", None, "start", CREATE, ended=True),
    ],
    "an_english_keyword_and_latin_answers_create_an_application": [
        T("LOAN", "welcome_ask_national_id", "ask_national_id"),
        T(NID, "ask_pension_number", "ask_pension_number"),
        T(PEN, "confirm", "confirm"),
        T("yes", None, "start", CREATE, ended=True),
    ],
    "plain_text_first_gets_the_welcome": [
        T("سلام", "welcome_ask_national_id", "ask_national_id"),
    ],
    "the_registration_keyword_with_a_zwnj_gets_the_welcome": [
        T("ثبت\u200cنام", "welcome_ask_national_id", "ask_national_id"),
    ],
    "lowercase_reg_gets_the_welcome": [T("reg", "welcome_ask_national_id", "ask_national_id")],
    "persian_digits_are_read_everywhere": [
        *TO_ASK_ID,
        T(NID_FA, "ask_pension_number", "ask_pension_number"),
        T(PEN_FA, "confirm", "confirm"),
        T("۱", None, "start", CREATE, ended=True),
    ],
    "arabic_indic_digits_are_read_everywhere": [
        *TO_ASK_ID,
        T(NID_AR, "ask_pension_number", "ask_pension_number"),
        T("١٢٣٤٥٦", "confirm", "confirm"),
        T("١", None, "start", CREATE, ended=True),
    ],
    "dashes_spaces_and_dots_inside_numbers_are_ignored": [
        *TO_ASK_ID,
        T("۰۰۱-۲۳۴۵۶۷-۹", "ask_pension_number", "ask_pension_number"),
        T("12 34.56", "confirm", "confirm"),
        T("آره", None, "start", CREATE, ended=True),
    ],
    "invisible_marks_around_the_id_are_ignored": [
        *TO_ASK_ID,
        T(f"\u200f{NID}\u200e", "ask_pension_number", "ask_pension_number"),
    ],
    "a_first_message_with_a_national_id_skips_to_the_pension_number": [
        T(NID, "ask_pension_number", "ask_pension_number"),
        T(PEN, "confirm", "confirm"),
        T("ok", None, "start", CREATE, ended=True),
    ],
    "a_keyword_with_a_national_id_skips_to_the_pension_number": [
        T(f"وام {NID_FA}", "ask_pension_number", "ask_pension_number"),
    ],
    "a_first_message_with_both_numbers_goes_straight_to_confirm": [
        T(f"{NID} {PEN}", "confirm", "confirm"),
        T("Y", None, "start", CREATE, ended=True),
    ],
    "both_numbers_on_two_lines_in_persian_go_straight_to_confirm": [
        T(f"کد ملی {NID_FA}\nمستمری {PEN_FA}", "confirm", "confirm"),
        T("بلی", None, "start", CREATE, ended=True),
    ],
    "both_numbers_in_one_answer_to_the_id_question_go_to_confirm": [
        *TO_ASK_ID,
        T(f"{NID}، {PEN}", "confirm", "confirm"),
        T("bale", None, "start", CREATE, ended=True),
    ],
    "a_first_message_with_a_wrong_id_counts_as_a_first_try": [
        T(BAD_NID, "bad_national_id", "ask_national_id"),
        T("123", "bad_national_id", "ask_national_id"),
        T("abc", "too_many_tries", "start", ended=True),
    ],
    "a_first_message_with_a_short_number_gets_the_welcome": [
        T("سلام 70 ساله هستم", "welcome_ask_national_id", "ask_national_id"),
    ],
    "a_nine_digit_id_is_padded_with_a_zero": [
        T("123456789", "ask_pension_number", "ask_pension_number"),
        T(PEN, "confirm", "confirm"),
        T("1", None, "start", CreateApplication(OTHER_NID, PEN), ended=True),
    ],
    "an_eight_digit_id_is_padded_with_two_zeros": [
        *TO_ASK_ID,
        T("12345679", "ask_pension_number", "ask_pension_number"),
        T(PEN, "confirm", "confirm"),
        T("1", None, "start", CREATE, ended=True),
    ],
    "three_wrong_national_ids_end_the_dialog_with_help": [
        *TO_ASK_ID,
        T("12", "bad_national_id", "ask_national_id"),
        T("1111111111", "bad_national_id", "ask_national_id"),
        T(BAD_NID, "too_many_tries", "start", ended=True),
        T("وام", "welcome_ask_national_id", "ask_national_id"),
    ],
    "two_wrong_ids_then_a_right_one_go_on_with_fresh_tries": [
        *TO_ASK_ID,
        T("12", "bad_national_id", "ask_national_id"),
        T("x", "bad_national_id", "ask_national_id"),
        T(NID, "ask_pension_number", "ask_pension_number"),
        T("12", "bad_pension_number", "ask_pension_number"),
        T("x", "bad_pension_number", "ask_pension_number"),
        T(PEN, "confirm", "confirm"),
        T("3", "bad_confirm", "confirm"),
        T("1", None, "start", CREATE, ended=True),
    ],
    "three_wrong_pension_numbers_end_the_dialog": [
        *TO_ASK_PENSION,
        T("123", "bad_pension_number", "ask_pension_number"),
        T("1234567890123", "bad_pension_number", "ask_pension_number"),
        T("12a34", "too_many_tries", "start", ended=True),
    ],
    "the_national_id_again_is_not_a_pension_number": [
        *TO_ASK_PENSION,
        T(NID, "bad_pension_number", "ask_pension_number"),
        T("12345679", "bad_pension_number", "ask_pension_number"),
    ],
    "both_numbers_while_asked_for_the_pension_number_replace_both": [
        *TO_ASK_PENSION,
        T(f"{OTHER_NID} 654321", "confirm", "confirm"),
        T("1", None, "start", CreateApplication(OTHER_NID, "654321"), ended=True),
    ],
    "a_short_id_again_with_the_pension_number_is_read_as_both": [
        *TO_ASK_PENSION,
        T(f"12345679 {PEN}", "confirm", "confirm"),
        T("1", None, "start", CREATE, ended=True),
    ],
    "a_spaced_twelve_digit_pension_number_stays_one_number": [
        *TO_ASK_PENSION,
        T("1234 5678 9012", "confirm", "confirm"),
        T("1", None, "start", CreateApplication(NID, "123456789012"), ended=True),
    ],
    "two_at_confirmation_goes_back_to_the_national_id": [
        *TO_CONFIRM,
        T("2", "ask_national_id", "ask_national_id"),
        T(OTHER_NID, "ask_pension_number", "ask_pension_number"),
        T("9999", "confirm", "confirm"),
        T("1", None, "start", CreateApplication(OTHER_NID, "9999"), ended=True),
    ],
    "persian_no_at_confirmation_goes_back": [
        *TO_CONFIRM,
        T("خیر", "ask_national_id", "ask_national_id"),
        T(f"{NID} {PEN}", "confirm", "confirm"),
        T("نه", "ask_national_id", "ask_national_id"),
    ],
    "finglish_and_english_no_go_back": [
        *TO_CONFIRM,
        T("kheir", "ask_national_id", "ask_national_id"),
        T(f"{NID} {PEN}", "confirm", "confirm"),
        T("N", "ask_national_id", "ask_national_id"),
    ],
    "three_unclear_confirmations_end_the_dialog": [
        *TO_CONFIRM,
        T("3", "bad_confirm", "confirm"),
        T("شاید", "bad_confirm", "confirm"),
        T("12", "too_many_tries", "start", ended=True),
    ],
    "commands_do_not_reset_the_count_of_wrong_tries": [
        *TO_ASK_ID,
        T("12", "bad_national_id", "ask_national_id"),
        T("help", "help", "ask_national_id"),
        T("34", "bad_national_id", "ask_national_id"),
        T("56", "too_many_tries", "start", ended=True),
    ],
    "an_idle_dialog_expires_after_thirty_minutes_and_starts_afresh": [
        *TO_ASK_PENSION,
        T(PEN, "expired_restart", "ask_national_id", wait=30 * MINUTE),
        T(NID, "ask_pension_number", "ask_pension_number"),
        T(PEN, "confirm", "confirm"),
    ],
    "a_dialog_idle_for_29_minutes_goes_on": [
        *TO_ASK_PENSION,
        T(PEN, "confirm", "confirm", wait=29 * MINUTE),
        T("1", None, "start", CREATE, ended=True, wait=29 * MINUTE),
    ],
    "an_expired_confirmation_creates_nothing": [
        *TO_CONFIRM,
        T("1", "expired_restart", "ask_national_id", wait=31 * MINUTE),
    ],
    "an_expired_dialog_still_obeys_a_command": [
        *TO_CONFIRM,
        T("راهنما", "help", "start", wait=45 * MINUTE),
        T("وام", "welcome_ask_national_id", "ask_national_id"),
    ],
    "status_after_expiry_shows_status_from_a_fresh_session": [
        *TO_ASK_PENSION,
        T("وضعیت", None, "start", ShowStatus(None), wait=2 * 60 * MINUTE),
    ],
    "a_session_that_never_started_does_not_expire": [
        T("STOP", "stopped", "start", STOP),
        T("سلام", "welcome_ask_national_id", "ask_national_id", wait=5 * 60 * MINUTE),
    ],
    "english_stays_on_for_the_rest_of_the_dialog": [
        T("EN", "lang_set", "start", EN),
        T("LOAN", "welcome_ask_national_id", "ask_national_id"),
        T(NID, "ask_pension_number", "ask_pension_number"),
        T(PEN, "confirm", "confirm"),
        T("FA", "lang_set+confirm", "confirm", FA),
        T("1", None, "start", CREATE, ended=True),
    ],
    "status_mid_dialog_keeps_the_answers": [
        *TO_ASK_PENSION,
        T("STATUS", None, "ask_pension_number", ShowStatus(None)),
        T(PEN, "confirm", "confirm"),
        T("1", None, "start", CREATE, ended=True),
    ],
    "a_new_dialog_after_an_application_starts_with_the_welcome": [
        *TO_CONFIRM,
        T("1", None, "start", CREATE, ended=True),
        T("پیگیری", None, "start", ShowStatus(None)),
        T("وام", "welcome_ask_national_id", "ask_national_id"),
    ],
    "a_keyword_mid_dialog_is_a_wrong_national_id": [
        *TO_ASK_ID,
        T("وام", "bad_national_id", "ask_national_id"),
    ],
    # A phone with an application: plain text outside a dialog is a question for support.
    "a_question_after_registering_goes_to_support": [
        K("کی پول واریز می‌شود؟", None, "start", SUPPORT),
        K("سلام، جواب ندادید", None, "start", SUPPORT),
    ],
    "a_question_with_a_short_number_goes_to_support": [
        K("من 70 سال دارم، کی نوبتم می‌شود؟", None, "start", SUPPORT),
    ],
    "a_tracking_code_or_a_phone_in_a_question_is_still_a_question": [
        K("کد پیگیری ۱۲۳۴۵۶۷۴ کی پرداخت می‌شود؟", None, "start", SUPPORT),
        K("با 09121234567 تماس بگیرید", None, "start", SUPPORT),
    ],
    "a_national_id_alone_from_a_known_phone_starts_a_registration": [
        K(NID_FA, "ask_pension_number", "ask_pension_number"),
    ],
    "a_mistyped_national_id_from_a_known_phone_gets_the_explanation": [
        K("۰۰۱-۲۳۴۵۶", "bad_national_id", "ask_national_id"),
        K("12", "bad_national_id", "ask_national_id"),
    ],
    "a_short_number_alone_from_a_known_phone_gets_the_welcome": [
        K("5", "welcome_ask_national_id", "ask_national_id"),
    ],
    "a_keyword_from_a_known_phone_still_starts_a_registration": [
        K("وام", "welcome_ask_national_id", "ask_national_id"),
        K("سلام", "bad_national_id", "ask_national_id"),
    ],
    "an_english_keyword_from_a_known_phone_starts_a_registration": [
        K("Register!", "welcome_ask_national_id", "ask_national_id"),
    ],
    "a_national_id_from_a_known_phone_starts_a_registration": [
        K(f"{OTHER_NID} {PEN}", "confirm", "confirm"),
    ],
    "a_command_from_a_known_phone_is_a_command": [
        K("وضعیت", None, "start", ShowStatus(None)),
        K("help", "help", "start"),
        K("STOP", "stopped", "start", STOP),
    ],
    "text_in_an_open_dialog_is_an_answer_not_a_question": [
        K("وام", "welcome_ask_national_id", "ask_national_id"),
        K("یک سوال دارم", "bad_national_id", "ask_national_id"),
        K(NID, "ask_pension_number", "ask_pension_number"),
        K(PEN, "confirm", "confirm"),
        K("چرا؟", "bad_confirm", "confirm"),
    ],
    "a_question_after_the_dialog_expired_goes_to_support": [
        K("وام", "welcome_ask_national_id", "ask_national_id"),
        K("پولم کی میاد؟", None, "start", SUPPORT, wait=31 * MINUTE),
    ],
    "a_question_right_after_the_confirmation_goes_to_support": [
        *TO_CONFIRM,
        T("1", None, "start", CREATE, ended=True),
        K("ممنون", None, "start", SUPPORT),
    ],
    "a_phone_without_an_application_gets_the_welcome_for_a_question": [
        T("کی پول واریز می‌شود؟", "welcome_ask_national_id", "ask_national_id"),
    ],
    "stop_mid_dialog_keeps_the_dialog_going": [
        *TO_ASK_PENSION,
        T("STOP", "stopped", "ask_pension_number", STOP),
        T(PEN, "confirm", "confirm"),
        T("START", "started", "confirm", START),
        T("1", None, "start", CREATE, ended=True),
    ],
}

# Every command in every state: (state, text, reply key, state after, effects, ended).
COMMAND_CASES = []
for _state in WAYS_IN:
    _prompt = PROMPT.get(_state)
    _lang_key = "lang_set" if _prompt is None else f"lang_set+{_prompt}"
    COMMAND_CASES += [
        (_state, "راهنما", "help", _state, (), False),
        (_state, "HELP", "help", _state, (), False),
        (_state, "?", "help", _state, (), False),
        (_state, "لغو", "cancelled", "start", (), True),
        (_state, "Cancel", "cancelled", "start", (), True),
        (_state, "وضعیت", None, _state, (ShowStatus(None),), False),
        (_state, "STATUS 12345674", None, _state, (ShowStatus("12345674"),), False),
        (_state, "پیگیری ۱۲۳۴-۵۶۷۴", None, _state, (ShowStatus("12345674"),), False),
        (_state, "status 12345678", "status_unknown_code", _state, (), False),
        (_state, "EN", _lang_key, _state, (EN,), False),
        (_state, "انگلیسی", _lang_key, _state, (EN,), False),
        (_state, "fa", _lang_key, _state, (FA,), False),
        (_state, "STOP", "stopped", _state, (STOP,), False),
        (_state, "توقف", "stopped", _state, (STOP,), False),
        (_state, "start", "started", _state, (START,), False),
        (_state, "شروع", "started", _state, (START,), False),
    ]


@pytest.mark.parametrize("transcript", CONVERSATIONS.values(), ids=CONVERSATIONS.keys())
def test_each_conversation_gets_the_replies_in_its_transcript(transcript):
    run(transcript)


@pytest.mark.parametrize(("state", "text", "key", "after", "effects", "ended"), COMMAND_CASES)
def test_every_command_works_in_every_state(state, text, key, after, effects, ended):
    run([*WAYS_IN[state], T(text, key, after, *effects, ended=ended)])


def test_a_language_change_replies_and_asks_again_in_the_new_language():
    switch = T("EN", "lang_set+ask_pension_number", "ask_pension_number", EN)
    session = run([*TO_ASK_PENSION, switch])
    assert session.lang == "en"
    result = step(FLOW, session, "x", T0 + 10 * MINUTE)
    assert result.reply.render(result.session.lang).startswith("That pension number")


def test_the_confirmation_shows_both_numbers_in_persian_digits():
    session = run(TO_ASK_PENSION)
    result = step(FLOW, session, PEN, T0 + 10 * MINUTE)
    text = result.reply.render("fa")
    assert NID_FA in text and PEN_FA in text


def test_step_leaves_the_given_session_untouched():
    session = Session(state="ask_national_id", data={"x": "1"}, updated_at=T0)
    before = session.to_dict()
    step(FLOW, session, NID, T0 + MINUTE)
    assert session.to_dict() == before


def test_a_session_from_an_older_flow_starts_afresh():
    old = Session(state="ask_birth_year", lang="en", updated_at=T0)
    result = step(FLOW, old, "hello", T0 + MINUTE)
    assert (result.reply.key, result.session.state, result.session.lang) == (
        "welcome_ask_national_id", "ask_national_id", "en")  # fmt: skip


@pytest.mark.parametrize(
    ("config", "transcript"),
    [
        (RegistrationConfig(max_tries=2), [
            *TO_ASK_ID, T("1", "bad_national_id", "ask_national_id"),
            T("2", "too_many_tries", "start", ended=True)]),
        (RegistrationConfig(idle_timeout=600), [
            *TO_ASK_ID, T(NID, "expired_restart", "ask_national_id", wait=10 * MINUTE)]),
        (RegistrationConfig(idle_timeout=600), [
            *TO_ASK_ID, T(NID, "ask_pension_number", "ask_pension_number", wait=9 * MINUTE)]),
        (RegistrationConfig(pension_min=6, pension_max=8), [
            *TO_ASK_PENSION, T("12345", "bad_pension_number", "ask_pension_number"),
            T("123456789", "bad_pension_number", "ask_pension_number"),
            T("12345678", "confirm", "confirm")]),
    ],
)  # fmt: skip
def test_the_registration_config_sets_tries_timeout_and_pension_length(config, transcript):
    run(transcript, flow=build_registration_flow(config))


def test_every_state_exposes_a_prompt_from_the_catalogue():
    kinds = {name: type(state) for name, state in FLOW.states.items()}
    assert kinds == {"start": Start, "ask_national_id": Ask, "ask_pension_number": Ask,
                     "confirm": Choose, "submit": End}  # fmt: skip
    prompts = [s.prompt for s in FLOW.states.values() if not isinstance(s, End)]
    assert set(prompts) <= KEYS
    errors = [s.error for s in FLOW.states.values() if isinstance(s, Ask | Choose)]
    assert set(errors) <= KEYS


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (Session(state="confirm", lang="en", data={"national_id": NID}, tries=2,
                 updated_at=T0).to_dict(),
         Session(state="confirm", lang="en", data={"national_id": NID}, tries=2,
                 updated_at=T0)),
        ({}, Session()),
        (None, Session()),
        ({"state": "confirm", "future_key": 1}, Session(state="confirm")),
        ({"lang": "de", "tries": "2", "updated_at": "x", "data": [1]}, Session()),
        ({"tries": True, "updated_at": 5}, Session(updated_at=5.0)),
        ({"data": {"national_id": 12}}, Session(data={"national_id": "12"})),
    ],
)  # fmt: skip
def test_session_from_dict_restores_and_tolerates_old_or_bad_keys(raw, expected):
    assert Session.from_dict(raw) == expected


def test_session_to_dict_is_json_safe():
    session = Session(state="confirm", data={"national_id": NID}, updated_at=T0)
    assert Session.from_dict(json.loads(json.dumps(session.to_dict()))) == session


def test_reply_render_joins_a_following_reply_on_a_new_line():
    reply = Reply("lang_set", then=Reply("ask_pension_number"))
    assert reply.render("en") == "Replies are now in English.\nPlease send your pension number."


def test_the_transcripts_hold_at_least_eighty_turns():
    turns = sum(len(t) for t in CONVERSATIONS.values()) + len(COMMAND_CASES)
    assert turns >= 80
