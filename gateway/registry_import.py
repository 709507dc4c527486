"""Staff CSV files in: streamed row by row, each bad row reported by line; the registry import."""

from __future__ import annotations

import csv
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from flows.parsing import normalise_text, parse_national_id, parse_pension_number
from gateway.db import Database
from gateway.models import utcnow
from gateway.phones import normalise_phone
from gateway.store import registry as store

REGISTRY_COLUMNS = (
    "national_id", "pension_number", "full_name", "association_code",
    "mobile", "eligible", "prior_loan",
)  # fmt: skip
TRUE_WORDS = frozenset({"1", "true", "yes"})
FALSE_WORDS = frozenset({"0", "false", "no"})
CHUNK_ROWS = 20_000
SHOWN_REJECTS = 20


class FileError(ValueError):
    """The file as a whole cannot be read (missing, or a wrong header)."""


class RowError(ValueError):
    """Why one row of a staff file cannot be imported."""


class RejectLog:
    """Rejected rows to a CSV file (line, reason, then the row's own columns); the first kept."""

    def __init__(self, path: Path, keep: int = SHOWN_REJECTS):
        self.path, self.keep = Path(path), keep
        self.count, self.first = 0, []
        self._file = self._writer = None

    def start(self, header: list[str]) -> None:
        self._file = open(self.path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
        self._writer = csv.writer(self._file)
        self._writer.writerow(["line", "reason", *header])

    def add(self, line: int, reason: str, values: list[str]) -> None:
        self.count += 1
        if len(self.first) < self.keep:
            self.first.append((line, reason))
        self._writer.writerow([line, reason, *values])

    def __enter__(self) -> RejectLog:
        return self

    def __exit__(self, *_exc) -> None:
        if self._file is not None:
            self._file.close()


def checked_rows(
    path: Path,
    columns: tuple[str, ...],
    parse: Callable[[dict], dict],
    rejects: RejectLog,
    progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[int, list[str], dict]]:
    """(line, values, parsed row) of each good row of a staff CSV (UTF-8, BOM or not).

    Bad rows go to `rejects` with their line (the header is line 1; a row spanning lines
    counts from its first) and the reason; blank lines are skipped.
    """
    if Path(path).resolve() == rejects.path.resolve():
        raise FileError("the rejects file must not be the file being imported")
    try:
        handle = open(path, encoding="utf-8-sig", errors="replace", newline="")  # noqa: SIM115
    except OSError as exc:
        raise FileError(f"cannot read {path}: {exc.strerror}") from None
    with handle:
        reader = csv.reader(handle)
        header = [name.strip() for name in next(reader, [])]
        if sorted(header) != sorted(columns):
            raise FileError(f"line 1: the header must be {','.join(columns)}")
        rejects.start(header)
        last_line = reader.line_num
        while True:
            try:
                values = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                rejects.add(last_line + 1, f"unreadable CSV: {exc}", [])
                last_line = reader.line_num
                continue
            line, last_line = last_line + 1, reader.line_num
            if progress and line % 1000 == 0:
                progress(handle.buffer.tell())
            if not values:
                continue
            try:
                yield line, values, parse(_named(header, values))
            except RowError as exc:
                rejects.add(line, str(exc), values)
        if progress:
            progress(handle.buffer.tell())


def _named(header: list[str], values: list[str]) -> dict:
    if len(values) != len(header):
        raise RowError(f"expected {len(header)} columns, found {len(values)}")
    if any("\ufffd" in value for value in values):
        raise RowError("not UTF-8 text")
    return dict(zip(header, values, strict=True))


def parse_flag(text: str, default: bool) -> bool:
    """`1/0`, `true/false`, `yes/no` in any case; empty means the default."""
    word = normalise_text(text).casefold()
    if not word:
        return default
    if word in TRUE_WORDS or word in FALSE_WORDS:
        return word in TRUE_WORDS
    raise RowError(f"{text!r} is not 1/0, true/false or yes/no")


def parse_fields(values: dict, parsers: dict[str, Callable[[str], object]]) -> dict:
    """Each column through its parser; one RowError naming every bad field."""
    row, errors = {}, []
    for name, parse in parsers.items():
        try:
            row[name] = parse(values[name])
        except RowError as exc:
            errors.append(f"{name}: {exc}")
    if errors:
        raise RowError("; ".join(errors))
    return row


def required_text(text: str, max_length: int = 200) -> str:
    """Normalised text (Latin digits, Persian letters, single spaces, one line); never empty."""
    value = " ".join(normalise_text(text).split())
    if not value:
        raise RowError("missing")
    if len(value) > max_length:
        raise RowError(f"longer than {max_length} characters")
    return value


def parse_registry_row(
    values: dict, associations: set[str], pension_digits: tuple[int, int] = (4, 12)
) -> dict:
    """One registry row -> a pensioner's columns; RowError names every bad field."""
    return parse_fields(
        values,
        {
            "national_id": _parse_national_id,
            "pension_number": functools.partial(_parse_pension_number, digits=pension_digits),
            "full_name": required_text,
            "association_code": functools.partial(parse_association, known=associations),
            "mobile": _parse_mobile,
            "eligible": functools.partial(parse_flag, default=True),
            "prior_loan": functools.partial(parse_flag, default=False),
        },
    )


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


def parse_association(text: str, known: set[str]) -> str:
    code = required_text(text, max_length=16)
    if code not in known:
        raise RowError(f"no association {code!r}")
    return code


def _parse_mobile(text: str) -> str | None:
    text = normalise_text(text)
    if not text:
        return None
    phone = normalise_phone(text)
    if phone is None:
        raise RowError(f"{text!r} is not a phone number")
    return phone


@dataclass(frozen=True)
class ImportReport:
    """What an import did: rows imported, rows rejected (the first few with line and reason)."""

    imported: int
    rejected: int
    first_rejects: list[tuple[int, str]]
    rejects_path: Path


def import_registry(
    database: Database,
    path: Path,
    rejects_path: Path,
    *,
    strict: bool = False,
    pension_digits: tuple[int, int] = (4, 12),
    progress: Callable[[int], None] | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> ImportReport:
    """Upsert the registry file by national ID; with `strict`, nothing when any row is bad.

    Strict mode checks the whole file first (a pass with no writes), so memory stays flat
    and nothing is written unless every row is good. A national ID twice in one file:
    the later row wins, as if the file had been imported in two parts.
    """
    with database.session() as session:
        parse = functools.partial(
            parse_registry_row,
            associations=store.association_codes(session),
            pension_digits=pension_digits,
        )
    offset = 0
    if strict:
        with RejectLog(rejects_path) as rejects:
            for _checked in checked_rows(path, REGISTRY_COLUMNS, parse, rejects, progress):
                pass
        if rejects.count:
            return ImportReport(0, rejects.count, rejects.first, rejects.path)
        offset = path.stat().st_size
    moved = (lambda position: progress(offset + position)) if progress else None
    imported = 0
    with RejectLog(rejects_path) as rejects, database.session(write=True) as session:
        checked = checked_rows(path, REGISTRY_COLUMNS, parse, rejects, moved)
        rows = (row for _line, _values, row in checked)
        while chunk := list(islice(rows, chunk_rows)):
            now = utcnow()
            for row in chunk:
                row["updated_at"] = now
            store.upsert_pensioners(session, chunk)
            session.commit()  # short write transactions: SQLite writers elsewhere keep going
            imported += len(chunk)
    return ImportReport(imported, rejects.count, rejects.first, rejects.path)
