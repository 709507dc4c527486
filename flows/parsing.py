"""Parsers for what pensioners type: digits in any script, national IDs, answers."""

import operator
import re
from dataclasses import dataclass

from flows import digits
from flows.tracking import is_valid_tracking_code, make_tracking_code, tracking_check_digit

__all__ = [
    "Command",
    "digit_groups",
    "extract_id_and_pension",
    "has_long_number",
    "is_valid_tracking_code",
    "make_tracking_code",
    "national_id_check_digit",
    "normalise_text",
    "parse_command",
    "parse_national_id",
    "parse_pension_number",
    "parse_yes_no",
    "read_single_number",
    "tracking_check_digit",
]

# Persian (U+06F0..) and Arabic-Indic (U+0660..) digits to Latin; Arabic yeh/kaf to
# Persian; zero-width, direction and bidi marks, tatweel and short-vowel marks dropped.
# ZWNJ (U+200C) becomes a space, so "ثبت‌نام" and "ثبت نام" read the same and a ZWNJ
# typed inside a number acts like a space (which digit_groups ignores).
_DROPPED = (
    "\u200b\u200d\u200e\u200f\u2066\u2067\u2068\u2069"
    "\u202a\u202b\u202c\u202d\u202e\ufeff\u0640" + "".join(chr(c) for c in range(0x064B, 0x0653))
)
_TABLE = str.maketrans(
    digits.PERSIAN + digits.ARABIC_INDIC + "يىك\u200c",
    digits.LATIN * 2 + "ییک ",
    _DROPPED,
)
_SPACE_RUN = re.compile(r"\s+")
# Anything normalise_text would change besides runs of spaces: a fast path skips it.
_LINE_BREAKS = "\n\r\v\f\x1c-\x1e\x85\u2028\u2029"
_NEEDS_TABLE = re.compile("[" + re.escape("".join(map(chr, _TABLE))) + _LINE_BREAKS + "]")
# Characters that may sit inside one number: spaces, dots, dashes (any dash), and the
# Arabic decimal / thousands separators.
_JOINER = " .\\-\u2010-\u2015\u2212\u066b\u066c"
_NUMBER_CHUNK = re.compile(rf"[0-9](?:[{_JOINER}]*[0-9])*")
_DIGIT_RUN = re.compile(r"[0-9]+")
_ONLY_DIGITS = re.compile(r"[0-9]+")
_DIGITS_AND_JOINERS = re.compile(rf"[0-9{_JOINER}\n]+")
_JOINED_MAX = 10
_CHECK_WEIGHTS = tuple(range(10, 1, -1))

YES_WORDS = frozenset({"1", "بله", "بلی", "آره", "اره", "yes", "y", "ok", "okay", "bale"})
NO_WORDS = frozenset({"2", "خیر", "نه", "no", "n", "kheir", "na"})
_ANSWER_PUNCTUATION = " .!,،؛;"


