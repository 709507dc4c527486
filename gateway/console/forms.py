"""Reading the console's filter and edit forms: typed values, or a short message per field."""

from __future__ import annotations

from datetime import timedelta

from flows.digits import latin_digits
from flows.parsing import normalise_text, parse_national_id, read_single_number
from flows.tracking import is_valid_tracking_code
from gateway.console.i18n import t
from gateway.platform import services
from gateway.platform.dates import parse_programme_datetime
from gateway.platform.phones import normalise_phone
from gateway.store.models import REASONS, STATUSES
from gateway.store.registrations import RegistrationFilters, Search

MAX_SEARCH = 60


class FormError(ValueError):
    """A field that cannot be read; the message is for the page."""


MAX_ID = 2**31 - 1  # row ids are 32-bit integers: anything above names no row


def record_id(text: str | None) -> int | None:
    """A row id from a form or a query (any digits), or None when it cannot name a row."""
    text = latin_digits((text or "").strip())
    if not text.isdigit() or len(text) > 10 or not 0 < int(text) <= MAX_ID:
        return None
    return int(text)


def whole_number(text: str | None, field: str, minimum: int = 0) -> int | None:
    """Persian, Arabic or Latin digits -> int; empty -> None."""
    text = latin_digits((text or "").strip())
    if not text:
        return None
    if not text.isdigit() or int(text) < minimum or len(text) > 9:
        raise FormError(t("form.bad_number", field=t(field)))
    return int(text)


def programme_moment(text: str | None, field: str, end_of_day: bool = False):
    """A date (Gregorian or Jalali, optional time) in programme time -> UTC; empty -> None."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        moment = parse_programme_datetime(text, services.settings().TIMEZONE)
    except ValueError:
        raise FormError(t("form.bad_date", field=t(field))) from None
    has_time = "T" in text or " " in text
    return moment + timedelta(days=1) if end_of_day and not has_time else moment


def choice(text: str | None, allowed, field: str) -> str | None:
    text = (text or "").strip()
    if not text:
        return None
    if text not in allowed:
        raise FormError(t("form.bad_choice", field=t(field)))
    return text


def read_fields(args, readers: dict) -> tuple[dict, list[str]]:
    """Each field read by its reader; a bad one is left out and its message collected."""
    values, errors = {}, []
    for name, read in readers.items():
        try:
            values[name] = read(args.get(name))
        except FormError as exc:
            errors.append(str(exc))
    return values, errors


def search_text(text: str | None) -> Search | None:
    """What a search box holds, in any digit script: a tracking code, a national ID, a
    phone (any format) or part of a name; a number may be more than one of them."""
    text = normalise_text(text or "")[:MAX_SEARCH]
    if not text:
        return None
    number = read_single_number(text)
    if number is None and normalise_phone(text):
        return Search(phone=normalise_phone(text))
    if number is None:
        if any(c.isdigit() for c in text):
            raise FormError(t("form.bad_search"))
        return Search(name=text)
    found = Search(
        tracking_code=number if is_valid_tracking_code(number) else None,
        national_id=parse_national_id(number),
        phone=normalise_phone(number) if len(number) > 9 else None,
    )
    if not (found.tracking_code or found.national_id or found.phone):
        raise FormError(t("form.bad_search"))
    return found


def registration_filters(args, scope: str | None) -> tuple[RegistrationFilters, list[str]]:
    """Filters from a query string; bad fields are left out and named in the messages."""
    readers = {
        "search": lambda v: search_text(v),
        "association": lambda v: (v or "").strip()[:16] or None,
        "phase": lambda v: whole_number(v, "field.phase", 1),
        "status": lambda v: choice(v, STATUSES, "field.status"),
        "reason": lambda v: choice(v, REASONS, "field.reason"),
        "since": lambda v: programme_moment(v, "field.since"),
        "until": lambda v: programme_moment(v, "field.until", end_of_day=True),
    }
    values, errors = read_fields({**args, "search": args.get("q")}, readers)
    if scope is not None:
        values["association"] = scope  # staff of an association see only theirs
    return RegistrationFilters(**values), errors
