"""The programme's reference data: the pensioner registry, associations, phases, quotas."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from gateway.models import Association, Pensioner, Phase, Quota

PENSIONER_COLUMNS = (
    "national_id", "pension_number", "full_name", "association_code",
    "mobile", "eligible", "prior_loan", "updated_at",
)  # fmt: skip
_UPDATED = ", ".join(f"{c} = EXCLUDED.{c}" for c in PENSIONER_COLUMNS[1:])
_COLUMN_LIST = ", ".join(PENSIONER_COLUMNS)


def association_codes(session: Session) -> set[str]:
    return set(session.scalars(select(Association.code)))


def upsert_pensioners(session: Session, rows: list[dict]) -> int:
    """Insert or update pensioners by national ID; of one ID's rows the later one wins."""
    latest = list({row["national_id"]: row for row in rows}.values())
    if session.get_bind().dialect.name == "postgresql":
        _copy_pensioners(session, latest)
    else:
        stmt = sqlite_insert(Pensioner.__table__)
        updates = {c: stmt.excluded[c] for c in PENSIONER_COLUMNS[1:]}
        stmt = stmt.on_conflict_do_update(index_elements=["national_id"], set_=updates)
        session.connection().execute(stmt, latest)
    return len(latest)


def _copy_pensioners(session: Session, rows: list[dict]) -> None:
    """PostgreSQL: COPY into a temporary table, then one INSERT ... ON CONFLICT."""
    conn = session.connection()
    conn.exec_driver_sql(
        "CREATE TEMP TABLE pensioners_import (LIKE pensioners INCLUDING DEFAULTS) ON COMMIT DROP"
    )
    cursor = conn.connection.dbapi_connection.cursor()
    with cursor.copy(f"COPY pensioners_import ({_COLUMN_LIST}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in PENSIONER_COLUMNS])
    conn.exec_driver_sql(
        f"INSERT INTO pensioners ({_COLUMN_LIST}) SELECT {_COLUMN_LIST} FROM pensioners_import "
        f"ON CONFLICT (national_id) DO UPDATE SET {_UPDATED}"
    )
    conn.exec_driver_sql("DROP TABLE pensioners_import")


def save_association_name(session: Session, code: str, name: str | None) -> Association | None:
    """Create or rename an association; without a name only an existing one is returned."""
    association = session.get(Association, code)
    if association is None and name:
        association = Association(code=code, name=name)
        session.add(association)
    elif association is not None and name:
        association.name = name
    return association


def lock_quota(session: Session, code: str, phase: int) -> Quota | None:
    """The quota row, locked until commit so no allocation runs past a limit being changed."""
    stmt = select(Quota).where(Quota.association_code == code, Quota.phase == phase)
    return session.scalar(stmt.with_for_update())


def add_quota(session: Session, code: str, phase: int, limit: int) -> Quota:
    quota = Quota(association_code=code, phase=phase, limit=limit, used=0)
    session.add(quota)
    session.flush()
    return quota


def phase_numbers(session: Session) -> set[int]:
    return set(session.scalars(select(Phase.number)))


def find_phase(session: Session, number: int) -> Phase | None:
    return session.get(Phase, number)


def overlapping_phases(session: Session, number: int, opens: datetime, closes: datetime):
    """Other phases whose time span meets [opens, closes)."""
    stmt = select(Phase).where(
        Phase.number != number, Phase.opens_at < closes, Phase.closes_at > opens
    )
    return list(session.scalars(stmt.order_by(Phase.number)))


def save_phase(session: Session, number: int, opens: datetime, closes: datetime) -> Phase:
    phase = session.get(Phase, number, with_for_update=True) or Phase(number=number)
    phase.opens_at, phase.closes_at = opens, closes
    session.add(phase)
    session.flush()
    return phase


def phases_with_quota_totals(session: Session) -> list[tuple[Phase, int, int]]:
    """Every phase with the sums of its quotas' limits and used places."""
    totals = (
        select(
            Quota.phase,
            func.sum(Quota.limit).label("limit"),
            func.sum(Quota.used).label("used"),
        )
        .group_by(Quota.phase)
        .subquery()
    )
    stmt = (
        select(Phase, func.coalesce(totals.c.limit, 0), func.coalesce(totals.c.used, 0))
        .outerjoin(totals, totals.c.phase == Phase.number)
        .order_by(Phase.number)
    )
    return [(phase, int(limit), int(used)) for phase, limit, used in session.execute(stmt)]
