"""Real `smsgw worker` processes: concurrent decisions, and workers killed mid-job."""

from __future__ import annotations

import os
import random
import signal
import time
from collections import Counter
from datetime import timedelta

import pytest
from rq import Queue
from sqlalchemy import func, select, update

from gateway.platform.dates import utcnow
from gateway.programme.jobs import enqueue
from gateway.store.models import Application, ApplicationEvent, Message, Pensioner, Quota
from tests.factories import add_application, add_pensioner, add_queued_message

pytestmark = pytest.mark.slow


def wait_for(predicate, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_eight_workers_never_exceed_the_quota_and_waitlist_in_confirmation_order(
    app, db, redis, programme, start_worker
):
    db.execute(update(Quota).where(Quota.association_code == "08").values(limit=50))
    base = utcnow() - timedelta(minutes=5)
    db.add_all(
        Pensioner(national_id=f"{i:010d}", pension_number="123456", full_name="x",
                  association_code="08", mobile="+989121234567")
        for i in range(200)
    )  # fmt: skip
    db.add_all(
        Application(national_id=f"{i:010d}", pension_number="123456", tracking_code=f"{i:08d}",
                    phone="+989121234567", channel="ussd", lang="fa", status="pending",
                    flags="", created_at=base + timedelta(milliseconds=10 * i))
        for i in range(200)
    )  # fmt: skip
    db.commit()
    ids = list(db.scalars(select(Application.id)))
    random.Random(4).shuffle(ids)  # jobs arrive in any order
    for application_id in ids:
        enqueue(redis, "validate_application", application_id)  # fmt: skip
    workers = [start_worker() for _ in range(8)]
    for worker in workers:
        assert worker.wait(timeout=90) == 0
    db.rollback()
    rows = db.execute(
        select(Application.status, Application.waitlist_position).order_by(
            Application.created_at, Application.id
        )
    ).all()
    assert Counter(status for status, _ in rows) == {"approved": 50, "waitlisted": 150}
    assert [status for status, _ in rows[:50]] == ["approved"] * 50
    assert [position for _, position in rows[50:]] == list(range(1, 151))
    quota = db.scalar(select(Quota).where(Quota.association_code == "08", Quota.phase == 1))
    assert (quota.used, quota.waitlisted) == (50, 150)
    per_application = Counter(db.scalars(select(Message.application_id)))
    assert len(per_application) == 200 and set(per_application.values()) == {1}


def forget_this_minutes_tick(redis) -> None:
    """As if the next minute had come: the tick's job id is free again."""
    for key in redis.scan_iter("rq:job:reconcile-*"):
        redis.delete(key)
    Queue("decisions", connection=redis).empty()


def test_a_worker_killed_mid_decision_is_replaced_and_the_pensioner_gets_one_message(
    app, db, redis, programme, provider, start_worker
):
    add_pensioner(db, "0000000001")
    application = add_application(db, "0000000001")
    enqueue(redis, "validate_application", application.id)  # fmt: skip
    first = start_worker(pause_at="decide", RECONCILE_AFTER_SECONDS=1)
    wait_for(lambda: redis.get("smsgw:test:paused:decide"))
    assert int(redis.get("smsgw:test:paused:decide")) == first.pid
    os.kill(first.pid, signal.SIGKILL)  # the quota place and the message were not committed
    first.wait()
    time.sleep(1.5)
    forget_this_minutes_tick(redis)
    second = start_worker(pause_at="decide", RECONCILE_AFTER_SECONDS=1)
    assert second.wait(timeout=60) == 0
    db.rollback()
    decided = db.get(Application, application.id, populate_existing=True)
    assert decided.status == "approved"
    messages = db.scalars(select(Message).where(Message.application_id == application.id)).all()
    assert [m.status for m in messages] == ["sent"]
    assert provider.delivered[str(messages[0].id)] == 1 and len(provider.delivered) == 1
    events = db.scalar(select(func.count()).select_from(ApplicationEvent))
    used = db.scalar(select(Quota.used).where(Quota.association_code == "08", Quota.phase == 1))
    assert (events, used) == (1, 1)


def test_a_worker_killed_mid_send_is_replaced_and_the_phone_gets_one_message(
    app, db, redis, provider, start_worker
):
    provider.script = [("slow", 30)]  # the first request hangs until the worker is gone
    message = add_queued_message(db)
    enqueue(redis, "send_sms", message.id)
    env = {"RECONCILE_AFTER_SECONDS": 1, "SMS_SENDING_STUCK_SECONDS": 2}
    first = start_worker(**env)
    wait_for(lambda: provider.per_id[str(message.id)] == 1)
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    db.rollback()
    assert db.get(Message, message.id, populate_existing=True).status == "sending"
    time.sleep(2.5)
    forget_this_minutes_tick(redis)
    second = start_worker(**env)
    assert second.wait(timeout=60) == 0
    db.rollback()
    sent = db.get(Message, message.id, populate_existing=True)
    assert (sent.status, sent.attempts) == ("sent", 2)
    assert provider.per_id[str(message.id)] == 2  # sent again with the same id ...
    assert provider.delivered[str(message.id)] == 1  # ... which the provider dedupes


def test_a_worker_killed_while_waiting_for_the_carriers_rate_leaves_the_message_queued(
    app, db, redis, provider, start_worker
):
    """The claim comes after the rate slot: dying before the call is not `unknown_outcome`."""
    message = add_queued_message(db)
    enqueue(redis, "send_sms", message.id)
    first = start_worker(pause_at="rate", SMS_PROVIDER="http")
    wait_for(lambda: redis.get("smsgw:test:paused:rate"))
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    db.rollback()
    waiting = db.get(Message, message.id, populate_existing=True)
    assert (waiting.status, waiting.attempts) == ("queued", 0)
    assert provider.requests == []
    forget_this_minutes_tick(redis)
    second = start_worker(RECONCILE_AFTER_SECONDS=0)
    assert second.wait(timeout=60) == 0
    db.rollback()
    sent = db.get(Message, message.id, populate_existing=True)
    assert (sent.status, sent.attempts) == ("sent", 1)
