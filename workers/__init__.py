"""RQ queues and the one enqueue helper, with explicit retries and time-outs."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from redis import Redis
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from rq.utils import now as rq_now


@dataclass(frozen=True)
class QueuePolicy:
    """How jobs on one queue are retried and timed out."""

    timeout: int
    retries: int
    intervals: tuple[int, ...]


# Decisions come first, then the result messages, then the slow batch work.
QUEUES: dict[str, QueuePolicy] = {
    "decisions": QueuePolicy(timeout=60, retries=5, intervals=(5, 15, 60, 300, 900)),
    "sms": QueuePolicy(timeout=60, retries=5, intervals=(10, 30, 60, 300, 900)),
    "exports": QueuePolicy(timeout=3600, retries=1, intervals=(60,)),
}
QUEUE_NAMES = tuple(QUEUES)


def get_queue(name: str, connection: Redis) -> Queue:
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=connection)


def rq_job_id(key: str) -> str:
    """RQ job ids allow letters, digits, `_` and `-`: `send_sms:42` becomes `send_sms-42`."""
    return key.replace(":", "-")


def enqueue(
    connection: Redis,
    queue: str,
    func,
    *args,
    job_id: str | None = None,
    delay: timedelta | None = None,
    **kwargs,
):
    """Queue `func(*args)` on `queue` with that queue's retry and time-out policy.

    `job_id` makes the job unique: while a job with that id is queued or running, a
    second enqueue of the same id is dropped (RQ's `unique`), so callers can re-queue
    freely (the reconciler does). `delay` runs it later (the workers' scheduler).
    """
    policy = QUEUES[queue]
    job_id = rq_job_id(job_id) if job_id is not None else None
    rq_queue = get_queue(queue, connection)
    put = rq_queue.enqueue if delay is None else partial(rq_queue.enqueue_in, delay)
    try:
        return put(
            func,
            *args,
            job_id=job_id,
            unique=job_id is not None,
            job_timeout=policy.timeout,
            retry=Retry(max=policy.retries, interval=list(policy.intervals)),
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
            **kwargs,
        )
    except DuplicateJobError:
        return Job.fetch(job_id, connection=connection)


# A job is live while it waits to run; a started one only within this grace (else its
# worker died: jobs are safe to run twice, so a mistaken re-run costs nothing).
_WAITING = (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED)


def requeue(connection: Redis, queue: str, func, *args, job_id: str, started_grace: float) -> bool:
    """Queue the job again unless a live job has its id; a finished, failed or lost one
    (a dead worker, a Redis restart) is deleted first so that its id does not block."""
    try:
        job = Job.fetch(rq_job_id(job_id), connection=connection)
    except NoSuchJobError:
        job = None
    if job is not None:
        status = job.get_status(refresh=False)
        if status in _WAITING:
            return False
        started = job.started_at
        if (
            status == JobStatus.STARTED
            and started
            and (rq_now() - started).total_seconds() < started_grace
        ):
            return False
        job.delete()
    enqueue(connection, queue, func, *args, job_id=job_id)
    return True


def pause_for_test(point: str) -> None:
    """Test hook: with SMSGW_TEST_PAUSE_AT=point (test settings only) the first job here blocks."""
    from flask import current_app

    if getattr(current_app.extensions["settings"], "SMSGW_TEST_PAUSE_AT", "") != point:
        return
    if current_app.extensions["redis"].set(f"smsgw:test:paused:{point}", os.getpid(), nx=True):
        time.sleep(600)
