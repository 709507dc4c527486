"""Tracking codes (کد پیگیری): 8 digits, the last a Luhn check digit."""

import re

_EIGHT_DIGITS = re.compile(r"[0-9]{8}")


def tracking_check_digit(first7: str) -> int:
    """Luhn check digit for the first seven digits of a tracking code."""
    total = 0
    for position, char in enumerate(reversed(first7)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def make_tracking_code(first7: str) -> str:
    """The 8-digit tracking code: first7 followed by its Luhn check digit."""
    if not re.fullmatch(r"[0-9]{7}", first7):
        raise ValueError("a tracking code starts with exactly 7 digits")
    return first7 + str(tracking_check_digit(first7))


def is_valid_tracking_code(code: str) -> bool:
    """Whether code is 8 Latin digits whose last digit is the Luhn check digit."""
    if not _EIGHT_DIGITS.fullmatch(code):
        return False
    return tracking_check_digit(code[:7]) == int(code[7])
