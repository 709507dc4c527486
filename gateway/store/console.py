"""The console's queries; each takes the association scope of the user (None = all)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.models import Application, Association, Pensioner, Phase, Quota

PAGE_SIZE = 50


@dataclass(frozen=True)
class RegistrationFilters:
    """Which applications a page shows; None means any. `until` is exclusive."""

    association: str | None = None
    phase: int | None = None
    status: str | None = None
    reason: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def application_association():
    """An application's association: its own, or the registry's while it is pending."""
    return func.coalesce(Application.association_code, Pensioner.association_code)


def _registrations(stmt, filters: RegistrationFilters, scope: str | None, status=True):
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
    return stmt.where(*[test(value) for value, test in tests if value is not None])


def list_registrations(
    session: Session, filters: RegistrationFilters, scope: str | None, before: int | None = None
):
    """A page of (application, full name, association), newest first, after id `before`."""
    stmt = select(Application, Pensioner.full_name, application_association())
    stmt = _registrations(stmt, filters, scope).order_by(Application.id.desc()).limit(PAGE_SIZE)
    if before is not None:
        stmt = stmt.where(Application.id < before)
    return [tuple(row) for row in session.execute(stmt)]


def count_by_status(session: Session, filters: RegistrationFilters, scope: str | None):
    """Applications per status under the filters (the status filter aside)."""
    stmt = select(Application.status, func.count()).select_from(Application)
    stmt = _registrations(stmt, filters, scope, status=False).group_by(Application.status)
    return dict(session.execute(stmt).all())


def find_registration(session: Session, tracking_code: str, scope: str | None):
    """(application, pensioner or None, association) within the scope, or None."""
    stmt = select(Application, Pensioner, application_association()).where(
        Application.tracking_code == tracking_code
    )
    row = session.execute(_registrations(stmt, RegistrationFilters(), scope)).first()
    return None if row is None else tuple(row)


def associations(session: Session, scope: str | None) -> list[Association]:
    stmt = select(Association).order_by(Association.code)
    if scope is not None:
        stmt = stmt.where(Association.code == scope)
    return list(session.scalars(stmt))


def phases(session: Session) -> list[Phase]:
    return list(session.scalars(select(Phase).order_by(Phase.number)))


def quotas(session: Session, scope: str | None, phase: int | None = None):
    """(quota, association name) by phase then association, within the scope."""
    stmt = select(Quota, Association.name).join(
        Association, Association.code == Quota.association_code
    )
    if scope is not None:
        stmt = stmt.where(Quota.association_code == scope)
    if phase is not None:
        stmt = stmt.where(Quota.phase == phase)
    return [
        tuple(row) for row in session.execute(stmt.order_by(Quota.phase, Quota.association_code))
    ]


def find_quota(session: Session, code: str, phase: int) -> Quota | None:
    stmt = select(Quota).where(Quota.association_code == code, Quota.phase == phase)
    return session.scalar(stmt)


def count_export_rows(session: Session, association: str | None, phase, status) -> int:
    """How many rows an export with these filters holds (for its progress bar)."""
    stmt = select(func.count()).select_from(Application)
    filters = RegistrationFilters(association=association, phase=phase, status=status)
    return session.scalar(_registrations(stmt, filters, None)) or 0
