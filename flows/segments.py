"""SMS segment and USSD screen arithmetic (GSM 03.38 default alphabet or UCS-2)."""

from dataclasses import dataclass

# GSM 03.38 default alphabet (without the escape code 0x1B itself) and the characters
# of its extension table, which cost an escape plus one septet each.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
GSM7 = GSM7_BASIC | GSM7_EXTENSION

SINGLE_LIMIT = {"gsm7": 160, "ucs2": 70}
MULTIPART_LIMIT = {"gsm7": 153, "ucs2": 67}
USSD_LIMIT = {"gsm7": 182, "ucs2": 80}


@dataclass(frozen=True)
class Segments:
    """How a text is sent: its encoding, its length in units and its SMS count."""

    encoding: str
    units: int
    segments: int


def is_gsm7(text: str) -> bool:
    """Whether every character of text is in the GSM-7 alphabet or its extension."""
    return GSM7.issuperset(text)


def _units(text: str, encoding: str) -> int:
    """The sum of _unit_costs, counted without a Python loop over the characters (every
    message and reply is counted)."""
    if encoding == "gsm7":
        return len(text) + sum(map(GSM7_EXTENSION.__contains__, text))
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _unit_costs(text: str, encoding: str) -> list[int]:
    if encoding == "gsm7":
        return [2 if c in GSM7_EXTENSION else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


def _pack(costs: list[int], per_segment: int) -> int:
    # An escape pair or a surrogate pair is never split across two segments.
    segments, used = 1, 0
    for cost in costs:
        if used + cost > per_segment:
            segments, used = segments + 1, 0
        used += cost
    return segments


def count_segments(text: str) -> Segments:
    """Encoding, units (septets or UTF-16 units) and SMS segments needed for text."""
    encoding = "gsm7" if is_gsm7(text) else "ucs2"
    units = _units(text, encoding)
    if units <= SINGLE_LIMIT[encoding]:
        return Segments(encoding, units, 1)
    return Segments(encoding, units, _pack(_unit_costs(text, encoding), MULTIPART_LIMIT[encoding]))


def ussd_fits(text: str) -> bool:
    """Whether text fits one 160-octet USSD screen (182 GSM-7 or 80 UCS-2 units)."""
    found = count_segments(text)
    return found.units <= USSD_LIMIT[found.encoding]
