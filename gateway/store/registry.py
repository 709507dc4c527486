"""The pensioner registry and the associations it names."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.store import dialect_insert, insert_missing
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


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_WORDS = {None: "\\N", True: "t", False: "f"}


def _copy_line(row: dict, number: int) -> str:
    """A pensioner row in COPY's text format, its line number last (psycopg's write_row
    adapts each value by its type, a cost a million rows feel)."""
    fields = [
        _COPY_WORDS[value] if value is None or value is True or value is False
        else str(value).translate(_COPY_ESCAPES)
        for value in map(row.__getitem__, PENSIONER_COLUMNS)
    ]  # fmt: skip
    fields.append(str(number))
    return "\t".join(fields) + "\n"


class PensionerLoader:
    """Pensioners upserted by national ID as chunks of a file arrive; of one ID's rows the
    later one wins, within a chunk and across chunks.

    PostgreSQL: each chunk is COPied into one staging table and a single set-based upsert
    runs at the end, all in the caller's transaction. SQLite: each chunk is upserted at
    once, and the caller commits between chunks so other writers keep going.
    """

    def __init__(self, session: Session):
        self.session = session
        self.staged = session.get_bind().dialect.name == "postgresql"
        self.seen = 0
        if self.staged:
            session.connection().exec_driver_sql(
                "CREATE TEMP TABLE pensioners_import "
                "(LIKE pensioners INCLUDING DEFAULTS, line bigint) ON COMMIT DROP"
            )

    def add(self, rows: list[dict]) -> None:
        if not self.staged:
            latest = list({row["national_id"]: row for row in rows}.values())
            stmt = dialect_insert(self.session, Pensioner.__table__)
            updates = {c: stmt.excluded[c] for c in PENSIONER_COLUMNS[1:]}
            stmt = stmt.on_conflict_do_update(index_elements=["national_id"], set_=updates)
            self.session.connection().execute(stmt, latest)
            return
        cursor = self.session.connection().connection.dbapi_connection.cursor()
        with cursor.copy(f"COPY pensioners_import ({_COLUMN_LIST}, line) FROM STDIN") as copy:
            copy.write("".join(map(_copy_line, rows, range(self.seen, self.seen + len(rows)))))
        self.seen += len(rows)

    def finish(self) -> None:
        if self.staged:
            self.session.connection().exec_driver_sql(
                f"INSERT INTO pensioners ({_COLUMN_LIST}) "
                f"SELECT DISTINCT ON (national_id) {_COLUMN_LIST} FROM pensioners_import "
                f"ORDER BY national_id, line DESC "
                f"ON CONFLICT (national_id) DO UPDATE SET {_UPDATED}"
            )


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
