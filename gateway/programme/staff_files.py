"""Staff CSV files in: streamed row by row, each bad row reported by its line and reason."""

from __future__ import annotations

import csv
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flows.parsing import normalise_text
from gateway.store.audit import add_audit_event

TRUE_WORDS = frozenset({"1", "true", "yes"})
FALSE_WORDS = frozenset({"0", "false", "no"})
SHOWN_REJECTS = 20
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_UNREADABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")  # or a byte not UTF-8


class FileError(ValueError):
    """The file as a whole cannot be read (missing, or a wrong header)."""


class RowError(ValueError):
    """Why one row of a staff file cannot be imported."""


class RejectLog:
    """Rejected rows to a CSV file (line, reason, then the row's own columns); the first
    few kept to show, and every reason counted by its kind (values left out)."""

    def __init__(self, path: Path, keep: int = SHOWN_REJECTS):
        self.path, self.keep = Path(path), keep
        self.count, self.first = 0, []
        self.kinds: Counter[str] = Counter()
        self._file = self._writer = None

    def start(self, header: list[str]) -> None:
        self._file = open(self.path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
        self._writer = csv.writer(self._file)
        self._writer.writerow(["line", "reason", *header])

    def add(self, line: int, reason: str, values: list[str]) -> None:
        self.count += 1
        self.kinds[reason_kind(reason)] += 1
        if len(self.first) < self.keep:
            self.first.append((line, reason))
        self._writer.writerow([line, reason, *values])

    def most_common(self) -> tuple[str, int] | None:
        """The most frequent kind of reason and how many rows had it."""
        found = self.kinds.most_common(1)
        return found[0] if found else None

    def report(self, imported: int, **more) -> ImportReport:
        return ImportReport(
            imported, self.count, self.first, self.path, top_reason=self.most_common(), **more
        )

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
    joined = "".join(values)
    if _UNREADABLE.search(joined):  # one scan for both; which one, only when found
        if "\ufffd" in joined:
            raise RowError("not UTF-8 text")
        raise RowError("a control character (such as NUL) in the text")
    return dict(zip(header, values, strict=False))  # lengths checked above


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


@dataclass(frozen=True)
class ImportReport:
    """What an import did: rows imported, rows rejected (the first few with line and
    reason, and the most frequent kind of reason), and what else it has to tell: the
    (association, phase) quotas it raised, and the association codes it named that no
    quotas file has named yet, with their row counts (a typo shows up here); `unchanged`
    counts good rows that found their change made already (a file imported again)."""

    imported: int
    rejected: int
    first_rejects: list[tuple[int, str]]
    rejects_path: Path
    top_reason: tuple[str, int] | None = None
    raised: list[tuple[str, int]] = field(default_factory=list)
    unnamed: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0


def reason_kind(reason: str) -> str:
    """A reject reason without the row's own values, so that reasons can be counted:
    `national_id: '123' is not ...` -> `national_id: '…' is not ...`."""
    return re.sub(r"'[^']*'", "'…'", reason)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def record_import(session, actor: str, kind: str, path: Path, report: ImportReport) -> None:
    """The audit trail of a staff file: who, the file's name and SHA-256, what it did."""
    add_audit_event(
        session, actor, f"{kind}.import", Path(path).name,
        sha256=file_sha256(path), imported=report.imported, rejected=report.rejected,
        unchanged=report.unchanged, raised=len(report.raised),
        unnamed_codes=sorted(report.unnamed),
    )  # fmt: skip
