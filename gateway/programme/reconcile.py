"""reconcile: the database is the truth; every minute, re-queue whatever Redis has lost.

Once a minute (every worker's upkeep calls schedule_reconcile; the tick's id lets one
through per minute) the tick:
- re-queues validate_application for applications pending longer than
  RECONCILE_AFTER_SECONDS, send_sms for messages queued that long or claimed
  (`sending`) longer than SMS_SENDING_STUCK_SECONDS, and the reminder job of USSD
  reminders still scheduled past their time - unless a live job holds the id;
- moves waitlists to the open phase (carry_over) and promotes where places are free
  (a lost promote_waitlist job, a quota raised while Redis was down);
- deletes export files older than EXPORT_RETENTION_DAYS from EXPORT_FOLDER (audited).
- announces a phase that opened to the pensioners told to come back then (once);
- finishes broadcast notices whose run was lost (a killed command, a lost job).
Jobs are idempotent, so a re-queue that races a slow live job costs nothing.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flows.ussd import REMIND_AFTER
from gateway.platform.dates import utcnow
from gateway.platform.services import Services
from gateway.programme.broadcasts import queue_notice
from gateway.programme.export_files import delete_expired_exports
from gateway.programme.jobs import enqueue, enqueue_sends
from gateway.programme.phase_opening import announce_phase_opening
from gateway.programme.waitlist import carry_over, promote_head
from gateway.store import applications, messages, notices, phases, quotas

TICK_SECONDS = 60


def reconcile(services: Services) -> dict:
    """Bring lost jobs back from the database and move waitlists along; what it found."""
    settings, redis = services.settings, services.redis
    now = utcnow()
    grace = settings.RECONCILE_AFTER_SECONDS
    stuck = timedelta(seconds=settings.SMS_SENDING_STUCK_SECONDS)
    with services.database.session() as session:
        pending = applications.stale_pending_ids(session, now - timedelta(seconds=grace))
        stale = messages.stale_message_ids(session, now - timedelta(seconds=grace), now - stuck)
        late = now - timedelta(seconds=REMIND_AFTER + grace)
        reminders = messages.scheduled_before(session, late)
        phase = phases.open_phase(session, now)
        waitlists = quotas.waitlists_to_move(session, phase.number if phase else 0)
        lost_notices = notices.unfinished_notices(session, now - timedelta(seconds=grace))
    found = {
        "applications": 0, "messages": 0, "reminders": 0, "waitlists": len(waitlists),
        "announced": 0, "notices": 0,
    }  # fmt: skip
    for application_id in pending:
        found["applications"] += enqueue(
            redis, "validate_application", application_id, started_grace=grace
        )
    for message_id in stale:
        found["messages"] += enqueue(redis, "send_sms", message_id, started_grace=grace)
    for message_id in reminders:
        found["reminders"] += enqueue(redis, "remind_unfinished", message_id, started_grace=grace)
    for code, waitlist_phase in waitlists:
        move_waitlist(services, code, waitlist_phase, phase.number if phase else None)
    found["exports_deleted"] = len(delete_expired_exports(services, now))
    for notice_id, actor in lost_notices:
        found["notices"] += queue_notice(redis, notice_id, actor, started_grace=grace)
    if phase is not None and phase.opening_announced_at is None:
        found["announced"] = announce_phase_opening(services, phase.number)
    return found


def move_waitlist(services: Services, code: str, phase: int, open_phase: int | None) -> None:
    """Carry an older phase's waitlist into the open phase, or promote into free places."""
    with services.database.session(write=True) as session:
        target = open_phase if open_phase and phase < open_phase else phase
        quotas.lock_quota(session, code, target)
        now = utcnow()
        ids = carry_over(session, code, target, now) + promote_head(session, code, target, now)
    enqueue_sends(services.redis, ids)


def schedule_reconcile(redis) -> bool:
    """Queue this minute's tick; its id makes every worker's call after the first a no-op."""
    return enqueue(redis, "reconcile", key=(int(time.time() // TICK_SECONDS),), once=True)
