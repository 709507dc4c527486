"""The pensioner registry and the associations it names."""

from __future__ import annotations

import operator
import re
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

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
_COPY_SPECIAL = re.compile(r"[\\\n\r]")
_COPY_WORDS = {None: "\\N", True: "t", False: "f"}


def _copy_line(row: dict) -> str:
    """A pensioner row (without updated_at) in COPY's text format.

    Built by hand: psycopg's write_row adapts each value by its type, a cost a million
    rows feel. Parsed text is one line with single spaces, so escaping is rarely needed
    and is looked for in the joined text."""
    texts = (row["national_id"], row["pension_number"], row["full_name"], row["association_code"])
    line = "\t".join(texts)
    if line.count("\t") != 3 or _COPY_SPECIAL.search(line):
        line = "\t".join([text.translate(_COPY_ESCAPES) for text in texts])
    mobile = row["mobile"]
    mobile = _COPY_WORDS[None] if mobile is None else mobile.translate(_COPY_ESCAPES)
    return f"{line}\t{mobile}\t{_COPY_WORDS[row['eligible']]}\t{_COPY_WORDS[row['prior_loan']]}\n"


class PensionerLoader:
    """Pensioners upserted by national ID a chunk at a time, in file order: of one ID's
    rows the later one wins, within a chunk (only its last row is kept) and across
    chunks (a later chunk's upsert overwrites an earlier one's).

    PostgreSQL: each chunk is COPied into a staging table and upserted from it, all in
    the caller's transaction (`one_transaction`). SQLite: each chunk is one executemany
    of plain tuples (SQLAlchemy's per-row parameter processing would cost more than the
    insert), and the caller commits between chunks so other writers keep going.
    """

    def __init__(self, session: Session):
        self.session = session
        dialect = session.get_bind().dialect
        self.one_transaction = dialect.name == "postgresql"
        self._stamp = Pensioner.__table__.c.updated_at.type.bind_processor(dialect)
        if self.one_transaction:
            session.connection().exec_driver_sql(
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
            params = [(*columns(row), stamp) for row in latest]
            connection.exec_driver_sql(_UPSERT.format(rows=values), params)
            return
        self._copy(connection, "".join(map(_copy_line, latest)))
        staged = f"SELECT {_STAGED}, %(stamp)s FROM pensioners_import"
        connection.exec_driver_sql(_UPSERT.format(rows=staged), {"stamp": stamp})
        connection.exec_driver_sql("TRUNCATE pensioners_import")

    def _copy(self, connection, text: str) -> None:
        """COPY the text into the staging table; a driver error raised as SQLAlchemy's
        (as every other statement's is), so callers handle one kind of database error."""
        dbapi = connection.dialect.loaded_dbapi
        statement = f"COPY pensioners_import ({_STAGED}) FROM STDIN"
        try:
            cursor = connection.connection.dbapi_connection.cursor()
            with cursor, cursor.copy(statement) as copy:
                copy.write(text)
        except dbapi.Error as exc:
            raise DBAPIError.instance(statement, None, exc, dbapi.Error) from None


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