def normalise_text(text: str) -> str:
    """Latin digits, Persian letters, no invisible marks, single spaces, trimmed."""
    if not _NEEDS_TABLE.search(text):
        return " ".join(text.split())  # one line, nothing to translate: spaces only
    text = text.translate(_TABLE)
    lines = [_SPACE_RUN.sub(" ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def digit_groups(text: str) -> list[str]:
    """Numbers in the text; separators inside a number are ignored (see rule below).

    A chunk is a stretch of digits joined by spaces, dots or dashes on one line;
    anything else (letters, commas, slashes, a new line) ends it. Inside a chunk the
    digit runs are joined left to right while the joined number stays at most 10
    digits (a national ID), so "001-234567-8" is one number and "0012345678 123456"
    is two. A single run longer than 10 digits is never split.
    """
    groups: list[str] = []
    for chunk in _NUMBER_CHUNK.findall(normalise_text(text)):
        current = ""
        for run in _DIGIT_RUN.findall(chunk):
            if current and len(current) + len(run) > _JOINED_MAX:
                groups.append(current)
                current = ""
            current += run
        groups.append(current)
    return groups


def read_single_number(text: str) -> str | None:
    """The one number in a message: all its digits if it holds nothing else."""
    text = normalise_text(text)
    squeezed = re.sub(rf"[{_JOINER}\n]", "", text)
    if _ONLY_DIGITS.fullmatch(squeezed):
        return squeezed
    groups = digit_groups(text)
    return groups[0] if len(groups) == 1 else None


def national_id_check_digit(first9: str) -> int:
    """Check digit of an Iranian national ID (کد ملی) from its first nine Latin digits.

    On the digits' code points (48 is "0"; the weights 10..2 sum to 54): a registry
    import checks a million of them."""
    total = sum(map(operator.mul, first9.encode("ascii"), _CHECK_WEIGHTS)) - 48 * 54
    remainder = total % 11
    return remainder if remainder < 2 else 11 - remainder


def parse_national_id(text: str) -> str | None:
    """A valid 10-digit national ID; 8 or 9 digits are left-padded with zeros."""
    number = read_single_number(text)
    if number is None or not 8 <= len(number) <= 10:
        return None
    number = number.zfill(10)
    if len(set(number)) == 1:
        return None
    if national_id_check_digit(number[:9]) != int(number[9]):
        return None
    return number


def parse_pension_number(text: str, min_len: int = 4, max_len: int = 12) -> str | None:
    """A pension number: only digits, between min_len and max_len of them."""
    number = read_single_number(text)
    if number is None or not min_len <= len(number) <= max_len:
        return None
    return number


def extract_id_and_pension(
    text: str, min_len: int = 4, max_len: int = 12
) -> tuple[str | None, str | None]:
    """A national ID and, if one more number follows or precedes it, a pension number."""
    national_id = parse_national_id(text)
    if national_id is not None:
        return national_id, None
    groups = digit_groups(text)
    for index, group in enumerate(groups):
        national_id = parse_national_id(group)
        if national_id is None:
            continue
        others = groups[:index] + groups[index + 1 :]
        pension = None
        if len(others) == 1:
            pension = parse_pension_number(others[0], min_len, max_len)
        return national_id, pension if pension != national_id else None
    return None, None


def parse_yes_no(text: str) -> bool | None:
    """True for a yes (1, بله, آره, yes, ok ...), False for a no (2, خیر, نه, no ...)."""
    word = normalise_text(text).strip(_ANSWER_PUNCTUATION).casefold()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    return None


def has_long_number(text: str, min_digits: int = 8) -> bool:
    """Whether the message holds a number of at least min_digits digits."""
    return any(len(group) >= min_digits for group in digit_groups(text))


@dataclass(frozen=True)
class Command:
    """A command typed at any point: name is help/cancel/status/lang/stop/start."""

    name: str
    arg: str | None = None


COMMAND_WORDS = {
    "help": "help", "?": "help", "؟": "help", "راهنما": "help", "rahnama": "help",
    "cancel": "cancel", "لغو": "cancel", "laghv": "cancel",
    "status": "status", "وضعیت": "status", "پیگیری": "status",
    "vaziat": "status", "peygiri": "status",
    "en": "lang:en", "english": "lang:en", "انگلیسی": "lang:en",
    "fa": "lang:fa", "farsi": "lang:fa", "فارسی": "lang:fa",
    "stop": "stop", "توقف": "stop",
    "start": "start", "شروع": "start",
}  # fmt: skip


def parse_command(text: str) -> Command | None:
    """The command a whole message is (status may carry a tracking code), or None."""
    head, _, rest = normalise_text(text).partition(" ")
    meaning = COMMAND_WORDS.get(head.casefold().strip(_ANSWER_PUNCTUATION))
    if meaning is None:
        return None
    if meaning.startswith("lang:"):
        return None if rest else Command("lang", meaning[5:])
    if not rest:
        return Command(meaning)
    if meaning != "status":
        return None
    if not _DIGITS_AND_JOINERS.fullmatch(rest):
        return None
    return Command("status", read_single_number(rest))
