"""Tables for the parsers: normalisation, numbers, national IDs, answers, commands."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.parsing import (
    Command,
    digit_groups,
    extract_id_and_pension,
    has_long_number,
    is_valid_tracking_code,
    make_tracking_code,
    national_id_check_digit,
    normalise_text,
    parse_command,
    parse_national_id,
    parse_pension_number,
    parse_yes_no,
    tracking_check_digit,
)

VALID_ID = "0012345679"
ZWNJ, ZWSP, RLM, LRE, PDI, BOM = "\u200c", "\u200b", "\u200f", "\u202a", "\u2069", "\ufeff"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("۰۱۲۳۴۵۶۷۸۹", "0123456789"),
        ("٠١٢٣٤٥٦٧٨٩", "0123456789"),
        ("علي", "علی"),
        ("مصطفى", "مصطفی"),
        ("كد", "کد"),
        (f"1{ZWSP}2{RLM}3{LRE}4{PDI}5{BOM}", "12345"),
        (f"ثبت{ZWNJ}نام", "ثبت نام"),
        ("  وام  ", "وام"),
        ("a \t  b", "a b"),
        ("a\u00a0b", "a b"),
        ("a \n\n  b", "a\nb"),
        ("وامـــ", "وام"),
        ("بَلِه", "بله"),
        ("", ""),
        ("   ", ""),
        ("STOP", "STOP"),
    ],
)
def test_normalise_text_gives_latin_digits_persian_letters_and_no_marks(text, expected):
    assert normalise_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0012345679", ["0012345679"]),
        ("001-234 5678", ["0012345678"]),
        ("001.234.567.9", ["0012345679"]),
        ("۰۰۱-۲۳۴۵۶۷-۹", ["0012345679"]),
        ("001 – 234567 — 9", ["0012345679"]),
        ("0012345679 123456", ["0012345679", "123456"]),
        ("001-234567-9 123456", ["0012345679", "123456"]),
        ("0012345679\n123456", ["0012345679", "123456"]),
        ("0012345679,123456", ["0012345679", "123456"]),
        ("0012345679، 123456", ["0012345679", "123456"]),
        ("کد ملی 0012345679 شماره 123456", ["0012345679", "123456"]),
        ("0012345679 1234 5678", ["0012345679", "12345678"]),
        ("123456789012", ["123456789012"]),
        ("1234 5678 9012", ["12345678", "9012"]),
        ("no numbers", []),
        ("a1b2", ["1", "2"]),
    ],
)
def test_digit_groups_join_separated_runs_up_to_ten_digits(text, expected):
    assert digit_groups(text) == expected


@pytest.mark.parametrize(
    ("first9", "expected"),
    [("001234567", 9), ("012345678", 9), ("123456789", 1), ("000123456", 0), ("498765432", 6)],
)
def test_national_id_check_digit_follows_the_mod_11_rule(first9, expected):
    assert national_id_check_digit(first9) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0012345679", "0012345679"),
        ("0123456789", "0123456789"),
        ("1234567891", "1234567891"),
        ("4987654326", "4987654326"),
        ("0012345678", None),
        ("1234567890", None),
        ("123456789", "0123456789"),
        ("12345679", "0012345679"),
        ("1234567", None),
        ("00123456790", None),
        ("0000000000", None),
        ("1111111111", None),
        ("2222222222", None),
        ("00000000", None),
        ("۰۰۱۲۳۴۵۶۷۹", "0012345679"),
        ("٠٠١٢٣٤٥٦٧٩", "0012345679"),
        ("۰۰۱2345679", "0012345679"),
        ("001 234 5679", "0012345679"),
        ("001-234567-9", "0012345679"),
        ("001.234.567.9", "0012345679"),
        (f"{RLM}001{ZWSP}2345679{BOM}", "0012345679"),
        (f"001{ZWNJ}2345679", "0012345679"),
        ("کد ملی من 0012345679 است", "0012345679"),
        ("0012345679 123456", None),
        ("00123a45679", None),
        ("", None),
        ("سلام", None),
    ],
)
def test_parse_national_id_accepts_only_valid_codes(text, expected):
    assert parse_national_id(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234", "1234"),
        ("123456789012", "123456789012"),
        ("123", None),
        ("1234567890123", None),
        ("۱۲۳۴۵۶", "123456"),
        ("١٢٣٤٥٦", "123456"),
        ("12-34 56", "123456"),
        ("1234 5678 9012", "123456789012"),
        ("شماره مستمری 123456", "123456"),
        ("12a34", None),
        ("", None),
        ("0012345679 123456", None),
    ],
)
def test_parse_pension_number_takes_digits_within_default_length(text, expected):
    assert parse_pension_number(text) == expected


@pytest.mark.parametrize(
    ("text", "min_len", "max_len", "expected"),
    [("123456", 6, 8, "123456"), ("12345", 6, 8, None), ("123456789", 6, 8, None)],
)
def test_parse_pension_number_follows_configured_length(text, min_len, max_len, expected):
    assert parse_pension_number(text, min_len, max_len) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0012345679", ("0012345679", None)),
        ("0012345679 123456", ("0012345679", "123456")),
        ("123456 0012345679", ("0012345679", "123456")),
        ("۰۰۱۲۳۴۵۶۷۹\n۱۲۳۴۵۶", ("0012345679", "123456")),
        ("کد ملی 0012345679 مستمری 123456", ("0012345679", "123456")),
        ("0012345679 12", ("0012345679", None)),
        ("0012345679 1 2", ("0012345679", None)),
        ("0012345679 0012345679", ("0012345679", None)),
        ("0012345678 123456", (None, None)),
        ("hello", (None, None)),
    ],
)
def test_extract_id_and_pension_reads_both_numbers_of_one_message(text, expected):
    assert extract_id_and_pension(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12345678", True), ("1234 5678", True), ("1234567", False), ("سلام", False)],
)
def test_has_long_number_needs_eight_digits(text, expected):
    assert has_long_number(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", True), ("۱", True), ("١", True), ("بله", True), ("بلی", True),
        ("آره", True), ("اره", True), ("yes", True), ("YES", True), ("Y", True),
        ("ok", True), ("OK", True), ("Okay", True), ("bale", True), ("Bale", True),
        (" بله. ", True), ("بله!", True),
        ("2", False), ("۲", False), ("خیر", False), ("نه", False), ("no", False),
        ("No", False), ("n", False), ("N", False), ("kheir", False),
        ("3", None), ("maybe", None), ("", None), ("بله نه", None), ("12", None),
    ],
)  # fmt: skip
def test_parse_yes_no_understands_persian_english_and_finglish(text, expected):
    assert parse_yes_no(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("راهنما", Command("help")),
        ("HELP", Command("help")),
        ("help", Command("help")),
        ("HeLp", Command("help")),
        ("?", Command("help")),
        ("؟", Command("help")),
        ("لغو", Command("cancel")),
        ("CANCEL", Command("cancel")),
        ("cancel", Command("cancel")),
        ("وضعیت", Command("status")),
        ("پیگیری", Command("status")),
        ("STATUS", Command("status")),
        ("status 12345674", Command("status", "12345674")),
        ("وضعیت ۱۲۳۴۵۶۷۴", Command("status", "12345674")),
        ("پیگیری 1234-5674", Command("status", "12345674")),
        ("STATUS 123", Command("status", "123")),
        ("EN", Command("lang", "en")),
        ("en", Command("lang", "en")),
        ("انگلیسی", Command("lang", "en")),
        ("FA", Command("lang", "fa")),
        ("فارسی", Command("lang", "fa")),
        ("STOP", Command("stop")),
        ("stop", Command("stop")),
        ("توقف", Command("stop")),
        ("START", Command("start")),
        ("شروع", Command("start")),
        (f"{RLM}STOP{BOM}", Command("stop")),
        ("  help  ", Command("help")),
        ("please help", None),
        ("help me", None),
        ("STOP now", None),
        ("وضعیت درخواست من", None),
        ("STATUS abc", None),
        ("EN 1", None),
        ("وام", None),
        ("1", None),
        ("", None),
    ],
)
def test_parse_command_reads_a_whole_message_as_a_command(text, expected):
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("first7", "expected"),
    [("7992739", 8), ("1234567", 4), ("0000001", 8), ("5555555", 1), ("0000000", 0)],
)
def test_tracking_check_digit_is_luhn(first7, expected):
    assert tracking_check_digit(first7) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("79927398", True), ("12345674", True), ("00000018", True),
        ("79927397", False), ("12345678", False), ("1234567", False),
        ("123456740", False), ("1234567a", False), ("۱۲۳۴۵۶۷۴", False), ("", False),
    ],
)  # fmt: skip
def test_is_valid_tracking_code_needs_eight_digits_and_luhn(code, expected):
    assert is_valid_tracking_code(code) is expected


def test_make_tracking_code_appends_the_check_digit():
    assert make_tracking_code("1234567") == "12345674"


@pytest.mark.parametrize("bad", ["123456", "12345678", "abcdefg"])
def test_make_tracking_code_refuses_anything_but_seven_digits(bad):
    with pytest.raises(ValueError):
        make_tracking_code(bad)


nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


@given(nine_digits.filter(lambda s: len(set(s)) > 1))
def test_any_nine_digits_with_their_check_digit_are_accepted(first9):
    code = first9 + str(national_id_check_digit(first9))
    assert parse_national_id(code) == code


@given(nine_digits)
def test_a_wrong_check_digit_is_always_refused(first9):
    wrong = (national_id_check_digit(first9) + 1) % 10
    assert parse_national_id(first9 + str(wrong)) is None


@given(st.text())
def test_normalise_text_never_raises_and_is_idempotent(text):
    once = normalise_text(text)
    assert normalise_text(once) == once


@given(st.text(alphabet="0123456789", min_size=7, max_size=7))
def test_every_made_tracking_code_is_valid(first7):
    code = make_tracking_code(first7)
    assert is_valid_tracking_code(code)
    assert not is_valid_tracking_code(code[:7] + str((int(code[7]) + 1) % 10))
