"""SQL of the console's running counts: one upsert to add, small range reads to show."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from gateway.store import dialect_insert
from gateway.store.models import Application, ApplicationEvent, Message, StatCounter

Key = tuple[str, datetime, str]  # (metric, bucket start, labels)


def add_counts(connection: Connection, counts: Mapping[Key, int]) -> None:
    """Add to the counters in one INSERT ... ON CONFLICT DO UPDATE SET count = count + n."""
    # Rows go in key order, so two concurrent upserts lock shared rows in the same order
    # (no deadlock on PostgreSQL); each key once (ON CONFLICT may touch a row only once).
    rows = [
        {"metric": m, "bucket_start": b, "labels": labels, "count": n}
        for (m, b, labels), n in sorted(counts.items())
        if n
    ]
    if not rows:
        return
    stmt = dialect_insert(connection, StatCounter).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=["metric", "bucket_start", "labels"],
        set_={"count": StatCounter.count + stmt.excluded["count"]},
    )
    connection.execute(stmt)


def read_counts(session: Session, metric: str, since: datetime, until: datetime | None = None):
    """[(bucket start, labels, count)] of one metric from `since` (to before `until`)."""
    stmt = select(StatCounter.bucket_start, StatCounter.labels, StatCounter.count).where(
        StatCounter.metric == metric, StatCounter.bucket_start >= since
    )
    if until is not None:
        stmt = stmt.where(StatCounter.bucket_start < until)
    return [tuple(row) for row in session.execute(stmt)]


def sum_counts(session: Session, metric: str, since: datetime | None = None) -> dict[str, int]:
    """labels -> total count of one metric (over every bucket from `since`)."""
    stmt = select(StatCounter.labels, func.sum(StatCounter.count)).where(
        StatCounter.metric == metric
    )
    if since is not None:
        stmt = stmt.where(StatCounter.bucket_start >= since)
    return {labels: int(total) for labels, total in session.execute(stmt.group_by("labels"))}


def decisions_of_messages(session: Session, message_ids: list[int]):
    """[(status, reason, phase, decided_at, latest event)] of the applications of result
    messages (a notice among them, such as a carry-over's, is no decision)."""
    latest = (
        select(ApplicationEvent.event)
        .where(ApplicationEvent.application_id == Application.id)
        .order_by(ApplicationEvent.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    stmt = (
        select(
            Application.status,
            Application.reason,
            Application.phase,
            Application.decided_at,
            latest,
        )
        .join(Message, Message.application_id == Application.id)
        .where(Message.id.in_(message_ids), Message.kind == "result")
    )
    return [tuple(row) for row in session.execute(stmt)]
