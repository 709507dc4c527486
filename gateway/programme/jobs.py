"""Every background job by name: its queue, its RQ function, and the one way to queue it.

The jobs themselves are thin functions in `workers.jobs` that load ids and call the
domain; the domain names them here as data, so nothing in gateway/ imports workers/.
"""

from __future__ import annotations

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

# job name -> its queue; the RQ function is workers.jobs.<name>.
JOBS = {
    "validate_application": "decisions",
    "decide_association": "decisions",
    "promote_waitlist": "decisions",
    "reconcile": "decisions",
    "send_sms": "sms",
    "remind_unfinished": "sms",
    "export_registrations": "exports",
    "send_notice": "exports",
}
# A job is waiting while queued, scheduled or deferred: queuing its id again adds nothing.
_WAITING = (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED)


def get_queue(name: str, connection: Redis) -> Queue:
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=connection)


def job_id(name: str, *parts) -> str:
    """The RQ id of a job: its name and parts joined by `-` (RQ allows [A-Za-z0-9_-])."""
    return "-".join([name, *(str(part) for part in parts)])


def enqueue(
    connection: Redis,
    name: str,
    *args,
    key: tuple | None = None,
    delay: timedelta | None = None,
    started_grace: float | None = None,
    once: bool = False,
    follow_up: bool = False,
) -> bool:
    """Queue job `name(*args)` once; True when it was queued now.

    While a job of the same id waits (or runs) nothing is added; a finished or failed
    one is replaced, so a later cause runs it again. The id is the name and `key`
    (default: the args). A job started more than `started_grace` seconds ago counts as
    lost (its worker died) and is replaced too. `delay` runs it later (the scheduler).
    With `once`, an id is never run again while RQ remembers it (the reconciler's tick).
    With `follow_up`, a job that is running already gets one more queued after it (under
    the id + `-next`), for work that arrived after it last looked.
    """
    queue_name = JOBS[name]
    rq_id = job_id(name, *(args if key is None else key))
    if follow_up and delay is None and _waiting(connection, rq_id):
        return False  # a batch job is mostly queued already: one HGET, not a refused enqueue
    queue = get_queue(queue_name, connection)
    put = queue.enqueue if delay is None else partial(queue.enqueue_in, delay)
    options = {"job_id": rq_id, "unique": True, **_policy(queue_name)}
    for _attempt in range(3):
        try:
            put(f"workers.jobs.{name}", *args, **options)
            return True
        except DuplicateJobError:
            status = _live_status(connection, rq_id, started_grace)
            if follow_up and status == JobStatus.STARTED and not rq_id.endswith("-next"):
                options["job_id"] = rq_id = f"{rq_id}-next"
                continue
            if once or status is not None:
                return False
    raise RuntimeError(f"could not queue {rq_id}")  # three races lost in a row


def _waiting(connection: Redis, rq_id: str) -> bool:
    """Whether a job of that id is queued (not yet started): it will see whatever its
    caller committed, so nothing needs adding."""
    status = connection.hget(Job.key_for(rq_id), "status")
    return status is not None and status.decode() == JobStatus.QUEUED


def _live_status(connection: Redis, rq_id: str, started_grace: float | None):
    """The status of the job of that id while it waits or runs; None (and the job
    deleted) once it finished, failed or its worker died."""
    try:
        job = Job.fetch(rq_id, connection=connection)
    except NoSuchJobError:
        return None
    status = job.get_status(refresh=False)
    if status in _WAITING:
        return status
    if status == JobStatus.STARTED and (
        started_grace is None
        or job.started_at is None
        or (rq_now() - job.started_at).total_seconds() < started_grace
    ):
        return status
    job.delete()
    return None


def _policy(queue_name: str) -> dict:
    policy = QUEUES[queue_name]
    return {
        "job_timeout": policy.timeout,
        "retry": Retry(max=policy.retries, interval=list(policy.intervals)),
        "result_ttl": 3600,
        "failure_ttl": 7 * 24 * 3600,
    }


def enqueue_sends(connection: Redis, message_ids) -> None:
    """Queue send_sms for messages just committed, all in one Redis round trip; a None
    (an SMS whose cause had sent it already) is skipped.

    The messages are new, so no job can hold their ids yet; a re-queue of an old one
    (the reconciler) goes through enqueue() and its checks instead.
    """
    message_ids = [message_id for message_id in message_ids if message_id is not None]
    if len(message_ids) < 2:
        for message_id in message_ids:
            enqueue(connection, "send_sms", message_id)
        return
    queue, options = get_queue("sms", connection), _policy("sms")
    options["timeout"] = options.pop("job_timeout")
    jobs = [
        Queue.prepare_data(
            "workers.jobs.send_sms", (message_id,), job_id=job_id("send_sms", message_id),
            **options,
        )
        for message_id in message_ids
    ]  # fmt: skip
    with connection.pipeline() as pipe:
        queue.enqueue_many(jobs, pipeline=pipe)
        pipe.execute()
