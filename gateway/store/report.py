"""The programme report's counts: applications per association, phase, status and reason, and
unanswered support questions per association and phase."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.store.models import UNANSWERED, Application, Association, Pensioner, SupportItem

# An application not decided yet has no association of its own: the registry's counts.
_ASSOCIATION = func.coalesce(Application.association_code, Pensioner.association_code)
_KEYS = (_ASSOCIATION, Application.phase, Application.status, Application.reason)


def application_counts(
    session: Session, scope: str | None = None, phase: int | None = None
) -> list[tuple[str | None, int | None, str, str | None, int]]:
    """(association code, phase, status, reason, count) for every combination that occurs."""
    stmt = (
        select(*_KEYS, func.count())
        .select_from(Application)
        .outerjoin(Pensioner, Pensioner.national_id == Application.national_id)
        .group_by(*_KEYS)
    )
    if scope is not None:
        stmt = stmt.where(_ASSOCIATION == scope)  # noqa: SIM300 (a SQL expression)
    if phase is not None:
        stmt = stmt.where(Application.phase == phase)
    return [tuple(row) for row in session.execute(stmt)]


def waiting_support_counts(
    session: Session, scope: str | None = None, phase: int | None = None
) -> list[tuple[str | None, int | None, int]]:
    """(association code, phase of the question's application, unanswered questions)."""
    stmt = (
        select(SupportItem.association_code, Application.phase, func.count())
        .select_from(SupportItem)
        .outerjoin(Application, Application.id == SupportItem.application_id)
        .where(SupportItem.status.in_(UNANSWERED))
        .group_by(SupportItem.association_code, Application.phase)
    )
    if scope is not None:
        stmt = stmt.where(SupportItem.association_code == scope)
    if phase is not None:
        stmt = stmt.where(Application.phase == phase)
    return [tuple(row) for row in session.execute(stmt)]


def association_names(session: Session) -> dict[str, str | None]:
    return dict(session.execute(select(Association.code, Association.name)).all())
