"""Reply catalogues (fa, en) and render(): what pensioners read, filled in and localised."""

from flows.digits import persian_digits
from flows.messages import en, fa

CATALOGUES: dict[str, dict[str, str]] = {"fa": fa.CATALOGUE, "en": en.CATALOGUE}
LANGUAGES = tuple(CATALOGUES)
DEFAULT_LANGUAGE = "fa"
KEYS: frozenset[str] = frozenset(fa.CATALOGUE)
# The ready answers the support inbox offers staff, in catalogue order (prefix `canned_`).
CANNED_REPLY_KEYS: tuple[str, ...] = tuple(key for key in fa.CATALOGUE if key.startswith("canned_"))
# A staff note put into an SMS (the reason of a cancel) is cut to this many characters.
NOTE_MAX_CHARS = 60


def _longest(lang: str, prefix: str) -> str:
    words = [text for key, text in CATALOGUES[lang].items() if key.startswith(prefix)]
    return max(words, key=len)


def _same_in_every_language(value: str) -> dict[str, str]:
    return {lang: value for lang in LANGUAGES}


# The longest value each placeholder can take, per language (status and reason are
# words from the catalogue itself). The catalogue size test renders every key with these.
PLACEHOLDER_LONGEST: dict[str, dict[str, str]] = {
    "tracking_code": _same_in_every_language("12345678"),
    "national_id": _same_in_every_language("0012345678"),
    "pension_number": _same_in_every_language("123456789012"),
    "position": _same_in_every_language("400000"),
    "limit": _same_in_every_language("99"),
    "date": _same_in_every_language("1404/12/29"),
    "phase": _same_in_every_language("99"),
    "note": {"fa": "ب" * NOTE_MAX_CHARS, "en": "x" * NOTE_MAX_CHARS},
    "status": {lang: _longest(lang, "status_word_") for lang in LANGUAGES},
    "reason": {lang: _longest(lang, "reason_") for lang in LANGUAGES},
}


def longest_params(lang: str) -> dict[str, str]:
    """Every placeholder filled with its longest value in lang."""
    return {name: values[lang] for name, values in PLACEHOLDER_LONGEST.items()}


def render(key: str, lang: str, *, medium: str = "sms", **params: object) -> str:
    """The text of key in lang (fa when unknown), with Persian digits in Persian.

    On another medium (`ussd`) a shorter form `ussd_<key>` is used where the catalogue has one.
    """
    if lang not in CATALOGUES:
        lang = DEFAULT_LANGUAGE
    catalogue = CATALOGUES[lang]
    key = f"{medium}_{key}" if f"{medium}_{key}" in catalogue else key
    text = catalogue[key].format(**params)
    if lang == "fa":
        text = persian_digits(text)
    return text
