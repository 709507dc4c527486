"""Masks for personal data: national IDs, pension numbers, names and phones never go out whole.

mask_text is the last pass over every log line and every stored error: whatever a field
mask missed (a number quoted in an exception, a name in a database error) is masked here.
"""

from __future__ import annotations

import re

# A digit in any script pensioners type (Latin, Persian, Arabic-Indic).
_D = r"[0-9\u06f0-\u06f9\u0660-\u0669]"
# A phone in E.164 or a long digit run (national IDs, pension numbers, Iranian mobiles).
_PHONE = re.compile(r"\+\d{8,15}")
# A `*` next to one is no boundary to respect: a USSD request's text joins the pensioner's
# inputs with it (`1*0012345678`), and a mask's own stars leave only short runs behind.
_DIGITS = re.compile(rf"(?<!\d){_D}{{6,}}(?!\d)")
# Digits with spaces, dots or dashes between groups, as people type them: `001-234-5679`,
# `0912 123 4567`. An ISO date (2026-11-29) is not one.
_SEPARATED = re.compile(rf"(?<!\d){_D}{{2,}}(?:[ .\-]{_D}{{2,}})+(?!\d)")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Numbers after the dialog's own labels, however short (a 4-digit pension number).
_LABELLED = re.compile(
    rf"(?i)(pension[_ ]?(?:number|no)|national[_ ]?id|کد\s*ملی|شماره\s*مستمری)"
    rf"([^0-9\u06f0-\u06f9\u0660-\u0669]{{0,3}})({_D}(?:[ .\-]?{_D})*)(?![\d*])"
)
# Words in Arabic script: in English log lines they can only be names or typed text.
_ARABIC_WORD = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]+")


def mask_phone(phone: str | None) -> str:
    """`+989121234567` -> `+98912****567`."""
    if not phone:
        return ""
    if len(phone) < 9:
        return "*" * len(phone)
    return phone[:6] + "*" * (len(phone) - 9) + phone[-3:]


def mask_digits(value: str | None) -> str:
    """`0012345678` -> `00******78`: the first and last two digits stay."""
    if not value:
        return ""
    if len(value) <= 4:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


def mask_name(name: str | None) -> str:
    """`علی رضایی` -> `ع*** ر***`: the first letter of each word."""
    if not name:
        return ""
    return " ".join(word[0] + "***" for word in name.split())


def mask_text(text: str) -> str:
    """Mask every phone, labelled or long number and Arabic-script word in free text."""
    return _ARABIC_WORD.sub(lambda m: m.group()[0] + "***", mask_numbers(text))


def mask_numbers(text: str) -> str:
    """Mask every phone and labelled or long number in free text, and leave the words (a
    pensioner's question stays readable without the numbers that identify them)."""
    text = _LABELLED.sub(lambda m: m[1] + m[2] + "*" * len(m[3]), text)
    text = _SEPARATED.sub(_mask_separated, text)
    text = _PHONE.sub(lambda m: mask_phone(m.group()), text)
    return _DIGITS.sub(lambda m: mask_digits(m.group()), text)


def _mask_separated(match: re.Match) -> str:
    found = match.group()
    digits = sum(ch.isdigit() for ch in found)
    if digits < 7 or _ISO_DATE.fullmatch(found):
        return found
    return found[:2] + re.sub(r"\d", "*", found[2:-2]) + found[-2:]
