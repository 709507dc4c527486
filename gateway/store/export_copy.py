"""The bank export's CSV rows made by PostgreSQL itself (`COPY (SELECT …) TO STDOUT`).

The server formats every cell (formula escaping, ISO UTC times, the Jalali column) on its
own core while this process only moves bytes: at 400,000 rows that is what keeps the
export within a few times a plain csv write. The bytes must be the Python path's, exactly
(the CSV is the bank's contract): empty text is sent as NULL, because COPY writes a
non-NULL empty string as `""` where csv.writer writes nothing; rows end in `\\n`, which
the caller makes `\\r\\n` row by row (a quoted cell may hold a newline of its own).
Both quote exactly the cells holding the delimiter, a quote, CR or LF (PostgreSQL also a
lone `\\.`, but only in a row of one column). The local times come from PostgreSQL's time
zone rules, which must be the same tz database release as Python's (both the system's).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    ARRAY,
    Date,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import Grouping

from gateway.store.models import Application
from gateway.store.registrations import RegistrationFilters, export_columns, registration_query

ISO_UTC = 'YYYY-MM-DD"T"HH24:MI:SS"Z"'  # as iso_utc() writes it


@dataclass(frozen=True)
class FormulaRule:
    """Text a spreadsheet would run: starting with one of `starts`, unless the whole text
    matches `kept` (a regular expression, `\\d` meaning any Unicode decimal digit as in
    Python's re, PostgreSQL's own `\\d` being ASCII or locale-bound)."""

    starts: tuple[str, ...]
    kept: str


def local_day_span(session: Session, timezone: str) -> tuple[date, date] | None:
    """The first and last day (in the programme time zone) of any application, or None.

    All applications, not only an export's: the filters may match other rows by the time
    the export's own statement runs."""
    day = cast(func.timezone(timezone, Application.created_at), Date)
    first, last = session.execute(select(func.min(day), func.max(day))).one()
    return None if first is None else (first, last)


def copy_export_csv(
    session: Session,
    filters: RegistrationFilters,
    rule: FormulaRule,
    timezone: str,
    jalali_days: tuple[date, list[str]],
) -> Iterator[bytes]:
    """The export's rows as COPY writes them (one `\\n`-ended row each, application order).

    `jalali_days`: the first local day and the Jalali text of each day from it on, which
    covers every row's day (local_day_span); the column is that text and the local time.
    """
    first, day_texts = jalali_days
    stored = export_columns()
    created, decided = stored[11:]
    local = func.timezone(timezone, created)
    offset = cast(local, Date) - cast(literal(first), Date) + 1
    days = bindparam("jalali_days", day_texts, ARRAY(Text))
    jalali = type_coerce(Grouping(days), ARRAY(Text))[offset]  # (…)[i]: a subscript
    columns = [
        *(_escaped(column, rule) for column in stored[:6]),
        stored[6],  # the phase, a number
        *(_escaped(column, rule) for column in stored[7:11]),
        func.to_char(func.timezone("UTC", created), ISO_UTC),
        func.to_char(func.timezone("UTC", decided), ISO_UTC),
        jalali + func.to_char(local, " HH24:MI"),
    ]
    stmt = registration_query(select(*columns), filters, None).order_by(Application.id)
    compiled = stmt.compile(bind=session.get_bind(), compile_kwargs={"render_postcompile": True})
    connection = session.connection().connection.dbapi_connection
    with connection.cursor() as cursor:
        # The bytes COPY sends must be UTF-8. The sort by id holds every row at once, and
        # spilled to disk (4 MB, the default) it costs a third of the statement's time.
        # One statement reads the whole export (where batches were one statement each),
        # so DATABASE_STATEMENT_TIMEOUT_MS, meant for requests and jobs, would cut a big one.
        cursor.execute("SET LOCAL client_encoding TO 'UTF8'")
        cursor.execute("SET LOCAL work_mem TO '64MB'")
        cursor.execute("SET LOCAL statement_timeout TO 0")
        # COPY takes no server-side parameters: psycopg binds them into the text itself.
        with cursor.copy(f"COPY ({compiled}) TO STDOUT (FORMAT csv)", compiled.params) as copy:
            yield from copy


def _escaped(column, rule: FormulaRule):
    """`'` before text that starts like a formula, NULL for empty text (ascii() of which
    is 0): the first character compared as a number, the cheapest test per cell."""
    first = func.ascii(column)
    runs = and_(
        first.in_([ord(start) for start in rule.starts]),
        column.regexp_match(_posix(rule)).is_(False),
    )
    return case((runs, literal("'") + column), (first > 0, column))


def _posix(rule: FormulaRule) -> str:
    return "^" + rule.kept.replace(r"\d", f"[{_decimal_digits()}]") + "$"


@functools.cache
def _decimal_digits() -> str:
    """Every Unicode decimal digit (category Nd, Python's `\\d`) as bracket ranges."""
    ranges: list[list[int]] = []
    for code in range(sys.maxunicode + 1):
        if chr(code).isdecimal():
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return "".join(f"{chr(a)}-{chr(b)}" for a, b in ranges)
