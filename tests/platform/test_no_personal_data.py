"""No national ID, pension number, name or phone in any log line or Redis value after the
paths that fail: a database error quoting a message, a job failing with the data."""

from __future__ import annotations

import io
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rq.job import Job
from sqlalchemy import text

from gateway.platform.logs import HANDLER_NAME
from gateway.store import messages
from gateway.store.models import Application, Pensioner
from tests.channels.twilio_client import TOKEN, post_signed, sms_form

ROOT = Path(__file__).resolve().parents[2]
NAME = "علی رضایی"
NATIONAL_ID = "0012345679"
DASHED_ID = "001-234-5679"
PENSION = "7391"
PHONE = "+989121234567"
# What must never be found whole: each as a pattern that ignores neighbouring digits.
SECRETS = {
    "name": re.compile("علی|رضایی"),
    "national_id": re.compile(r"(?<!\d)0012345679(?!\d)|001-234-5679"),
    "pension_number": re.compile(r"(?<!\d)7391(?!\d)"),
    "phone": re.compile(r"(?<!\d)(\+98|0)?9121234567(?!\d)"),
}


@pytest.fixture
def settings_overrides():
    return {"TWILIO_AUTH_TOKEN": TOKEN}


@pytest.fixture
def log_lines():
    """Every line the app logs, through the handler production uses."""
    stream = io.StringIO()
    [handler] = [h for h in logging.getLogger().handlers if h.get_name() == HANDLER_NAME]
    original, handler.stream = handler.stream, stream
    yield lambda: stream.getvalue()
    handler.stream = original


def leaks(text_found: str) -> list[str]:
    return [name for name, pattern in SECRETS.items() if pattern.search(text_found)]


READERS = {
    "string": lambda redis, key: redis.get(key),
    "hash": lambda redis, key: redis.hgetall(key),
    "list": lambda redis, key: redis.lrange(key, 0, -1),
    "set": lambda redis, key: redis.smembers(key),
    "zset": lambda redis, key: redis.zrange(key, 0, -1),
    "stream": lambda redis, key: redis.xrange(key),
}


def redis_text(redis) -> str:
    """Every key and value in the test's Redis database, as text."""
    found = []
    for key in redis.scan_iter():
        value = READERS.get(redis.type(key).decode(), lambda _r, _k: b"")(redis, key)
        found.append(f"{key!r} {value!r}")
    return "\n".join(found).encode().decode("unicode_escape", errors="replace")


def test_a_database_error_quoting_a_message_leaks_nothing(client, redis, log_lines, monkeypatch):
    def insert_that_fails(session, inbound, reply):
        # What a database says when it refuses a value: the value itself, quoted.
        session.execute(text("SELECT CAST(:body AS INTEGER)"), {"body": inbound["text"]})
        raise RuntimeError(f"could not store {inbound['text']} from {inbound['phone']}")

    monkeypatch.setattr(messages, "insert_turn", insert_that_fails)
    body = f"{NAME} کد ملی {DASHED_ID} شماره مستمری {PENSION}"
    response = post_signed(client, "/webhooks/twilio/sms", sms_form(PHONE, body))
    assert response.status_code == 500
    assert "Traceback" not in response.get_data(as_text=True)
    logged = log_lines()
    assert "unhandled_error" in logged
    assert leaks(logged) == []
    assert leaks(redis_text(redis)) == []


@pytest.mark.slow
def test_a_job_failing_with_the_pensioners_data_leaks_nothing(app, db, redis, settings, programme):
    db.add(Pensioner(national_id=NATIONAL_ID, pension_number=PENSION, full_name=NAME,
                     association_code="08", mobile=PHONE))  # fmt: skip
    db.add(Application(national_id=NATIONAL_ID, pension_number=PENSION, tracking_code="10000009",
                       phone=PHONE, channel="sms", lang="fa", status="pending"))  # fmt: skip
    db.commit()
    application_id = db.scalar(text("SELECT id FROM applications"))
    from gateway.programme.jobs import get_queue

    # Queued with no retry, so that the one failure is final and its record is kept.
    get_queue("decisions", redis).enqueue("workers.jobs.validate_application", application_id)
    env = {
        **os.environ, "GATEWAY_ENV": "test", "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL, "INSTANCE_PATH": settings.INSTANCE_PATH,
    }  # fmt: skip
    worker = subprocess.run(
        [sys.executable, "-m", "tests.platform.failing_worker", "worker", "--burst"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    logged = worker.stdout + worker.stderr
    assert "job_failed" in logged and "ValueError" in logged  # the failure was logged ...
    assert leaks(logged) == []  # ... without the data
    [failed] = get_queue("decisions", redis).failed_job_registry.get_job_ids()
    record = Job.fetch(failed, connection=redis).latest_result().exc_string
    assert "cannot decide for" in record  # the failure record is kept for the console ...
    assert leaks(record) == []  # ... masked
    assert leaks(redis_text(redis)) == []
