"""`smsgw run`: embedded Redis + web + worker as child processes, stopped together."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from config.settings import Settings
from gateway.platform.embedded_redis import EmbeddedRedis


def web_environment(settings: Settings, environ: dict[str, str]) -> dict[str, str]:
    """Environment for gunicorn: metrics merged across its workers through a fresh folder."""
    metrics_dir = settings.instance_path / "prometheus"
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    return {**environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "PORT": str(settings.PORT)}


def gunicorn_command() -> list[str]:
    return [sys.executable, "-m", "gunicorn", "-c", "python:config.gunicorn", "config.wsgi:app"]


class Supervisor:
    """Starts child processes and stops every one of them on Ctrl-C, SIGTERM or a crash."""

    def __init__(self):
        self.children: list[tuple[str, subprocess.Popen]] = []
        self.stopping = False

    def start(self, name: str, args: list[str], env: dict[str, str]) -> None:
        # Own session: Ctrl-C reaches only us, and we stop the children in order.
        proc = subprocess.Popen(args, env=env, start_new_session=True)
        self.children.append((name, proc))

    def wait(self) -> str:
        """Block until a signal arrives or a child exits; return why."""
        reason = ""

        def on_signal(signum, _frame):
            nonlocal reason
            reason = signal.Signals(signum).name

        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, on_signal)
        while not reason:
            for name, proc in self.children:
                if proc.poll() is not None:
                    reason = f"{name} exited with {proc.returncode}"
            time.sleep(0.2)
        return reason

    def stop(self, timeout: float = 15) -> None:
        for _name, proc in reversed(self.children):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for _name, proc in reversed(self.children):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def start_embedded_redis(settings: Settings) -> EmbeddedRedis | None:
    """Start the embedded Redis when no Redis is named, and export its URL to children."""
    if not settings.embedded_redis:
        return None
    server = EmbeddedRedis(Path(settings.instance_path) / "redis")
    if server.is_running():
        raise RuntimeError(
            f"an embedded Redis already runs on {server.socket}: is another `smsgw run` "
            "using this instance folder?"
        )
    os.environ["REDIS_URL"] = server.start()
    return server
