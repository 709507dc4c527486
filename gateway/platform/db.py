"""The database engine and sessions: one Database per app, SQLite tuned for concurrency."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL mode and a busy timeout (several processes).

    hide_parameters: an error's text never carries the statement's values (national IDs,
    names), so neither does a log line or a failed job's record.
    """
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, hide_parameters=True
        )
        event.listen(engine, "connect", _tune_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        return engine
    # No pre-ping (a round trip per checkout on the hot path): a connection the server
    # dropped fails one request with a 503 (the carrier retries) and SQLAlchemy then
    # replaces the whole pool; pool_recycle retires connections before idle timeouts.
    return create_engine(
        url, pool_size=10, max_overflow=20, pool_recycle=1800, hide_parameters=True
    )


def _begin_sqlite(conn) -> None:
    """BEGIN, or BEGIN IMMEDIATE for sessions that read and then write.

    In WAL mode a deferred transaction that has read and then tries to write, while
    another process has written, fails at once with SQLITE_BUSY; an IMMEDIATE one takes
    the write lock first and so queues on busy_timeout instead. Readers stay deferred
    so that a long read (an export) never blocks writers.
    """
    mode = conn.get_execution_options().get("sqlite_begin", "")
    conn.exec_driver_sql(f"BEGIN {mode}".strip())


def _tune_sqlite(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (_begin_sqlite)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Database:
    """Engine plus session factory, created once in create_app."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        writer = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self.writer_sessions = sessionmaker(writer, expire_on_commit=False)

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A session that commits on success and rolls back on error.

        `write=True` for a transaction that reads before it writes (see _begin_sqlite).
        """
        session = (self.writer_sessions if write else self.sessions)()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
