"""Chunks written in order by a thread of their own while the caller prepares the next.

The database does its part of a bulk load in another process (PostgreSQL) or in C code
that releases the GIL (sqlite3), so on two cores it can store one chunk while Python
parses the next. A bounded queue keeps memory flat; an error on either side stops both.

The parser holds the GIL nearly all the time, and the writer needs it for a moment
between its waits on the database (each buffer of a COPY handed to libpq). At CPython's
5 ms switch interval the writer waits up to 5 ms for each of those moments, and the
database sits idle meanwhile; while a writer runs, the interval is 0.1 ms (`bench
registry_import`: a million rows in about two thirds of the time).
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

Chunk = TypeVar("Chunk")
_DONE = object()
SWITCH_INTERVAL = 0.0001  # seconds; see the module's docstring


class WriterThread(Generic[Chunk]):
    """`write(chunk)` called on one thread for each `put(chunk)`, in order.

    Use it as a context manager: leaving the block normally waits for every chunk to be
    written and raises the writer's error if it had one; leaving it on an error skips
    the chunks not yet written. After the block the writer thread has ended, so whatever
    it used (a database connection) is the caller's again, for a commit or a rollback.
    """

    def __init__(self, write: Callable[[Chunk], None], depth: int = 2):
        self._write = write
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._cancelled = False
        self._thread = threading.Thread(target=self._run, name="writer", daemon=True)

    def put(self, chunk: Chunk) -> None:
        """Queue a chunk (waits while `depth` are queued); raises the writer's error."""
        self._raise_error()
        self._queue.put(chunk)

    def _run(self) -> None:
        while (chunk := self._queue.get()) is not _DONE:
            if self._error is not None or self._cancelled:
                continue  # drained, so that put() never waits on a writer that stopped
            try:
                self._write(chunk)
            except BaseException as exc:  # handed to the caller's thread
                self._error = exc

    def _raise_error(self) -> None:
        if self._error is not None:
            raise self._error

    def __enter__(self) -> WriterThread[Chunk]:
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(SWITCH_INTERVAL, self._switch_interval))
        self._thread.start()
        return self

    def __exit__(self, exc_type, _exc, _tb) -> None:
        self._cancelled = exc_type is not None
        self._queue.put(_DONE)
        self._thread.join()
        sys.setswitchinterval(self._switch_interval)
        if exc_type is None:
            self._raise_error()
