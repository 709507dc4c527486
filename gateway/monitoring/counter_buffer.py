"""Counter increments gathered in the process and written once a second, off the hot path.

A webhook turn then costs no database round trip for the console's counters; a process
that dies loses at most the last interval's counts (the messages themselves are in the
database, and the counters are a monitor's view, not the record).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections import Counter

from gateway.platform.logs import log_event

log = logging.getLogger("smsgw.stats")


class CounterBuffer:
    """Increments per database, flushed by a daemon thread every `interval` seconds."""

    def __init__(self, write):
        self.write = write  # write(database, counts) in one transaction
        self.lock = threading.Lock()
        self.pending: dict[object, Counter] = {}
        self.pid: int | None = None
        self.wake = threading.Event()

    def add(self, database, counts: Counter, interval: float) -> None:
        with self.lock:
            self.pending.setdefault(database, Counter()).update(counts)
            if self.pid != os.getpid():  # first use in this process (gunicorn forks)
                self.pid = os.getpid()
                thread = threading.Thread(
                    target=self._run, args=(interval,), daemon=True, name="stats-flush"
                )
                thread.start()

    def _run(self, interval: float) -> None:
        while True:
            self.wake.wait(interval)
            self.wake.clear()
            self.flush()

    def flush(self) -> None:
        """Write everything gathered; counts that fail to write are kept for the next try."""
        with self.lock:
            pending, self.pending = self.pending, {}
        for database, counts in pending.items():
            try:
                self.write(database, counts)
            except Exception as exc:  # the database is down: keep the counts, try again
                log_event(log, "stats_flush_failed", logging.WARNING, error=type(exc).__name__)
                with self.lock:
                    self.pending.setdefault(database, Counter()).update(counts)


def _write(database, counts: Counter) -> None:
    from gateway.store import stat_counters as store

    with database.engine.begin() as connection:
        store.add_counts(connection, counts)


BUFFER = CounterBuffer(_write)
atexit.register(BUFFER.flush)
