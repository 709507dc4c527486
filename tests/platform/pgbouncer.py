"""Debian's PgBouncer in transaction pooling, in a temporary folder, for integration tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from tests.helpers import free_port

PROGRAM = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def pgbouncer_missing() -> bool:
    return not os.access(PROGRAM, os.X_OK)


@contextmanager
def running_pgbouncer(database_url: str, folder: Path, server_connections: int = 2):
    """PgBouncer in front of database_url's PostgreSQL; yields database_url through it.

    Few server connections (`server_connections`) for many clients, so consecutive
    transactions of one client land on different server connections, as in production.
    """
    url = make_url(database_url)
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "pgbouncer.ini"
    config.write_text(
        "[databases]\n"
        f"{url.database} = host={url.host} port={url.port or 5432} dbname={url.database}"
        f" user={url.username}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        "auth_type = any\npool_mode = transaction\n"
        f"default_pool_size = {server_connections}\nmax_client_conn = 200\n"
    )
    # PgBouncer refuses to run as root; it reads its configuration before it drops to -u.
    user = ["-u", "nobody"] if os.geteuid() == 0 else []
    with open(folder / "pgbouncer.log", "w") as log:
        proc = subprocess.Popen([PROGRAM, *user, str(config)], stdout=log, stderr=log)
    try:
        _wait_for_port(port, folder / "pgbouncer.log")
        yield url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _wait_for_port(port: int, log: Path, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"pgbouncer did not start: {log.read_text()[-2000:]}")
