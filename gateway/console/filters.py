"""Jinja filters of the console: Jalali dates, Persian digits, masked personal data."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask

from flows.digits import persian_digits
from gateway.console.i18n import current_lang
from gateway.platform import services
from gateway.platform.dates import iso_utc, jalali_datetime
from gateway.platform.masking import mask_digits, mask_name, mask_phone


def digits(value) -> str:
    """The value as text, with Persian digits in the Persian view."""
    text = "" if value is None else str(value)
    return persian_digits(text) if current_lang() == "fa" else text


def jalali(moment: datetime | None) -> str:
    """`۱۴۰۵/۰۹/۰۴ ۰۸:۳۰`: a moment in the programme time zone, Jalali calendar."""
    if moment is None:
        return "-"
    return digits(jalali_datetime(moment, services.settings().TIMEZONE))


def jalali_input(moment: datetime | None) -> str:
    """`1405-09-04 08:30`: a moment as a Jalali form value (Latin digits), programme time."""
    if moment is None:
        return ""
    date, time = jalali_datetime(moment, services.settings().TIMEZONE).split()
    return f"{date.replace('/', '-')} {time}"


def association_name(code: str | None) -> str:
    """`تهران (۰۸)`: an association's name with its code (names read once per request)."""
    from gateway.console.session import request_state
    from gateway.store.registry import associations

    if not code:
        return "-"
    state = request_state()
    if "associations" not in state:
        session = services.request_session()
        state["associations"] = {a.code: a.name for a in associations(session)}
    name = state["associations"].get(code)
    return f"{name} ({digits(code)})" if name else digits(code)


def jalali_last_day(closes: datetime | None) -> str:
    """A phase's close as the form shows it: `1405-09-30` (that day included) when it
    closes at midnight programme time, else the exact moment `1405-09-30 18:00`."""
    if closes is None:
        return ""
    value = jalali_input(closes)
    if value.endswith(" 00:00"):
        return jalali_input(closes - timedelta(days=1))[: -len(" 00:00")]
    return value


def register_filters(app: Flask) -> None:
    """Make the filters (and the label helpers) available to every template."""
    from gateway.console.labels import audit_details, history_detail, label

    app.jinja_env.globals.update(
        association_name=association_name,
        label=label,
        history_detail=history_detail,
        audit_details=audit_details,
    )
    app.jinja_env.filters.update(
        jalali=jalali,
        iso_utc=iso_utc,
        jalali_input=jalali_input,
        jalali_last_day=jalali_last_day,
        digits=digits,
        mask_nid=mask_digits,
        mask_phone=mask_phone,
        mask_name=mask_name,
    )
