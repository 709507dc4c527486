"""The export's query: applications joined to the registry, streamed from the database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from gateway.models import Application, Pensioner

STREAM_BATCH = 2000


@dataclass(frozen=True)
class ExportFilters:
    """Which applications an export holds; None means any."""

    association: str | None = None
    phase: int | None = None
    status: str | None = None


def stream_export_rows(session: Session, filters: ExportFilters) -> Iterator[Row]:
    """Rows in application order, read in batches (a server-side cursor on PostgreSQL).

    `association_code` is the application's, or the registry's while the application has
    none yet (pending); `mobile` is the registry's, or the phone that applied when the
    registry has none.
    """
    association = func.coalesce(Application.association_code, Pensioner.association_code)
    stmt = (
        select(
            Application.tracking_code,
            Application.national_id,
            Application.pension_number,
            Pensioner.full_name,
            func.coalesce(Pensioner.mobile, Application.phone).label("mobile"),
            association.label("association_code"),
            Application.phase,
            Application.status,
            Application.reason,
            Application.flags,
            Application.channel,
            Application.created_at,
            Application.decided_at,
        )
        .outerjoin(Pensioner, Pensioner.national_id == Application.national_id)
        .order_by(Application.id)
    )
    if filters.association is not None:
        stmt = stmt.where(association == filters.association)
    if filters.phase is not None:
        stmt = stmt.where(Application.phase == filters.phase)
    if filters.status is not None:
        stmt = stmt.where(Application.status == filters.status)
    result = session.execute(stmt, execution_options={"yield_per": STREAM_BATCH})
    yield from result
