"""A gunicorn under test: started on a free port, awaited on /readyz, stopped with its workers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}:\n{tail(log)}")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url}/readyz not ready after {timeout:.0f} s:\n{tail(log)}")


def tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


def warm_up(url: str, rounds: int = 40) -> None:
    """Touch both workers' database and Redis pools before the clock starts."""
    for _ in range(rounds):
        with urllib.request.urlopen(url + "/readyz", timeout=5) as response:
            response.read()


def child_pids(parent: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                pids.append(int(entry.name))
    return pids


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def cpu_seconds_of(command: str) -> float:
    """CPU time so far of every process named `command` (postgres, redis-server), with
    that of its children that have exited (a PostgreSQL backend of a connection that
    closed during the run): the root process's cutime + cstime."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == command:
                    stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                    stats[int(entry.name)] = stat
            except OSError:
                continue
    total = 0
    for stat in stats.values():
        total += int(stat[11]) + int(stat[12])  # utime, stime
        if int(stat[1]) not in stats:  # a root: its reaped children's time too
            total += int(stat[13]) + int(stat[14])  # cutime, cstime
    return total / TICKS


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the machine since boot, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / TICKS, sum(values) / TICKS


@contextmanager
def gunicorn(app: str, env: dict[str, str], log: Path, port: int, worker_class: str | None = None):
    """Yield (base URL, master pid) of `gunicorn -c python:config.gunicorn APP` on `port`."""
    args = [sys.executable, "-m", "gunicorn", "-c", "python:config.gunicorn"]
    if worker_class:
        args += ["-k", worker_class]
    env = {**env, "PORT": str(port)}
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [*args, app], env=env, cwd=ROOT, stdout=out, stderr=out, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, proc, log)
        warm_up(url)
        yield url, proc.pid
    finally:
        stop(proc)


def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM the master (it stops its workers); SIGKILL the whole group if it hangs."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    for _ in range(50):  # the workers share the master's process group
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
