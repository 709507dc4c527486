"""Phone numbers: every number through `phonenumbers`, stored in E.164."""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


def normalise_phone(raw: str | None, region: str = "IR") -> str | None:
    """E.164 for any common format (`0912…`, `912…`, `+98 912…`, `0098912…`), else None."""
    if not raw:
        return None
    raw = raw.strip()
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        number = phonenumbers.parse(raw, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_allowed_mobile(e164: str, countries: tuple[str, ...]) -> bool:
    """True for a mobile number of one of the allowed countries (ISO codes such as IR)."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return False
    return (
        phonenumbers.region_code_for_number(number) in countries
        and phonenumbers.number_type(number) in MOBILE_TYPES
    )
