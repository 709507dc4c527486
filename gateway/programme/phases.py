"""The programme's phases: set by staff from the CLI or the console, every change audited."""

from __future__ import annotations

from datetime import datetime

from gateway.platform.dates import utcnow
from gateway.platform.db import Database
from gateway.store import phases as store
from gateway.store.audit import add_audit_event


class PhaseError(ValueError):
    """Phase dates that cannot be set."""


def set_phase(
    database: Database, number: int, opens: datetime, closes: datetime, actor: str
) -> None:
    """Create or move a phase; refuses an empty span and any overlap with another phase."""
    if closes <= opens:
        raise PhaseError("--closes must be after --opens")
    with database.session(write=True) as session:
        clash = store.overlapping_phases(session, number, opens, closes)
        if clash:
            numbers = ", ".join(str(phase.number) for phase in clash)
            raise PhaseError(f"phase {number} would overlap phase {numbers}")
        before = store.find_phase(session, number)
        old = None if before is None else [before.opens_at, before.closes_at]
        store.save_phase(session, number, opens, closes)
        add_audit_event(
            session, actor, "phase.set", f"phase:{number}", before=old, after=[opens, closes]
        )


def phase_state(opens: datetime | None, closes: datetime | None, now=None) -> str:
    """`open`, `upcoming` or `closed` at `now`; `undated` before it has dates."""
    if opens is None or closes is None:
        return "undated"
    now = now or utcnow()
    if now < opens:
        return "upcoming"
    return "open" if now < closes else "closed"
