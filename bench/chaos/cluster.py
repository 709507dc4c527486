"""The rehearsal's own servers and processes, all under one temporary folder.

PostgreSQL (from `initdb`, run as the `postgres` user when we are root) and Redis
(`redis-server`, no persistence: a restart is a restart empty) on free ports, so
restarting them disturbs nothing else on the machine; two gunicorn nodes (`smsgw web`)
and three RQ workers (`smsgw worker`) with the project's production settings. A
supervisor thread starts a process again when it dies, as systemd or a Procfile
runner would.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench._gunicorn import free_port, stop, wait_ready

ROOT = Path(__file__).resolve().parents[2]
SMSGW = str(Path(sys.executable).parent / "smsgw")
NODES, WORKERS = 2, 3


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"{name} not found under /usr/lib/postgresql/*/bin")
    return found[-1]


class Postgres:
    """A throw-away PostgreSQL cluster; `restart()` is an immediate (crash-like) one."""

    def __init__(self, folder: Path):
        self.data, self.port = folder / "pg", free_port()
        self.user = "postgres" if os.geteuid() == 0 else None  # initdb refuses root
        self.data.mkdir()
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
            os.chown(self.data, entry.pw_uid, entry.pw_gid)
        self._run(
            _pg_bin("initdb"), "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8"
        )
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args) -> None:
        command = [str(a) for a in args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def _ctl(self, action: str, *extra) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        options += " -c max_connections=200"
        log = self.data / "server.log"
        self._run(
            _pg_bin("pg_ctl"), action, "-D", self.data, "-w", "-l", log, "-o", options, *extra
        )

    def start(self) -> None:
        self._ctl("start")

    def restart(self) -> None:
        self._ctl("restart", "-m", "immediate")

    def stop(self) -> None:
        self._run(_pg_bin("pg_ctl"), "stop", "-D", self.data, "-m", "fast")


class Redis:
    """redis-server with no persistence; `restart()` kills it and starts it empty."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder / "redis", free_port()
        self.folder.mkdir()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "no", "--dir", str(self.folder)]
        with open(self.folder / "server.log", "ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=log, start_new_session=True)
        for _ in range(100):
            if subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True
            ).stdout:
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def restart(self) -> None:
        self.stop()
        self.start()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Processes:
    """The gunicorn nodes and RQ workers, each started again by the supervisor if it dies."""

    def __init__(self, folder: Path, env: dict[str, str]):
        self.folder, self.env = folder, env
        self.nodes = [free_port() for _ in range(NODES)]
        self.procs: dict[str, subprocess.Popen] = {}
        self.restarts = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.watcher = threading.Thread(target=self._supervise, daemon=True)

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.nodes]

    def _command(self, name: str) -> list[str]:
        if name.startswith("web"):
            return [SMSGW, "web", "--port", str(self.nodes[int(name[3:])])]
        return [SMSGW, "worker"]

    def _start(self, name: str) -> None:
        env = {**self.env, "INSTANCE_PATH": str(self.folder / name)}
        with open(self.folder / f"{name}.log", "ab") as log:
            self.procs[name] = subprocess.Popen(
                self._command(name), env=env, cwd=ROOT, stdout=log, stderr=log,
                start_new_session=True,
            )  # fmt: skip

    def start(self) -> None:
        self.folder.mkdir()
        for i in range(NODES):
            self._start(f"web{i}")
        for i in range(WORKERS):
            self._start(f"worker{i}")
        for i, url in enumerate(self.urls):
            wait_ready(url, self.procs[f"web{i}"], self.folder / f"web{i}.log")
        self.watcher.start()

    def _supervise(self) -> None:
        while not self.stopping.wait(0.5):
            with self.lock:
                for name, proc in list(self.procs.items()):
                    if proc.poll() is not None:
                        self.restarts += 1
                        self._start(name)

    def worker_pids(self) -> dict[int, str]:
        with self.lock:
            return {p.pid: n for n, p in self.procs.items() if n.startswith("worker")}

    def node_master(self, index: int) -> int:
        return self.procs[f"web{index}"].pid

    def stop(self) -> None:
        self.stopping.set()
        with self.lock:
            for proc in self.procs.values():
                stop(proc)


def production_env(redis_url: str, database_url: str, sink_url: str) -> dict[str, str]:
    """The settings a production deployment would have, with the rehearsal's secrets;
    only the reconciler's delays are short, so a run ends in minutes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "BENCH_"))}
    return {
        **env,
        "GATEWAY_ENV": "production",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": secrets.token_hex(32),
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        "HTTP_SMS_TOKEN": secrets.token_hex(16),
        "USSD_TOKEN": secrets.token_hex(16),
        "SMS_PROVIDER": "http",
        "HTTP_SMS_SEND_URL": sink_url,
        "SMS_SEND_TIMEOUT_SECONDS": "5",
        "RECONCILE_AFTER_SECONDS": "15",
        "SMS_SENDING_STUCK_SECONDS": "20",
        "LOG_LEVEL": "WARNING",
    }


def kill(pid: int) -> bool:
    """SIGKILL one process we started; False when it was gone already."""
    try:
        os.kill(pid, signal.SIGKILL)
        return True
    except ProcessLookupError:
        return False


def remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
