"""The audit trail: who did what to what, and when (sign-ins, exports, changes, reveals)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gateway.store.models import AuditEvent


@dataclass(frozen=True)
class AuditFilters:
    """The audit page's filters; None means any. `action` also takes its sub-actions
    (`login` finds `login.failed`); `until` is exclusive."""

    action: str | None = None
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def add_audit_event(
    session: Session, actor: str, action: str, target: str | None = None, **details
) -> AuditEvent:
    """Record one action; details hold no personal data (counts, codes, hashes)."""
    event = AuditEvent(
        actor=actor[:64],
        action=action,
        target=None if target is None else str(target)[:200],
        details=json.dumps(details, default=str, ensure_ascii=False),
    )
    session.add(event)
    return event


def recent_audit_events(
    session: Session,
    filters: AuditFilters | None = None,
    limit: int = 100,
    before: int | None = None,
):
    """The latest audit rows, newest first, under the filters and older than `before`."""
    filters = filters or AuditFilters()
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if filters.action is not None:
        stmt = stmt.where(
            or_(AuditEvent.action == filters.action, AuditEvent.action.startswith(
                filters.action + ".", autoescape=True))
        )  # fmt: skip
    if filters.actor is not None:
        stmt = stmt.where(AuditEvent.actor == filters.actor)
    if filters.since is not None:
        stmt = stmt.where(AuditEvent.at >= filters.since)
    if filters.until is not None:
        stmt = stmt.where(AuditEvent.at < filters.until)
    if before is not None:
        stmt = stmt.where(AuditEvent.id < before)
    return list(session.scalars(stmt))
