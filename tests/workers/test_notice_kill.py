"""`smsgw notices send` killed half-way and run again: every phone is reached once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from gateway.cli import cli
from gateway.store.models import Application, Message, NoticeRecipient

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
PHONES = 1200  # two chunks of notices.CHUNK_PHONES (1,000)


def wait_for(predicate, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_notice_killed_after_its_first_chunk_and_run_again_reaches_each_phone_once(
    app, db, redis, programme, provider, start_worker, cli_env, tmp_path
):
    db.add_all(
        Application(national_id=f"{i:010d}", pension_number="123456", tracking_code=f"{i:08d}",
                    phone=f"+98912{i:07d}", channel="sms", lang="fa", status="approved",
                    association_code="08", phase=1, flags="")
        for i in range(PHONES)
    )  # fmt: skip
    db.commit()
    text = tmp_path / "notice.txt"
    text.write_text("پرداخت وام‌ها از شنبه آغاز می‌شود.", "utf-8")
    args = ["notices", "send", "--status", "approved", "--text-file", str(text)]
    log = open(tmp_path / "killed.log", "w")  # noqa: SIM115
    first = subprocess.Popen(
        [sys.executable, "-m", "tests.workers.paused_worker", "notice", *args],
        env={**os.environ, **cli_env}, stdout=log, stderr=log, cwd=ROOT,
    )  # fmt: skip
    wait_for(lambda: redis.get("smsgw:test:paused:notice"))
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Message)) == 1000

    again = CliRunner().invoke(cli, args, env=cli_env, catch_exceptions=False)
    assert again.exit_code == 0, again.output
    assert f"notice 1: {PHONES} phones reached" in again.output
    db.rollback()
    per_phone = Counter(db.scalars(select(Message.phone)))
    assert len(per_phone) == PHONES and set(per_phone.values()) == {1}
    assert db.scalar(select(func.count()).select_from(NoticeRecipient)) == PHONES

    assert start_worker(SMS_RATE_PER_SECOND=5000).wait(timeout=180) == 0
    reached = Counter(request["to"] for request in provider.requests)
    assert len(reached) == PHONES and set(reached.values()) == {1}
