"""Running counts for the console, added as messages and decisions happen (never a recount)."""

# Counters live in `stat_counters` (models.StatCounter), one row per (metric, bucket,
# labels), added to by one upsert per hook call (web and worker processes gather theirs
# and write them once a second, see gateway/stats_buffer.py):
#
#   metric      bucket                     labels
#   messages    minute (UTC)               channel|direction
#   sends       minute (UTC)               status|error_code
#   funnel      day (programme time zone)  phase|step
#   decisions   day (programme time zone)  phase|outcome|reason
#
# Hooks never raise: a counter that cannot be written is logged and the message goes on.

from __future__ import annotations

import functools
import logging
import time
import weakref
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from flows.registration import FUNNEL_STEPS
from gateway.monitoring.counter_buffer import BUFFER
from gateway.platform.dates import utcnow
from gateway.platform.logs import log_event
from gateway.platform.services import Services
from gateway.store import phases
from gateway.store import stat_counters as store

log = logging.getLogger("smsgw.stats")

__all__ = ["FUNNEL_STEPS", "OUTCOMES", "SEND_STATUSES"]
OUTCOMES = ("approved", "waitlisted", "rejected", "promoted")
SEND_STATUSES = ("sent", "retry", "failed", "delivered", "undelivered")
PHASES_TTL = 60.0  # seconds a process trusts its copy of the phases table
_phases: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Database -> (expiry, rows)


def never_fails(hook):
    """Log and swallow any error of a hook: stats must never fail a message."""

    @functools.wraps(hook)
    def wrapper(*args, **kwargs):
        try:
            hook(*args, **kwargs)
        except Exception as exc:
            log_event(
                log, "stats_failed", logging.WARNING, hook=hook.__name__, error=type(exc).__name__
            )

    return wrapper


def minute_of(moment: datetime) -> datetime:
    if moment.tzinfo is not UTC:  # a row's time, in the database connection's zone
        moment = moment.astimezone(UTC)
    return moment.replace(second=0, microsecond=0)


def day_of(moment: datetime, timezone: str) -> datetime:
    """The start (in UTC) of the programme-time-zone day that holds `moment`."""
    local = moment.astimezone(ZoneInfo(timezone)).replace(hour=0, minute=0, second=0, microsecond=0)
    return local.astimezone(UTC)


def open_phase_number(database, moment: datetime) -> int:
    """The phase open at `moment` (0 for none), from a copy of the phases kept a minute."""
    cached = _phases.get(database)
    if cached is None or cached[0] < time.monotonic():
        with database.session() as session:
            cached = (time.monotonic() + PHASES_TTL, phases.phase_spans(session))
        _phases[database] = cached
    open_now = [number for number, opens, closes in cached[1] if opens <= moment < closes]
    return max(open_now, default=0)


def add(target: Services | Session, counts: Counter) -> None:
    """Add counts: in a savepoint of a Session's transaction, or through the process's
    buffer (STATS_FLUSH_SECONDS; 0 writes at once, in its own transaction)."""
    if isinstance(target, Session):
        with target.begin_nested():
            store.add_counts(target.connection(), counts)
        return
    interval = target.settings.STATS_FLUSH_SECONDS
    if interval > 0:
        BUFFER.add(target.database, counts, interval)
        return
    with target.database.engine.begin() as connection:
        store.add_counts(connection, counts)


@never_fails
def count_turn(services: Services, message, steps: list[str], replied: bool) -> None:
    """Hook: a dialog turn answered - its inbound message, its reply, its funnel steps."""
    now = utcnow()
    counts = Counter({("messages", minute_of(message.created_at), f"{message.channel}|in"): 1})
    if replied:
        counts["messages", minute_of(now), f"{message.channel}|out"] += 1
    if steps:
        day = day_of(now, services.settings.TIMEZONE)
        phase = open_phase_number(services.database, now)
        counts.update({("funnel", day, f"{phase}|{step}"): 1 for step in steps})
    add(services, counts)


@never_fails
def count_messages(target: Services | Session, channel: str, direction: str, n: int = 1) -> None:
    """Hook: `n` messages stored outside a dialog turn (ignored, rate-limited, resent)."""
    if n:
        add(target, Counter({("messages", minute_of(utcnow()), f"{channel}|{direction}"): n}))


@never_fails
def count_decisions(services: Services, message_ids: list[int]) -> None:
    """Hook: decisions committed, with their result SMS (`message_ids`, stored as `sms`)."""
    if not message_ids:
        return
    now, timezone = utcnow(), services.settings.TIMEZONE
    counts = Counter({("messages", minute_of(now), "sms|out"): len(message_ids)})
    with services.database.session() as session:
        rows = store.decisions_of_messages(session, message_ids)
    for status, reason, phase, decided_at, event in rows:
        outcome = "promoted" if event == "promoted" else status
        phase = phase or open_phase_number(services.database, decided_at or now)
        day = day_of(decided_at or now, timezone)
        counts["decisions", day, f"{phase}|{outcome}|{reason or ''}"] += 1
    add(services, counts)


@never_fails
def count_send(target, status: str, error_code: str | None = None, n: int = 1) -> None:
    """Hook: `n` outbound messages reached a send or delivery outcome (`queued` = a retry)."""
    status = "retry" if status == "queued" else status
    if n and status in SEND_STATUSES:
        labels = f"{status}|{error_code or ''}"
        add(target, Counter({("sends", minute_of(utcnow()), labels): n}))


def recent_minutes(now: datetime, minutes: int = 60) -> list[datetime]:
    """The starts of the last `minutes` minutes, oldest first, the current one last."""
    last = minute_of(now)
    return [last - timedelta(minutes=n) for n in range(minutes - 1, -1, -1)]
