"""Tables for SMS segment counting (GSM-7 and UCS-2) and the USSD screen size."""

import pytest

from flows.segments import Segments, _unit_costs, _units, count_segments, is_gsm7, ussd_fits

PERSIAN = "س"
EMOJI = "😀"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Segments("gsm7", 0, 1)),
        ("Hello", Segments("gsm7", 5, 1)),
        ("@£$¥èéùìòÇ", Segments("gsm7", 10, 1)),
        ("ΔΦΓΛΩΠΨΣΘΞ", Segments("gsm7", 10, 1)),
        ("line\nbreak", Segments("gsm7", 10, 1)),
        ("€", Segments("gsm7", 2, 1)),
        ("^{}\\[~]|€", Segments("gsm7", 18, 1)),
        ("\f", Segments("gsm7", 2, 1)),
        ("a" * 160, Segments("gsm7", 160, 1)),
        ("a" * 161, Segments("gsm7", 161, 2)),
        ("a" * 159 + "€", Segments("gsm7", 161, 2)),
        ("a" * 158 + "€", Segments("gsm7", 160, 1)),
        ("€" * 80, Segments("gsm7", 160, 1)),
        ("a" * 306, Segments("gsm7", 306, 2)),
        ("a" * 307, Segments("gsm7", 307, 3)),
        ("a" * 152 + "€" + "a" * 152, Segments("gsm7", 306, 3)),
        ("a" * 151 + "€" + "a" * 153, Segments("gsm7", 306, 2)),
        ("é", Segments("gsm7", 1, 1)),
        ("á", Segments("ucs2", 1, 1)),
        ("`", Segments("ucs2", 1, 1)),
        ("ç", Segments("ucs2", 1, 1)),
        (PERSIAN, Segments("ucs2", 1, 1)),
        ("۱۲۳", Segments("ucs2", 3, 1)),
        ("ثبت\u200cنام", Segments("ucs2", 7, 1)),
        (PERSIAN * 70, Segments("ucs2", 70, 1)),
        (PERSIAN * 71, Segments("ucs2", 71, 2)),
        (PERSIAN * 134, Segments("ucs2", 134, 2)),
        (PERSIAN * 135, Segments("ucs2", 135, 3)),
        ("a" * 69 + PERSIAN, Segments("ucs2", 70, 1)),
        ("€" * 70 + PERSIAN, Segments("ucs2", 71, 2)),
        (EMOJI, Segments("ucs2", 2, 1)),
        (EMOJI * 35, Segments("ucs2", 70, 1)),
        (EMOJI * 36, Segments("ucs2", 72, 2)),
        (PERSIAN * 66 + EMOJI + PERSIAN * 66, Segments("ucs2", 134, 3)),
        (PERSIAN * 65 + EMOJI + PERSIAN * 67, Segments("ucs2", 134, 2)),
    ],
)
def test_count_segments_gives_encoding_units_and_segments(text, expected):
    assert count_segments(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("plain ASCII text", True), ("€[]", True), ("سلام", False), ("`", False), ("", True)],
)
def test_is_gsm7_knows_the_default_alphabet_and_extension(text, expected):
    assert is_gsm7(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * 182, True),
        ("a" * 183, False),
        ("€" * 91, True),
        ("€" * 92, False),
        (PERSIAN * 80, True),
        (PERSIAN * 81, False),
        (EMOJI * 40, True),
        (EMOJI * 41, False),
        ("", True),
    ],
)
def test_ussd_fits_one_160_octet_screen(text, expected):
    assert ussd_fits(text) is expected


@pytest.mark.parametrize(
    "text",
    ["", "Hello", "{[€]}~^|\\\f", "کد ملی ۰۰۱۲", "a😀b", "😀" * 40, "\ud800x", "é" * 200 + "€"],
)
@pytest.mark.parametrize("encoding", ["gsm7", "ucs2"])
def test_units_counted_in_c_are_the_sum_of_each_characters_cost(text, encoding):
    assert _units(text, encoding) == sum(_unit_costs(text, encoding))
