"""Fixtures for tests that run real `smsgw worker` processes against a fake SMS provider."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import venv_bin

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def start_worker(settings, tmp_path, provider):
    """Start `smsgw worker --burst` with the test's database and Redis (plus extra env)."""
    started = []

    def start(pause_at: str | None = None, **extra):
        env = {
            **os.environ,
            "GATEWAY_ENV": "test",
            "DATABASE_URL": settings.DATABASE_URL,
            "REDIS_URL": settings.REDIS_URL,
            "INSTANCE_PATH": settings.INSTANCE_PATH,
            "SMS_PROVIDER": "http",
            "HTTP_SMS_SEND_URL": provider.url,
            "SMS_SEND_TIMEOUT_SECONDS": "60",
            **{k: str(v) for k, v in extra.items()},
        }
        log = open(tmp_path / f"worker-{len(started)}.log", "w")  # noqa: SIM115
        command = [venv_bin("smsgw")]
        if pause_at is not None:  # the job stops at that point (see paused_worker)
            command = [sys.executable, "-m", "tests.workers.paused_worker", pause_at]
        proc = subprocess.Popen(
            [*command, "worker", "--burst"], env=env, stdout=log, stderr=log, cwd=ROOT
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
