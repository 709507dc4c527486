"""Applications as staff look them up and export them, filtered and within a user's scope."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, func, or_, select
from sqlalchemy.orm import Session

from gateway.store.models import Application, Pensioner

PAGE_SIZE = 50
STREAM_BATCH = 2000


@dataclass(frozen=True)
class Search:
    """What a search box's text may be; an application matching any of them is found."""

    tracking_code: str | None = None
    national_id: str | None = None
    phone: str | None = None  # E.164: the phone that applied (indexed; the registry's is not)
    name: str | None = None  # part of the registry's full name


# The list's orders: name -> columns (the id last, so equal values keep one order).
ORDERS = {
    "newest": (Application.id.desc(),),
    "oldest": (Application.id.asc(),),
    "name": (Pensioner.full_name.asc(), Application.id.desc()),
    "status": (Application.status.asc(), Application.id.desc()),
    "phase": (Application.phase.asc(), Application.id.desc()),
    "association": (Application.association_code.asc(), Application.id.desc()),
    "decided": (Application.decided_at.desc(), Application.id.desc()),
}


@dataclass(frozen=True)
class RegistrationFilters:
    """Which applications a page or an export holds; None means any. `until` is exclusive."""

    association: str | None = None
    phase: int | None = None
    status: str | None = None
    reason: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    search: Search | None = None


def application_association():
    """An application's association: its own, or the registry's while it is pending."""
    return func.coalesce(Application.association_code, Pensioner.association_code)


def registration_query(stmt, filters: RegistrationFilters, scope: str | None, status=True):
    """`stmt` (a select over applications) under the filters and the user's scope."""
    stmt = stmt.outerjoin(Pensioner, Pensioner.national_id == Application.national_id)
    association = application_association()
    tests = [
        (scope, lambda v: association == v),
        (filters.association, lambda v: association == v),
        (filters.phase, lambda v: Application.phase == v),
        (filters.status if status else None, lambda v: Application.status == v),
        (filters.reason, lambda v: Application.reason == v),
        (filters.since, lambda v: Application.created_at >= v),
        (filters.until, lambda v: Application.created_at < v),
    ]
    stmt = stmt.where(*[test(value) for value, test in tests if value is not None])
    return stmt if filters.search is None else stmt.where(_matching(filters.search))


def _matching(search: Search):
    tests = [
        (search.tracking_code, lambda v: Application.tracking_code == v),
        (search.national_id, lambda v: Application.national_id == v),
        (search.phone, lambda v: Application.phone == v),
        (search.name, lambda v: Pensioner.full_name.contains(v, autoescape=True)),
    ]
    found = [test(value) for value, test in tests if value]
    return or_(*found) if found else Application.id.is_(None)


def list_registrations(
    session: Session,
    filters: RegistrationFilters,
    scope: str | None,
    order: str = "newest",
    page: int = 1,
):
    """A page (1, 2, ...) of (application, full name, association), in one of ORDERS."""
    stmt = select(Application, Pensioner.full_name, application_association())
    stmt = registration_query(stmt, filters, scope).order_by(*ORDERS.get(order, ORDERS["newest"]))
    stmt = stmt.limit(PAGE_SIZE).offset((max(page, 1) - 1) * PAGE_SIZE)
    return [tuple(row) for row in session.execute(stmt)]


def count_by_status(session: Session, filters: RegistrationFilters, scope: str | None):
    """Applications per status under the filters (the status filter aside)."""
    stmt = select(Application.status, func.count()).select_from(Application)
    stmt = registration_query(stmt, filters, scope, status=False).group_by(Application.status)
    return dict(session.execute(stmt).all())


def count_registrations(session: Session, filters: RegistrationFilters, scope=None) -> int:
    """How many applications match (an export's row count, for its progress bar)."""
    stmt = select(func.count()).select_from(Application)
    return session.scalar(registration_query(stmt, filters, scope)) or 0


def find_registration(session: Session, tracking_code: str, scope: str | None):
    """(application, pensioner or None, association) within the scope, or None."""
    stmt = select(Application, Pensioner, application_association()).where(
        Application.tracking_code == tracking_code
    )
    row = session.execute(registration_query(stmt, RegistrationFilters(), scope)).first()
    return None if row is None else tuple(row)


def export_columns() -> list:
    """The bank export's columns as stored (`mobile` is the registry's, or the phone that
    applied when it has none), in EXPORT_COLUMNS order but the Jalali one."""
    return [
        Application.tracking_code,
        Application.national_id,
        Application.pension_number,
        Pensioner.full_name,
        func.coalesce(Pensioner.mobile, Application.phone).label("mobile"),
        application_association().label("association_code"),
        Application.phase,
        Application.status,
        Application.reason,
        Application.flags,
        Application.channel,
        Application.created_at,
        Application.decided_at,
    ]


def stream_export_rows(session: Session, filters: RegistrationFilters) -> Iterator[Row]:
    """The bank export's rows in application order, read in batches (a server-side cursor
    on PostgreSQL)."""
    stmt = registration_query(select(*export_columns()), filters, None)
    stmt = stmt.order_by(Application.id)
    result = session.execute(stmt, execution_options={"yield_per": STREAM_BATCH})
    yield from result
