"""SIGTERM, as a platform stops a node for a release: a web node finishes the requests in
flight, a worker finishes its current job; nothing is half done."""

from __future__ import annotations

import signal
import threading
import urllib.parse
import urllib.request

import pytest
from rq import Queue
from rq.registry import FailedJobRegistry

from config import gunicorn
from flows.messages import render
from gateway.dialog.sessions import LOCK_WAIT, session_store
from gateway.platform import services
from gateway.programme.jobs import enqueue
from gateway.store.models import Message
from tests.factories import add_queued_message, fresh
from tests.helpers import alive, wait_until, web_process, worker_process
from tests.outbound.fake_provider import FakeProvider

pytestmark = pytest.mark.slow
TOKEN = "graceful-secret"
PHONE = "+989121234567"


def test_a_request_that_waits_its_whole_lock_wait_still_finishes_within_the_grace():
    """Platforms send SIGKILL 30 s after SIGTERM (docs/DEPLOYMENT.md)."""
    assert LOCK_WAIT + 2 <= gunicorn.graceful_timeout <= 28


def test_sigterm_on_a_web_node_finishes_the_request_in_flight(app, db, redis, cli_env, tmp_path):
    """The request waits on its phone's lock (held here) while the node is told to stop;
    it is answered, and stored, once the lock is free; new connections are refused."""
    lock = session_store(services.current()).key("lock", PHONE)
    redis.set(lock, "another-turn", px=60_000)
    env = {**cli_env, "HTTP_SMS_TOKEN": TOKEN}
    others = {client["id"] for client in redis.client_list()}  # this process's, earlier tests'
    with web_process(env, tmp_path / "web.log", processes=1, threads=2) as (base, master):
        query = urllib.parse.urlencode({"token": TOKEN, "from": PHONE, "text": "وام", "id": "g1"})
        answer = {}

        def in_flight():
            with urllib.request.urlopen(f"{base}/webhooks/http/sms?{query}", timeout=30) as r:
                answer.update(status=r.status, body=r.read().decode())

        request = threading.Thread(target=in_flight)
        request.start()
        wait_until(lambda: _waiting_on_a_lock(redis, others), "the request never reached the node")
        master.send_signal(signal.SIGTERM)
        wait_until(lambda: _refused(base), "the stopping node still takes new connections")
        assert master.poll() is None and not answer  # still finishing the request
        redis.delete(lock)
        request.join(timeout=20)
        assert master.wait(timeout=15) == 0
    assert answer == {"status": 200, "body": render("welcome_ask_national_id", "fa")}
    db.rollback()
    (stored,) = db.query(Message).filter(Message.direction == "in").all()
    assert (stored.external_id, stored.status) == ("g1", "handled")


def _waiting_on_a_lock(redis, others: set[str]) -> bool:
    """A client of the node on this Redis database is trying the phone's lock (a script
    run every 10 ms). Clients connected before the node started are not its: a client
    of this test process whose last command was a script (an earlier test's dialog)
    would otherwise pass for it, and SIGTERM would come before the request is taken."""
    db = str(redis.connection_pool.connection_kwargs.get("db", 0))
    return any(
        c["id"] not in others and c["db"] == db and c["cmd"].startswith("evalsha")
        for c in redis.client_list()
    )


def _refused(base: str) -> bool:
    try:
        urllib.request.urlopen(base + "/healthz", timeout=2).close()
    except OSError:
        return True
    return False


@pytest.fixture
def provider():
    """The carrier's HTTP API, answering the first send only when released."""
    server = FakeProvider(script=[("slow", 60)])
    yield server
    server.stop()


def test_sigterm_on_a_worker_lets_the_current_job_finish_and_stops(
    app, db, redis, cli_env, tmp_path, provider
):
    """The send is at the carrier (a slow answer) when the worker is told to stop: the
    worker waits for it, records the message sent, takes no next job, and exits 0."""
    first, second = add_queued_message(db), add_queued_message(db, phone="+989351112233")
    env = {**cli_env, "SMS_PROVIDER": "http", "HTTP_SMS_SEND_URL": provider.url,
           "SMS_SEND_TIMEOUT_SECONDS": "60"}  # fmt: skip
    log = tmp_path / "worker.log"
    with worker_process(env, log, "--queues", "sms") as worker:
        enqueue(redis, "send_sms", first.id)
        wait_until(lambda: provider.requests, "the worker never called the provider")
        enqueue(redis, "send_sms", second.id)
        worker.send_signal(signal.SIGTERM)
        wait_until(lambda: "warm shut down requested" in log.read_text(),
                   "the worker did not take the SIGTERM")  # fmt: skip
        assert alive(worker.pid)
        provider.release.set()  # the carrier answers 200 now
        assert worker.wait(timeout=30) == 0
    assert fresh(db, Message, first.id).status == "sent"
    assert fresh(db, Message, second.id).status == "queued"  # left for the next worker
    assert Queue("sms", connection=redis).job_ids == [f"send_sms-{second.id}"]
    assert FailedJobRegistry("sms", connection=redis).get_job_ids() == []
    assert provider.per_id == {str(first.id): 1}
