"""The faults, each at a seeded point of the load (a share of the dialogs done).

A web worker is SIGKILLed (its gunicorn master starts another); an RQ worker is
SIGKILLed while RQ says it runs a decision, and another while it runs a send (the
sink's slow answers make that window wide; the supervisor starts a new worker); Redis
is restarted empty; PostgreSQL is restarted the hard way (`pg_ctl restart -m immediate`).
"""

from __future__ import annotations

import os
import random
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import redis as redis_lib
from rq import Worker
from rq.executions import WORKER_EXECUTIONS_KEY_TEMPLATE

from bench._gunicorn import child_pids
from bench.chaos.cluster import Postgres, Processes, Redis, kill
from bench.chaos.sink import Sink

FAULTS = (
    "kill_web_worker", "kill_web_worker", "kill_rq_worker_deciding", "kill_rq_worker_sending",
    "restart_redis_empty", "restart_postgres",
)  # fmt: skip
DECISION_JOBS = ("validate_application", "decide_association")
CATCH_SECONDS = 90


@dataclass
class Fault:
    kind: str
    at_share: float
    at: float = 0.0  # time.time() when it was done
    detail: str = ""


def plan(seed: int) -> list[Fault]:
    rng = random.Random(f"faults-{seed}")
    return sorted(
        (Fault(kind, rng.uniform(0.1, 0.85)) for kind in FAULTS), key=lambda f: f.at_share
    )


class Injector:
    """Runs the plan on a thread while the load runs."""

    def __init__(
        self, seed, progress, postgres: Postgres, redis: Redis, procs: Processes, sink: Sink
    ):
        self.faults = plan(seed)
        self.rng = random.Random(f"victims-{seed}")
        self.progress, self.postgres, self.redis, self.procs = progress, postgres, redis, procs
        self.sink = sink
        self.connection = redis_lib.Redis.from_url(redis.url)
        self.worker_names: dict[str, int] = {}  # RQ worker name -> pid
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    @property
    def last_fault_at(self) -> float:
        return max((f.at for f in self.faults if f.at), default=0.0)

    def _run(self) -> None:
        for fault in self.faults:
            while self.progress() < fault.at_share:
                self._remember_workers()
                if self.stop.wait(0.2):
                    return
            fault.detail = getattr(self, fault.kind)()
            fault.at = time.time()
            print(f"  fault at {fault.at_share:.0%}: {fault.kind} ({fault.detail})", flush=True)

    def kill_web_worker(self) -> str:
        node = self.rng.randrange(len(self.procs.urls))
        workers = sorted(child_pids(self.procs.node_master(node)))
        if not workers:
            return f"node {node} had no worker to kill"
        pid = self.rng.choice(workers)
        kill(pid)
        return f"node {node} worker pid {pid}"

    def kill_rq_worker_deciding(self) -> str:
        """SIGKILL a worker while its RQ record says it runs a decision job."""
        return self._catch(self._deciding, "a decision")

    def kill_rq_worker_sending(self) -> str:
        """SIGKILL the worker whose request the sink is answering slowly: mid-send."""
        return self._catch(lambda ours: _owner(self.sink.waiting.copy(), ours), "a send")

    def _catch(self, find, what: str) -> str:
        deadline = time.monotonic() + CATCH_SECONDS
        while time.monotonic() < deadline:
            ours = self.procs.worker_pids()
            pid = find(ours)
            if pid and kill(pid):
                return f"{ours[pid]} pid {pid} in {what}"
            time.sleep(0.01)
        ours = self.procs.worker_pids()
        pid = self.rng.choice(sorted(ours))
        kill(pid)
        return f"no worker seen in {what} for {CATCH_SECONDS} s: killed {ours[pid]} (pid {pid})"

    def _deciding(self, ours: dict[int, str]) -> int | None:
        """The pid of one of ours running a decision job (its RQ executions, job id first).
        RQ's list of workers is empty for a while after Redis restarted (until each
        worker's upkeep), so the names seen before are remembered."""
        self._remember_workers()
        try:
            for name, pid in self.worker_names.items():
                running = self.connection.smembers(WORKER_EXECUTIONS_KEY_TEMPLATE.format(name))
                if pid in ours and any(k.decode().startswith(DECISION_JOBS) for k in running):
                    return pid
        except redis_lib.RedisError:
            pass
        return None

    def _remember_workers(self) -> None:
        try:
            for worker in Worker.all(connection=self.connection):
                self.worker_names[worker.name] = worker.pid
        except redis_lib.RedisError:
            pass

    def restart_redis_empty(self) -> str:
        self.redis.restart()
        return f"port {self.redis.port}"

    def restart_postgres(self) -> str:
        self.postgres.restart()
        return f"port {self.postgres.port}, -m immediate"


def _owner(ports: set[int], pids) -> int | None:
    """The process (among `pids`) holding a TCP connection from one of these local ports."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) in ports:
                inodes.add(f"socket:[{fields[9]}]")
    for pid in pids:
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(fd) in inodes:
                    return pid
            except OSError:
                continue
    return None
