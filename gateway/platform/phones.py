"""Phone numbers: every number through `phonenumbers`, stored in E.164.

The common Iranian mobile forms (`0912…`, `+98912…`, `0098912…`, `912…`, with spaces or
dashes) take a fast path that uses phonenumbers' own pattern for Iranian mobiles, so it
answers exactly as phonenumbers does (a test holds the two to it); every other form goes
through phonenumbers itself. Webhooks and the registry import read millions of these.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
_IR_FORMS = re.compile(r"(?:\+98|0098|0)?(9[0-9]{9})")
_SEPARATORS = re.compile(r"[ \-]")
_IR_MOBILE = re.compile(
    phonenumbers.PhoneMetadata.metadata_for_region("IR").mobile.national_number_pattern
)


def iranian_mobile(raw: str) -> str | None:
    """E.164 of an Iranian mobile written in a common form, or None (try phonenumbers)."""
    raw = raw.strip()
    if " " in raw or "-" in raw:
        raw = _SEPARATORS.sub("", raw)
    found = _IR_FORMS.fullmatch(raw)
    if found is None or not _IR_MOBILE.fullmatch(found.group(1)):
        return None
    return "+98" + found.group(1)


def normalise_phone(raw: str | None, region: str = "IR") -> str | None:
    """E.164 for any common format (`0912…`, `912…`, `+98 912…`, `0098912…`), else None."""
    if not raw:
        return None
    if region == "IR" and (fast := iranian_mobile(raw)):
        return fast
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
    if "IR" in countries and iranian_mobile(e164):
        return True
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return False
    return (
        phonenumbers.region_code_for_number(number) in countries
        and phonenumbers.number_type(number) in MOBILE_TYPES
    )
