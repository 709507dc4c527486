"""The pensioner registry and the associations it names."""

from __future__ import annotations

import operator
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.platform.db import as_sqlalchemy_error
from gateway.store import insert_missing
from gateway.store.models import Association, Pensioner

PENSIONER_COLUMNS = (
    "national_id", "pension_number", "full_name", "association_code",
    "mobile", "eligible", "prior_loan", "updated_at",
)  # fmt: skip
_UPDATED = ", ".join(f"{c} = EXCLUDED.{c}" for c in PENSIONER_COLUMNS[1:])
_COLUMN_LIST = ", ".join(PENSIONER_COLUMNS)


def get_pensioner(session: Session, national_id: str) -> Pensioner | None:
    return session.get(Pensioner, national_id)


def count_pensioners(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Pensioner)) or 0


def sample_pensioner(session: Session) -> Pensioner | None:
    """An eligible pensioner with no prior loan, for the "how to try it" hint."""
    stmt = (
        select(Pensioner)
        .where(Pensioner.eligible.is_(True), Pensioner.prior_loan.is_(False))
        .order_by(Pensioner.national_id)
        .limit(1)
    )
    return session.scalar(stmt)


def association_codes(session: Session) -> set[str]:
    return set(session.scalars(select(Association.code)))


def add_associations(session: Session, codes) -> None:
    """Create the associations of these codes that do not exist yet, without a name."""
    rows = [{"code": code, "name": None} for code in codes]
    insert_missing(session, Association, rows, ["code"])


def unnamed_codes(session: Session, codes) -> set[str]:
    """Which of these association codes have no name yet (no quotas file named them)."""
    stmt = select(Association.code).where(
        Association.code.in_(list(codes)), Association.name.is_(None)
    )
    return set(session.scalars(stmt))


_UPSERT = (
    f"INSERT INTO pensioners ({_COLUMN_LIST}) {{rows}} "
    f"ON CONFLICT (national_id) DO UPDATE SET {_UPDATED}"
)
_STAGED = ", ".join(PENSIONER_COLUMNS[:-1])
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_WORDS = {None: "\\N", True: "t", False: "f"}


def copy_text(rows, tail: str = "\n") -> str:
    """Pensioner rows in COPY's text format, each line ending in `tail`.

    Built by hand, all lines at once: psycopg's write_row adapts each value by its type,
    a cost a million rows feel. Parsed text is one line with single spaces, so escaping
    is rarely needed: the lines are joined as they are, and only when the whole text
    holds more tabs, line ends or backslashes than its columns, rows and NULLs (`\\N`)
    make, or a CR, are they built again from escaped fields."""
    rows = list(rows)
    text = _copy_lines(rows, tail)
    tabs, nulls = (6 + tail.count("\t")) * len(rows), sum(row["mobile"] is None for row in rows)
    if (text.count("\t"), text.count("\n"), text.count("\\")) == (tabs, len(rows), nulls) and (
        "\r" not in text
    ):
        return text
    return _copy_lines([_escaped(row) for row in rows], tail)


def _copy_lines(rows: list[dict], tail: str) -> str:
    words = _COPY_WORDS
    return "".join(
        [
            f"{r['national_id']}\t{r['pension_number']}\t{r['full_name']}\t{r['association_code']}"
            f"\t{words[None] if r['mobile'] is None else r['mobile']}\t{words[r['eligible']]}"
            f"\t{words[r['prior_loan']]}{tail}"
            for r in rows
        ]
    )


def _escaped(row: dict) -> dict:
    texts = ("national_id", "pension_number", "full_name", "association_code", "mobile")
    return {**row, **{k: row[k].translate(_COPY_ESCAPES) for k in texts if row[k] is not None}}


# Registry imports take turns (PostgreSQL): a first import COPies its chunks straight in.
IMPORT_LOCK = 0x5E61_5791


