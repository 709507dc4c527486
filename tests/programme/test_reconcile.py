"""The reconciler: Redis can lose every job and no application or message is lost."""

from __future__ import annotations

import os
from collections import Counter

import pytest
from rq import Queue, Worker
from rq.job import Job, JobStatus
from sqlalchemy import select

from gateway.cli.serve import ReconcilingWorker
from gateway.programme.jobs import enqueue, get_queue, job_id
from gateway.programme.reconcile import schedule_reconcile
from gateway.store.models import Application, Message
from tests.factories import add_application, add_pensioner
from workers.jobs import reconcile


@pytest.fixture
def settings_overrides():
    return {"RECONCILE_AFTER_SECONDS": 0}


def run_worker(redis, max_jobs=None) -> None:
    """A real RQ worker, in this process (so it shares the test's app context)."""
    queues = [get_queue(name, redis) for name in ("decisions", "sms")]
    ReconcilingWorker(queues, connection=redis).work(burst=True, max_jobs=max_jobs)


def pending_applications(db, n: int) -> list[Application]:
    applications = []
    for i in range(n):
        national_id = f"{i:010d}"
        add_pensioner(db, national_id, association_code="01" if i % 2 else "08")
        applications.append(add_application(db, national_id))
    return applications


def queue_validations(redis, applications) -> None:
    for application in applications:
        enqueue(redis, "validate_application", application.id)  # fmt: skip


def test_redis_flushed_mid_run_every_pensioner_still_gets_exactly_one_message(
    app, db, redis, programme
):
    applications = pending_applications(db, 12)
    queue_validations(redis, applications)
    run_worker(redis, max_jobs=1)  # one association's batch decided, the other's not yet
    redis.flushdb()  # a Redis restart without persistence: every job is gone
    db.rollback()
    assert db.scalar(select(Application).where(Application.status == "pending")) is not None
    found = reconcile()
    assert found["applications"] > 0
    run_worker(redis)
    db.rollback()
    statuses = Counter(db.scalars(select(Application.status)))
    assert statuses == {"approved": 8, "waitlisted": 4}  # 08 has 2 places, 01 has 1000
    messages = db.scalars(select(Message).where(Message.direction == "out")).all()
    assert Counter(m.application_id for m in messages) == {a.id: 1 for a in applications}
    assert {m.status for m in messages} == {"sent"}


def test_a_failed_job_with_the_same_id_does_not_block_the_requeue(app, db, redis, programme):
    (application,) = pending_applications(db, 1)
    queue_validations(redis, [application])
    job = Job.fetch(job_id("validate_application", f"{application.id}"), connection=redis)
    Queue("decisions", connection=redis).remove(job)
    job.set_status(JobStatus.FAILED)  # e.g. every retry failed while the database was down
    reconcile()
    reconcile()  # the re-queued job is live now: not queued twice
    assert Queue("decisions", connection=redis).job_ids == [job.id]
    run_worker(redis)
    db.rollback()
    assert db.get(Application, application.id, populate_existing=True).status == "approved"


def test_the_tick_is_queued_once_per_minute_whatever_the_number_of_workers(app, redis):
    for _ in range(5):
        schedule_reconcile(redis)
    ticks = [j for j in Queue("decisions", connection=redis).job_ids if j.startswith("reconcile")]
    assert len(ticks) == 1


def test_a_worker_lists_itself_again_at_its_upkeep_after_redis_lost_everything(app, redis):
    worker = ReconcilingWorker([get_queue("decisions", redis)], connection=redis)
    worker.register_birth()
    redis.flushdb()  # a restart without persistence
    worker.heartbeat()  # what its loop does meanwhile: a fragment of its hash
    assert Worker.all(connection=redis) == []
    worker.run_maintenance_tasks()
    (listed,) = Worker.all(connection=redis)
    assert (listed.name, listed.pid, listed.queue_names()) == (
        worker.name,
        os.getpid(),
        ["decisions"],
    )
