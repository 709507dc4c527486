"""Digits in every script pensioners and staff type, and Persian digits for what they read."""

LATIN = "0123456789"
PERSIAN = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"
TO_LATIN = str.maketrans(PERSIAN + ARABIC_INDIC, LATIN * 2)
TO_PERSIAN = str.maketrans(LATIN, PERSIAN)


def latin_digits(text: str) -> str:
    """`۰۹۱۲` and `٠٩١٢` -> `0912`; everything else unchanged."""
    return text.translate(TO_LATIN)


def persian_digits(text: str) -> str:
    """`1404/09/08` -> `۱۴۰۴/۰۹/۰۸`; everything else unchanged."""
    return text.translate(TO_PERSIAN)
