"""The Procfile, run as a Procfile platform runs it: release, then web and worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rq import Worker

from tests.helpers import descendants, free_port, wait_for_http

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


@pytest.fixture
def production_env(settings, tmp_path):
    """What an operator sets on the platform: production, every secret, real servers."""
    return {
        # The platform puts the installed `smsgw` on the PATH: here, this venv's bin.
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "GATEWAY_ENV": "production",
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "s" * 32,
        "TWILIO_AUTH_TOKEN": "t",
        "HTTP_SMS_TOKEN": "h",
        "USSD_TOKEN": "u",
        "SMS_PROVIDER": "http",
        "HTTP_SMS_SEND_URL": "http://127.0.0.1:9/send",
        "WEB_CONCURRENCY": "2",
    }


def start(command: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        ["bash", "-c", command], env=env, cwd=ROOT, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=90)  # a worker finishes its job first; a loaded machine is slow


def test_the_procfile_has_release_web_and_worker():
    assert set(procfile()) == {"release", "web", "worker"}


def test_release_migrates_the_database(app, production_env):
    result = subprocess.run(
        ["bash", "-c", procfile()["release"]], env=production_env, cwd=ROOT,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "database is up to date" in result.stdout


def test_web_serves_with_the_projects_gunicorn_settings(app, production_env):
    port = free_port()
    web = start(procfile()["web"], {**production_env, "PORT": str(port)})
    try:
        assert wait_for_http(f"http://127.0.0.1:{port}/readyz", timeout=60), web.stderr
        # gunicorn's master (the shell and `smsgw web` exec into it) with WEB_CONCURRENCY
        # workers, not a lone sync worker.
        assert b"gunicorn" in _cmdline(web.pid) and b"config.gunicorn" in _cmdline(web.pid)
        workers = [p for p in descendants(web.pid) if b"gunicorn" in _cmdline(p)]
        assert len(workers) == 2
    finally:
        stop(web)


def test_worker_joins_the_queues(app, redis, production_env):
    worker = start(procfile()["worker"], production_env)
    try:
        deadline = time.monotonic() + 60
        while not Worker.all(connection=redis) and time.monotonic() < deadline:
            time.sleep(0.2)
        [registered] = Worker.all(connection=redis)
        assert registered.queue_names() == ["decisions", "sms", "exports"]
    finally:
        stop(worker)


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""
