"""Redis behind Sentinel: the primary dies, the replica is promoted, and the gateway
answers again within the Sentinel's timeout with every acknowledged message kept."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import replace

import pytest
from sqlalchemy import select

from gateway import create_app
from gateway.cli.serve import ReconcilingWorker
from gateway.programme.jobs import enqueue, get_queue
from gateway.store.models import Application, Message
from tests.channels.live import TwilioPhone, post_form, serve
from tests.channels.twilio_client import TOKEN, new_sid, sign, sms_form
from tests.console.pensioners import national_id
from tests.factories import add_application, add_pensioner
from tests.helpers import venv_bin
from tests.platform.redis_servers import (
    DOWN_AFTER_MS,
    SERVICE,
    redis_server_missing,
    running_redis_with_sentinel,
)

pytestmark = pytest.mark.slow
if redis_server_missing():
    pytest.skip(
        "redis-server is not installed: apt-get install redis-server", allow_module_level=True
    )
PHONE = "+989121234567"
# Sentinel calls the primary down after DOWN_AFTER_MS, then elects and promotes (about a
# second here); the gateway must answer again well within that plus its own retries.
ANSWER_AGAIN_WITHIN = DOWN_AFTER_MS / 1000 + 9


@pytest.fixture
def settings_overrides():
    return {"TWILIO_AUTH_TOKEN": TOKEN}


@pytest.fixture
def servers(tmp_path):
    with running_redis_with_sentinel(tmp_path / "redis") as found:
        yield found


@pytest.fixture
def sentinel_app(app, settings, servers):
    sentinels = (f"127.0.0.1:{servers.sentinel}",)
    gateway = create_app(
        replace(settings, REDIS_URL="", REDIS_SENTINELS=sentinels, REDIS_SENTINEL_MASTER=SERVICE)
    )
    with gateway.app_context():
        yield gateway


def send_until_answered(base: str, body: str) -> tuple[float, int]:
    """The carrier's way: the same message (same MessageSid) again until a 200; how long
    it took and how many 503s came first."""
    url, sid, refused = base + "/webhooks/twilio/sms", new_sid(), 0
    form = sms_form(PHONE, body, sid)
    started = time.monotonic()
    while time.monotonic() - started < 60:
        status, _ = post_form(url, form, {"X-Twilio-Signature": sign(url, form)})
        if status == 200:
            return time.monotonic() - started, refused
        assert status == 503, status
        refused += 1
        time.sleep(0.2)
    raise AssertionError("the gateway never answered again")


def test_after_a_failover_the_gateway_answers_again_and_loses_nothing(
    sentinel_app, db, programme, servers
):
    nid = national_id(1)
    add_pensioner(db, nid, association_code="01", mobile=PHONE)
    with serve(sentinel_app) as base:
        phone = TwilioPhone(base, PHONE)
        phone.send("وام")
        assert "شماره مستمری" in phone.send(nid)
        # The replica has every write the primary acknowledged (replication is
        # asynchronous: WAIT here only makes the test's moment of failure exact).
        assert servers.client(servers.primary).wait(1, 2000) == 1
        servers.processes["primary"].kill()
        took, refused = send_until_answered(base, "123456")
        print(f"failover: answered again after {took:.1f} s ({refused} answers 503 before)")
        assert took < ANSWER_AGAIN_WITHIN, (took, refused)
        assert servers.primary_port() == servers.replica
        assert "کد پیگیری" in phone.send("1")  # the session survived the failover
        redis = sentinel_app.extensions["smsgw"].redis
        queues = [get_queue(name, redis) for name in ("decisions", "sms")]
        ReconcilingWorker(queues, connection=redis).work(burst=True)
    db.rollback()
    (application,) = db.scalars(select(Application)).all()
    assert application.status == "approved" and application.national_id == nid
    inbound = db.scalars(select(Message).where(Message.direction == "in")).all()
    assert [m.status for m in inbound] == ["handled"] * 4  # the retried message once
    result = db.scalars(
        select(Message).where(Message.direction == "out", Message.reply_to_id.is_(None))
    ).all()
    assert [(m.application_id, m.status) for m in result] == [(application.id, "sent")]


def test_a_worker_process_and_its_scheduler_reach_the_primary_through_sentinel(
    sentinel_app, db, programme, servers, cli_env, tmp_path
):
    """`smsgw worker` (RQ with its scheduler, which builds its own client from the
    worker's) with only REDIS_SENTINELS and REDIS_SENTINEL_MASTER to find Redis."""
    nid = national_id(2)
    add_pensioner(db, nid, association_code="01", mobile=PHONE)
    application = add_application(db, nid, association_code="01")
    enqueue(sentinel_app.extensions["smsgw"].redis, "validate_application", application.id)
    env = {
        **os.environ, **cli_env, "REDIS_URL": "",
        "REDIS_SENTINELS": f"127.0.0.1:{servers.sentinel}", "REDIS_SENTINEL_MASTER": SERVICE,
    }  # fmt: skip
    with open(tmp_path / "worker.log", "w") as log:
        done = subprocess.run(
            [venv_bin("smsgw"), "worker", "--burst"], env=env, stdout=log, stderr=log, timeout=120
        )
    assert done.returncode == 0, (tmp_path / "worker.log").read_text()[-2000:]
    assert "Acquired scheduler lock for decisions" in (tmp_path / "worker.log").read_text()
    assert servers.client(servers.primary).llen("rq:queue:decisions") == 0
    db.rollback()
    assert db.get(Application, application.id, populate_existing=True).status == "approved"
