"""Masks for personal data: national IDs, pension numbers, names and phones never go out whole."""

from __future__ import annotations

import re

# A phone in E.164 or a long digit run (national IDs, pension numbers, Iranian mobiles).
_PHONE = re.compile(r"\+\d{8,15}")
_DIGITS = re.compile(r"(?<![\d*])\d{6,}(?![\d*])")


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
    """Mask every phone and long digit run in free text (a safety net for log lines)."""
    text = _PHONE.sub(lambda m: mask_phone(m.group()), text)
    return _DIGITS.sub(lambda m: mask_digits(m.group()), text)
