"""Helpers for tests that start real processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, timeout: float = 60, status: int = 200) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == status:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    return False


def wait_until(predicate, failure: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(failure)
        time.sleep(0.1)


def descendants(pid: int) -> set[int]:
    """Every live process below `pid`, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def venv_bin(name: str) -> str:
    """A console script of the running interpreter's environment."""
    import sys

    return os.path.join(os.path.dirname(sys.executable), name)


@contextmanager
def running_web(
    env: dict[str, str], log_path: Path, processes: int = 2, threads: int = 4, port: int = 0
):
    """`smsgw web` (gunicorn) with `env` on `port` (or a free one); yields its base URL and
    stops it after."""
    with web_process(env, log_path, processes, threads, port) as (base, _master):
        yield base


@contextmanager
def web_process(
    env: dict[str, str], log_path: Path, processes: int = 2, threads: int = 4, port: int = 0
):
    """As running_web, yielding (base URL, the gunicorn master's Popen) for tests that
    signal it themselves."""
    port = port or free_port()
    env = {**os.environ, **env, "WEB_CONCURRENCY": str(processes), "WEB_THREADS": str(threads)}
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [venv_bin("smsgw"), "web", "--port", str(port)], env=env, stdout=log, stderr=log
        )
    base = f"http://127.0.0.1:{port}"
    try:
        if not wait_for_http(base + "/healthz", timeout=60):
            raise RuntimeError(f"smsgw web did not start: {log_path.read_text()[-2000:]}")
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def worker_process(env: dict[str, str], log_path: Path, *args: str):
    """`smsgw worker ARGS` with `env`; yields its Popen and stops it after (SIGTERM, as a
    platform does, then SIGKILL if it does not stop)."""
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [venv_bin("smsgw"), "worker", *args], env={**os.environ, **env},
            stdout=log, stderr=log,
        )  # fmt: skip
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
