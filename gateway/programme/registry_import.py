"""The pensioner registry file (spec 3.7): upsert by national ID, in chunks, memory flat."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from itertools import islice
from pathlib import Path

from sqlalchemy.orm import Session

from flows.parsing import (
    national_id_check_digit,
    normalise_text,
    parse_national_id,
    parse_pension_number,
)
from gateway.platform.dates import utcnow
from gateway.platform.db import Database
from gateway.platform.phones import iranian_mobile, normalise_phone
from gateway.platform.writer_thread import WriterThread
from gateway.programme.staff_files import (
    ImportReport,
    RejectLog,
    RowError,
    checked_rows,
    parse_fields,
    parse_flag,
    record_import,
    required_text,
)
from gateway.store import registry as store

REGISTRY_COLUMNS = (
    "national_id", "pension_number", "full_name", "association_code",
    "mobile", "eligible", "prior_loan",
)  # fmt: skip
CHUNK_ROWS = 20_000


def parse_registry_row(values: dict, pension_digits: tuple[int, int] = (4, 12)) -> dict:
    """One registry row -> a pensioner's columns; RowError names every bad field.

    A row as the organisation's files mostly hold it (Latin digits, a common mobile form)
    is read by a fast path; any other goes through the full parsers, which also word
    the reasons.
    """
    fast = _plain_row(values, pension_digits)
    if fast is not None:
        return fast
    return parse_fields(
        values,
        {
            "national_id": _parse_national_id,
            "pension_number": functools.partial(_parse_pension_number, digits=pension_digits),
            "full_name": required_text,
            "association_code": functools.partial(required_text, max_length=16),
            "mobile": _parse_mobile,
            "eligible": functools.partial(parse_flag, default=True),
            "prior_loan": functools.partial(parse_flag, default=False),
        },
    )


_FLAGS = {"": None, "1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


def _plain_row(values: dict, digits: tuple[int, int]) -> dict | None:
    """The row's columns when every field is in its plain form; None for the full parsers."""
    national_id, pension = values["national_id"].strip(), values["pension_number"].strip()
    if not (len(national_id) == 10 and national_id.isascii() and national_id.isdigit()):
        return None
    if national_id == national_id[0] * 10:  # one digit ten times passes the check digit
        return None
    if national_id_check_digit(national_id[:9]) != int(national_id[9]):
        return None
    if not (digits[0] <= len(pension) <= digits[1] and pension.isascii() and pension.isdigit()):
        return None
    name = " ".join(normalise_text(values["full_name"]).split())
    code = " ".join(normalise_text(values["association_code"]).split())
    if not name or len(name) > 200 or not code or len(code) > 16:
        return None
    mobile = values["mobile"].strip()
    if mobile and (mobile := iranian_mobile(mobile)) is None:
        return None
    eligible = _FLAGS.get(values["eligible"].strip().lower(), "bad")
    prior_loan = _FLAGS.get(values["prior_loan"].strip().lower(), "bad")
    if eligible == "bad" or prior_loan == "bad":
        return None
    return {
        "national_id": national_id, "pension_number": pension, "full_name": name,
        "association_code": code, "mobile": mobile or None,
        "eligible": True if eligible is None else eligible,
        "prior_loan": False if prior_loan is None else prior_loan,
    }  # fmt: skip


def _parse_national_id(text: str) -> str:
    national_id = parse_national_id(required_text(text))
    if national_id is None:
        raise RowError(f"{text.strip()!r} is not a valid national ID (10 digits, check digit)")
    return national_id


def _parse_pension_number(text: str, digits: tuple[int, int]) -> str:
    number = parse_pension_number(required_text(text), *digits)
    if number is None:
        raise RowError(f"{text.strip()!r} is not {digits[0]} to {digits[1]} digits")
    return number


def _parse_mobile(text: str) -> str | None:
    text = normalise_text(text)
    if not text:
        return None
    phone = normalise_phone(text)
    if phone is None:
        raise RowError(f"{text!r} is not a phone number")
    return phone


def import_registry(
    database: Database,
    path: Path,
    rejects_path: Path,
    actor: str,
    *,
    strict: bool = False,
    pension_digits: tuple[int, int] = (4, 12),
    progress: Callable[[int], None] | None = None,
    chunk_rows: int | None = None,
) -> ImportReport:
    """Upsert the registry file by national ID; with `strict`, nothing when any row is bad.

    Strict mode checks the whole file first (a pass with no writes), so memory stays flat
    and nothing is written unless every row is good. A national ID twice in one file:
    the later row wins, as if the file had been imported in two parts. An association
    code no quotas file has named yet is created by its code alone (the file may come
    first) and reported with its row count.
    """
    parse = functools.partial(parse_registry_row, pension_digits=pension_digits)
    offset = 0
    if strict:
        with RejectLog(rejects_path) as rejects:
            for _checked in checked_rows(path, REGISTRY_COLUMNS, parse, rejects, progress):
                pass
        if rejects.count:
            return _recorded(database, actor, path, rejects.report(0))
        offset = path.stat().st_size
    moved = (lambda position: progress(offset + position)) if progress else None
    imported, per_code = 0, Counter()
    with RejectLog(rejects_path) as rejects, database.session(write=True) as session:
        checked = checked_rows(path, REGISTRY_COLUMNS, parse, rejects, moved)
        rows = (row for _line, _values, row in checked)
        with WriterThread(_chunk_writer(session)) as writer:
            while chunk := list(islice(rows, chunk_rows or CHUNK_ROWS)):
                codes = Counter(row["association_code"] for row in chunk)
                writer.put((chunk, codes))
                imported += len(chunk)
                per_code.update(codes)
        unnamed = store.unnamed_codes(session, per_code)
    report = rejects.report(imported, unnamed={code: per_code[code] for code in sorted(unnamed)})
    return _recorded(database, actor, path, report)


def _chunk_writer(session: Session) -> Callable[[tuple[list[dict], Counter]], None]:
    """What the writer thread does with each chunk, while the next one is parsed: its
    associations first (a pensioner's foreign key), then its pensioners; on SQLite a
    commit after each chunk (short write transactions: other writers keep going), on
    PostgreSQL one transaction for the whole file, committed by the caller."""
    loader = store.PensionerLoader(session)

    def write(item: tuple[list[dict], Counter]) -> None:
        chunk, codes = item
        store.add_associations(session, codes)
        loader.add(chunk, utcnow())
        if not loader.one_transaction:
            session.commit()

    return write


def _recorded(database: Database, actor: str, path: Path, report: ImportReport) -> ImportReport:
    with database.session(write=True) as session:
        record_import(session, actor, "registry", path, report)
    return report
