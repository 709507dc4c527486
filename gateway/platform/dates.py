"""Dates and times: UTC now, ISO 8601 UTC text, the programme time zone, Jalali (شمسی)."""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import jdatetime

from flows.digits import latin_digits

_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ](\d{1,2}):(\d{2}))?$")
JALALI_YEARS_BELOW = 1700  # 1404 is Jalali, 2025 is Gregorian


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso_utc(moment: datetime | None) -> str:
    """`2026-11-25T08:30:00Z`, or empty for None (isoformat: strftime is 3x slower, and
    an export formats two per row)."""
    if moment is None:
        return ""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="seconds")[:19] + "Z"


def parse_programme_datetime(text: str, timezone: str) -> datetime:
    """`2026-01-20`, `2026-01-20T08:30` or Jalali `1404-11-01[T08:30]` (programme time) -> UTC.

    Raises ValueError with a short reason for anything else.
    """
    match = _DATE.match(latin_digits(text.strip()))
    if not match:
        raise ValueError(f"{text!r} is not a date like 2026-01-20, 2026-01-20T08:30 or 1404-11-01")
    year, month, day, hour, minute = (int(g) if g else 0 for g in match.groups())
    try:
        if year < JALALI_YEARS_BELOW:
            local = jdatetime.datetime(year, month, day, hour, minute).togregorian()
        else:
            local = datetime(year, month, day, hour, minute)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid date: {exc}") from None
    return local.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def parse_moment(text: str, timezone: str) -> datetime:
    """A moment as files give it -> UTC: ISO 8601 (`2026-11-25T08:30:00Z`, with an offset,
    or without one in programme time), or what parse_programme_datetime reads (Jalali
    `1404/09/04 12:00` included). Raises ValueError with a short reason."""
    text = latin_digits(text.strip())
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return parse_programme_datetime(text, timezone)
    if moment.year < JALALI_YEARS_BELOW:
        return parse_programme_datetime(text, timezone)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment.astimezone(UTC)


def jalali_date(moment: datetime, timezone: str) -> str:
    """`1404/09/01`: the Jalali date of a moment in the programme time zone."""
    return jalali_of_day(moment.astimezone(_zone(timezone)).date())


def jalali_datetime(moment: datetime, timezone: str) -> str:
    """`1404/09/01 08:30`: as the export's created_at_jalali column."""
    local = moment.astimezone(_zone(timezone))
    return f"{jalali_of_day(local.date())} {local.hour:02d}:{local.minute:02d}"


@functools.lru_cache(maxsize=4096)
def jalali_of_day(day: date) -> str:
    """A Gregorian day in Jalali, `1404/09/01` (an export's 400,000 rows fall on a few
    hundred days)."""
    return jdatetime.date.fromgregorian(date=day).strftime("%Y/%m/%d")


@functools.lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
