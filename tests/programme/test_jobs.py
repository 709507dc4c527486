"""The one way jobs are queued: an id per job and cause; a finished job's id can run again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rq import Queue, SimpleWorker
from rq.job import Job, JobStatus

from gateway.programme.jobs import enqueue, job_id


def run_queue(redis, name: str) -> None:
    SimpleWorker([Queue(name, connection=redis)], connection=redis).work(burst=True)


def test_a_job_is_not_queued_twice_while_it_waits(app, redis):
    assert enqueue(redis, "promote_waitlist", "08", 1) is True
    assert enqueue(redis, "promote_waitlist", "08", 1) is False
    assert Queue("decisions", connection=redis).job_ids == [job_id("promote_waitlist", "08", 1)]


def test_the_same_job_runs_again_once_the_previous_one_finished(app, redis, programme):
    """A quota raised twice within the hour: the second raise is promoted too."""
    assert enqueue(redis, "promote_waitlist", "08", 1) is True
    run_queue(redis, "decisions")
    finished = Job.fetch(job_id("promote_waitlist", "08", 1), connection=redis)
    assert finished.get_status() == JobStatus.FINISHED
    assert enqueue(redis, "promote_waitlist", "08", 1) is True  # queued anew
    assert Queue("decisions", connection=redis).job_ids == [job_id("promote_waitlist", "08", 1)]


def test_a_job_started_long_ago_counts_as_lost_only_past_the_grace(app, redis):
    enqueue(redis, "send_sms", 42)
    job = Job.fetch(job_id("send_sms", 42), connection=redis)
    Queue("sms", connection=redis).remove(job)
    job.started_at = datetime.now(UTC) - timedelta(minutes=10)
    job.save()
    job.set_status(JobStatus.STARTED)
    assert enqueue(redis, "send_sms", 42, started_grace=3600) is False  # still running
    assert enqueue(redis, "send_sms", 42, started_grace=60) is True  # its worker died


def test_the_reconciler_tick_runs_once_a_minute_however_many_workers_ask(app, redis):
    from gateway.programme.reconcile import schedule_reconcile

    assert [schedule_reconcile(redis) for _ in range(3)] == [True, False, False]
    run_queue(redis, "decisions")
    assert schedule_reconcile(redis) is False  # finished, but it was this minute's
