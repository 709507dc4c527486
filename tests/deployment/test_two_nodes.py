"""The rehearsal of a deployment: two web nodes (gunicorn, each its own INSTANCE_PATH and
port) and two workers on one PostgreSQL and one Redis, one shared EXPORT_FOLDER.

A dialog starts on one node and finishes on the other; an export asked for on A is
downloaded from B; a quota raised through B promotes a waitlisted application, decided
by a worker; each node's /metrics counts its own traffic; a node cut off from Redis
answers 503 on /readyz while the other keeps serving.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from contextlib import ExitStack

import pytest
from redis.connection import parse_url
from sqlalchemy import select

from gateway.console.passwords import hash_password
from gateway.programme.export_requests import recent_exports
from gateway.store import users
from gateway.store.models import Application
from tests.console.pensioners import national_id
from tests.deployment.console_client import ConsoleBrowser
from tests.deployment.tcp_proxy import TcpProxy
from tests.factories import add_pensioner
from tests.helpers import running_web, wait_until, worker_process

pytestmark = pytest.mark.slow
if not os.environ.get("TEST_DATABASE_URL"):
    pytest.skip(
        "the two-node rehearsal runs on PostgreSQL + Redis servers (TEST_DATABASE_URL and "
        "TEST_REDIS_URL); the embedded SQLite and Redis serve one machine",
        allow_module_level=True,
    )
TOKEN = "two-nodes-secret"
PASSWORD = "correct horse battery"
PHONES = ["+989121110001", "+989121110002", "+989121110003"]


@pytest.fixture
def deployment(app, db, programme, cli_env, tmp_path):
    """Nodes A and B (B reaches Redis through a proxy the test can cut), workers A and B."""
    users.add_user(db, username="admin", password_hash=hash_password(PASSWORD), role="admin")
    db.commit()
    shared = {
        **cli_env,
        "SECRET_KEY": "one-secret-for-every-node",  # phones' Redis keys are keyed by it
        "HTTP_SMS_TOKEN": TOKEN,
        "EXPORT_FOLDER": str(tmp_path / "shared-exports"),
    }
    node = {name: {**shared, "INSTANCE_PATH": str(tmp_path / f"node-{name}")} for name in "ab"}
    redis = parse_url(cli_env["REDIS_URL"])
    proxy = TcpProxy(redis["host"], redis["port"])
    node["b"]["REDIS_URL"] = f"redis://127.0.0.1:{proxy.port}/{redis.get('db', 0)}"
    with ExitStack() as stack:
        bases = {
            name: stack.enter_context(
                running_web(node[name], tmp_path / f"web-{name}.log", processes=1, threads=4)
            )
            for name in "ab"
        }
        for name in "ab":  # both workers reach Redis directly
            worker_env = {**shared, "INSTANCE_PATH": node[name]["INSTANCE_PATH"]}
            stack.enter_context(worker_process(worker_env, tmp_path / f"worker-{name}.log"))
        yield bases, proxy


def text(base: str, phone: str, body: str, message_id: str) -> str:
    """One SMS through the Kannel-style webhook of a node; the reply."""
    query = urllib.parse.urlencode(
        {"token": TOKEN, "from": phone, "to": "7070", "text": body, "id": message_id}
    )
    with urllib.request.urlopen(f"{base}/webhooks/http/sms?{query}", timeout=30) as response:
        assert response.status == 200
        return response.read().decode()


def statuses(db) -> dict[str, str]:
    db.rollback()
    return {a.phone: a.status for a in db.scalars(select(Application))}


def inbound_counted(base: str) -> float:
    """smsgw_messages_total for inbound HTTP SMS on that node's /metrics."""
    with urllib.request.urlopen(base + "/metrics", timeout=10) as response:
        found = re.search(
            r'^smsgw_messages_total\{channel="http",direction="in"\} (\S+)$',
            response.read().decode(), re.MULTILINE,
        )  # fmt: skip
    return float(found.group(1)) if found else 0.0


def ready(base: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(base + "/readyz", timeout=15) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_two_web_nodes_and_two_workers_serve_one_programme(deployment, db, redis):
    bases, proxy = deployment
    a, b = bases["a"], bases["b"]
    ids = [national_id(n) for n in range(len(PHONES))]
    for phone, nid in zip(PHONES, ids, strict=True):
        add_pensioner(db, nid, association_code="08", mobile=phone)  # 08: 2 places
    # Each dialog starts on one node and ends on the other.
    for n, (phone, nid) in enumerate(zip(PHONES, ids, strict=True)):
        first, second = (a, b) if n % 2 == 0 else (b, a)
        assert "کد ملی" in text(first, phone, "وام", f"m{n}-1")
        assert "شماره مستمری" in text(first, phone, nid, f"m{n}-2")
        text(second, phone, "123456", f"m{n}-3")
        assert "کد پیگیری" in text(second, phone, "1", f"m{n}-4")
    wanted = {PHONES[0]: "approved", PHONES[1]: "approved", PHONES[2]: "waitlisted"}
    wait_until(lambda: statuses(db) == wanted, f"not decided: {statuses(db)}", timeout=60)

    # Each node counts its own: A took 2 + 2 + 2 messages (dialogs 0, 2 start there, and
    # dialog 1 ends there), B the other 6.
    assert (inbound_counted(a), inbound_counted(b)) == (6.0, 6.0)

    # An export asked for on A, written by a worker, downloaded from B.
    browser = ConsoleBrowser()
    browser.sign_in(a, "admin", PASSWORD)
    assert browser.submit(a + "/console/exports", a + "/console/exports", {"format": "csv"}) == 200
    (export,) = recent_exports(redis)
    progress = f"{b}/console/exports/{export['id']}.json"
    wait_until(lambda: json.loads(browser.get(progress)[1])["state"] == "done",
               "the export was never written", timeout=60)  # fmt: skip
    status, body = browser.get(f"{b}/console/exports/{export['id']}/download")
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert sorted(row["mobile"] for row in rows) == PHONES

    # A quota raised through B: the waitlisted application is promoted by a worker.
    quotas = b + "/console/quotas"
    assert browser.submit(quotas, quotas + "/phases/1/limits", {"limit-08": "3"}) == 200
    wanted[PHONES[2]] = "approved"
    wait_until(lambda: statuses(db) == wanted, f"not promoted: {statuses(db)}", timeout=60)

    # B loses Redis: its /readyz says so, A keeps serving.
    proxy.cut()
    status, body = ready(b)
    assert status == 503 and '"redis"' in body
    assert ready(a)[0] == 200
    assert "کد ملی" in text(a, "+989121110009", "وام", "after-cut")
