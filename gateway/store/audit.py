"""The audit trail: who did what to what, and when (sign-ins, exports, changes, reveals)."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.store.models import AuditEvent


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
    session: Session, action: str | None = None, limit: int = 100, before: int | None = None
):
    """The latest audit rows, newest first, optionally of one action and older than `before`."""
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if action is not None:
        stmt = stmt.where(AuditEvent.action == action)
    if before is not None:
        stmt = stmt.where(AuditEvent.id < before)
    return list(session.scalars(stmt))