class PensionerLoader:
    """Pensioners upserted by national ID a chunk at a time, in file order: of one ID's
    rows the later one wins, within a chunk (only its last row is kept) and across
    chunks (a later chunk's upsert overwrites an earlier one's).

    PostgreSQL: all in the caller's transaction (`one_transaction`), one import at a
    time (an advisory lock held to its end). Into a registry empty at the start, each
    chunk is COPied straight into the table, with no upsert's conflict check per row,
    until one holds an ID an earlier chunk wrote: that chunk (its savepoint rolled back)
    and the rest - like every chunk of an import into a registry that holds rows - are
    COPied into a staging table and upserted from it. SQLite: each chunk is one
    executemany of plain tuples (SQLAlchemy's per-row parameter processing would cost
    more than the insert), and the caller commits between chunks so other writers keep
    going.
    """

    def __init__(self, session: Session):
        self.session = session
        dialect = session.get_bind().dialect
        self.one_transaction = dialect.name == "postgresql"
        self._stamp = Pensioner.__table__.c.updated_at.type.bind_processor(dialect)
        self._straight_in = False
        if self.one_transaction:
            connection = session.connection()
            connection.exec_driver_sql(
                "SELECT pg_advisory_xact_lock(%(key)s)", {"key": IMPORT_LOCK}
            )
            empty = connection.exec_driver_sql("SELECT NOT EXISTS (SELECT FROM pensioners)")
            self._straight_in = empty.scalar()
            connection.exec_driver_sql(
                f"CREATE TEMP TABLE pensioners_import ON COMMIT DROP AS "
                f"SELECT {_STAGED} FROM pensioners WITH NO DATA"
            )

    def add(self, rows: list[dict], updated_at: datetime) -> None:
        """Upsert these rows, each stamped `updated_at`."""
        latest = {row["national_id"]: row for row in rows}.values()
        stamp = self._stamp(updated_at)
        connection = self.session.connection()
        if not self.one_transaction:
            values = f"VALUES ({', '.join('?' * len(PENSIONER_COLUMNS))})"
            columns = operator.itemgetter(*PENSIONER_COLUMNS[:-1])
            stamp = stamp.isoformat(" ")  # the text sqlite3 stores for it, made once, not per row
            params = [(*columns(row), stamp) for row in latest]
            connection.exec_driver_sql(_UPSERT.format(rows=values), params)
            return
        if self._straight_in and self._copied_in(connection, latest, updated_at):
            return
        self._copy(connection, "pensioners_import", _STAGED, copy_text(latest))
        staged = f"SELECT {_STAGED}, %(stamp)s FROM pensioners_import"
        connection.exec_driver_sql(_UPSERT.format(rows=staged), {"stamp": stamp})
        connection.exec_driver_sql("TRUNCATE pensioners_import")

    def _copied_in(self, connection, rows, updated_at: datetime) -> bool:
        """COPY the rows straight into the table; False (nothing written, and upserts
        from now on) when one holds an ID an earlier chunk wrote."""
        text = copy_text(rows, f"\t{updated_at.astimezone(UTC).isoformat()}\n")
        try:
            with self.session.begin_nested():  # its SAVEPOINT goes out with connection()
                self._copy(self.session.connection(), "pensioners", _COLUMN_LIST, text)
        except IntegrityError as exc:
            if not isinstance(exc.orig, connection.dialect.loaded_dbapi.errors.UniqueViolation):
                raise
            self._straight_in = False
            return False
        return True

    def _copy(self, connection, table: str, columns: str, text: str) -> None:
        """COPY the text into the table; a driver error raised as SQLAlchemy's (as every
        other statement's is), so callers handle one kind of database error."""
        dbapi = connection.dialect.loaded_dbapi
        statement = f"COPY {table} ({columns}) FROM STDIN"
        try:
            cursor = connection.connection.dbapi_connection.cursor()
            with cursor, cursor.copy(statement) as copy:
                copy.write(text)
        except dbapi.Error as exc:
            raise as_sqlalchemy_error(exc, connection.dialect, statement) from None


def save_association_name(session: Session, code: str, name: str | None) -> Association | None:
    """Create or rename an association; without a name only an existing one is returned."""
    association = session.get(Association, code)
    if association is None and name:
        association = Association(code=code, name=name)
        session.add(association)
    elif association is not None and name:
        association.name = name
    return association


def pensioners_per_association(session: Session) -> list[tuple[str, str | None, int]]:
    """(code, name, pensioners) of every association, by code."""
    counts = (
        select(Pensioner.association_code, func.count().label("n"))
        .group_by(Pensioner.association_code)
        .subquery()
    )
    stmt = (
        select(Association.code, Association.name, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.association_code == Association.code)
        .order_by(Association.code)
    )
    return [(code, name, int(n)) for code, name, n in session.execute(stmt)]


def associations(session: Session, scope: str | None = None) -> list[Association]:
    stmt = select(Association).order_by(Association.code)
    if scope is not None:
        stmt = stmt.where(Association.code == scope)
    return list(session.scalars(stmt))
