"""Real redis-server processes for the deployment tests: a primary, its replica and a
Sentinel watching them, in a temporary folder on free ports."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis

from tests.helpers import free_port

PROGRAM = shutil.which("redis-server") or "/usr/bin/redis-server"
SERVICE = "smsgw"
DOWN_AFTER_MS = 1000  # how long the primary may be silent before Sentinel calls it down


def redis_server_missing() -> bool:
    return shutil.which("redis-server") is None


@dataclass
class SentinelSet:
    primary: int
    replica: int
    sentinel: int
    processes: dict[str, subprocess.Popen]

    def client(self, port: int) -> redis.Redis:
        return redis.Redis(port=port, socket_timeout=2)

    def primary_port(self) -> int:
        """Where the Sentinel says the primary is now."""
        _, port = self.client(self.sentinel).sentinel_get_master_addr_by_name(SERVICE)
        return int(port)


@contextmanager
def running_redis(folder: Path, port: int, *args: str):
    """One redis-server on `port` with extra arguments (TLS, a password); yields once it
    listens."""
    folder.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        _start(stack, folder, "redis", [*args])
        _wait(lambda: _listening(port), "redis-server did not start", folder)
        yield


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made by Debian's openssl."""
    cert, key = folder / "redis.crt", folder / "redis.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


@contextmanager
def running_redis_with_sentinel(folder: Path):
    """Primary + replica + Sentinel (quorum 1); yields them once the Sentinel sees both."""
    folder.mkdir(parents=True, exist_ok=True)
    primary, replica, sentinel = free_port(), free_port(), free_port()
    conf = folder / "sentinel.conf"  # Sentinel rewrites its file: it must be its own
    conf.write_text(
        f"port {sentinel}\nbind 127.0.0.1\ndir {folder}\n"
        f"sentinel monitor {SERVICE} 127.0.0.1 {primary} 1\n"
        f"sentinel down-after-milliseconds {SERVICE} {DOWN_AFTER_MS}\n"
        f"sentinel failover-timeout {SERVICE} 5000\n"
    )
    with ExitStack() as stack:
        processes = {
            "primary": _start(stack, folder, "primary", ["--port", str(primary)]),
            "replica": _start(
                stack,
                folder,
                "replica",
                ["--port", str(replica), "--replicaof", "127.0.0.1", str(primary)],
            ),
            "sentinel": _start(stack, folder, "sentinel", [str(conf), "--sentinel"]),
        }
        servers = SentinelSet(primary, replica, sentinel, processes)
        _wait(lambda: _replica_linked(servers), "the replica never synced", folder)
        _wait(lambda: _sentinel_sees_replica(servers), "the Sentinel never saw the replica", folder)
        yield servers


def _start(stack: ExitStack, folder: Path, name: str, args: list[str]) -> subprocess.Popen:
    own = folder / name
    own.mkdir(exist_ok=True)
    extra = [] if name == "sentinel" else ["--bind", "127.0.0.1", "--save", "", "--dir", str(own)]
    with open(folder / f"{name}.log", "w") as log:
        proc = subprocess.Popen([PROGRAM, *args, *extra], stdout=log, stderr=log)
    stack.callback(_stop, proc)
    return proc


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _replica_linked(servers: SentinelSet) -> bool:
    info = servers.client(servers.replica).info("replication")
    return info.get("master_link_status") == "up"


def _sentinel_sees_replica(servers: SentinelSet) -> bool:
    replicas = servers.client(servers.sentinel).sentinel_slaves(SERVICE)
    return any(int(r["port"]) == servers.replica for r in replicas)


def _wait(ready, what: str, folder: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if ready():
                return
        except (redis.ConnectionError, redis.ResponseError):
            pass
        time.sleep(0.2)
    logs = {p.name: p.read_text()[-800:] for p in folder.glob("*.log")}
    raise RuntimeError(f"{what}: {logs}")
