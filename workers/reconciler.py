"""reconcile: the database is the truth; every minute, re-queue whatever Redis has lost.

Once a minute (see ReconcilingWorker) the tick:
- re-queues validate_application for applications pending longer than
  RECONCILE_AFTER_SECONDS, and send_sms for messages queued that long or claimed
  (`sending`) longer than SMS_SENDING_STUCK_SECONDS, unless a live job holds the id;
  a finished, failed or abandoned job of that id is deleted first (workers.requeue);
- moves waitlists to the open phase (carry_over) and promotes where places are free
  (a lost promote_waitlist job, a quota raised while Redis was down).
Jobs are idempotent, so a re-queue that races a slow live job costs nothing.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import current_app
from rq import SimpleWorker

from gateway.models import utcnow
from gateway.store import applications as app_store
from gateway.store import messages as message_store
from workers import enqueue, requeue
from workers.notifications import enqueue_sends
from workers.waitlist import carry_over, promote_head

TICK_SECONDS = 60


def reconcile() -> dict:
    """Job: bring lost jobs back from the database and move waitlists along."""
    settings = current_app.extensions["settings"]
    database, redis = current_app.extensions["database"], current_app.extensions["redis"]
    now = utcnow()
    grace = settings.RECONCILE_AFTER_SECONDS
    stuck = timedelta(seconds=settings.SMS_SENDING_STUCK_SECONDS)
    with database.session() as session:
        pending = app_store.stale_pending_ids(session, now - timedelta(seconds=grace))
        messages = message_store.stale_message_ids(
            session, now - timedelta(seconds=grace), now - stuck
        )
        phase = app_store.open_phase(session, now)
        waitlists = app_store.waitlists_to_move(session, phase.number if phase else 0)
    found = {"applications": 0, "messages": 0, "waitlists": len(waitlists)}
    for application_id in pending:
        found["applications"] += requeue(
            redis, "decisions", "workers.decisions.validate_application", application_id,
            job_id=f"validate_application:{application_id}", started_grace=grace,
        )  # fmt: skip
    for message_id in messages:
        found["messages"] += requeue(
            redis, "sms", "workers.notifications.send_sms", message_id,
            job_id=f"send_sms:{message_id}", started_grace=grace,
        )  # fmt: skip
    for code, waitlist_phase in waitlists:
        move_waitlist(code, waitlist_phase, phase.number if phase else None)
    return found


def move_waitlist(code: str, phase: int, open_phase: int | None) -> None:
    """Carry an older phase's waitlist into the open phase, or promote into free places."""
    with current_app.extensions["database"].session(write=True) as session:
        target = open_phase if open_phase and phase < open_phase else phase
        app_store.lock_quota(session, code, target)
        now = utcnow()
        ids = carry_over(session, code, target, now) + promote_head(session, code, target, now)
    enqueue_sends(current_app.extensions["redis"], ids)


def schedule_reconcile(redis) -> None:
    """Queue this minute's tick; its id makes every worker's call after the first a no-op."""
    slot = int(time.time() // TICK_SECONDS)
    enqueue(redis, "decisions", reconcile, job_id=f"reconcile:{slot}")


class ReconcilingWorker(SimpleWorker):
    """RQ's SimpleWorker whose maintenance (run every TICK_SECONDS) also queues the tick.

    With `worker_ttl` a little above TICK_SECONDS an idle worker wakes up that often, so
    as long as any worker runs, the tick is queued once a minute - also after Redis lost
    everything (no chain of self-scheduled jobs to break).
    """

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        try:
            schedule_reconcile(self.connection)
        except Exception:  # never let the tick stop the worker
            self.log.exception("could not queue the reconciler tick")
