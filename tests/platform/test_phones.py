"""Phone numbers: the fast path for Iranian mobiles answers exactly as phonenumbers does."""

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.platform.phones import MOBILE_TYPES, iranian_mobile, is_allowed_mobile, normalise_phone


def slow_normalise(raw: str) -> str | None:
    raw = raw.strip()
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        number = phonenumbers.parse(raw, "IR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


FORMS = st.sampled_from(["0{}", "+98{}", "0098{}", "{}", "+98 {}", "0{} "])
NATIONAL = st.from_regex(r"9[0-9]{9}", fullmatch=True)


@settings(max_examples=2000)
@given(FORMS, NATIONAL)
def test_the_fast_path_agrees_with_phonenumbers(form, national):
    raw = form.format(national)
    fast = iranian_mobile(raw)
    if fast is not None:
        assert fast == slow_normalise(raw)
        number = phonenumbers.parse(fast, None)
        assert phonenumbers.number_type(number) in MOBILE_TYPES
    assert normalise_phone(raw) == slow_normalise(raw)


def test_common_forms_take_the_fast_path():
    for raw in ("09121234567", "+989121234567", "00989121234567", "9121234567",
                "0912 123 4567", "0912-123-4567"):  # fmt: skip
        assert iranian_mobile(raw) == "+989121234567"
    assert iranian_mobile("۰۹۱۲۱۲۳۴۵۶۷") is None  # Persian digits: phonenumbers reads them
    assert normalise_phone("۰۹۱۲۱۲۳۴۵۶۷") == "+989121234567"
    assert iranian_mobile("02112345678") is None and normalise_phone("02112345678")
    assert is_allowed_mobile("+989121234567", ("IR",)) and not is_allowed_mobile(
        "+982112345678", ("IR",)
    )
