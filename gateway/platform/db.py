"""The database engine and sessions: one Database per app, SQLite tuned for concurrency."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from psycopg.rows import namedtuple_row
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, NoResultFound
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings


@dataclass(frozen=True)
class EngineOptions:
    """How one process talks to PostgreSQL (SQLite takes none of these)."""

    pool_size: int = 5
    max_overflow: int = 4
    prepared_statements: bool = True
    statement_timeout_ms: int = 0


def engine_options(settings: Settings, *, statement_timeout: bool = True) -> EngineOptions:
    """The settings' engine options; the pool follows WEB_THREADS.

    A gunicorn process serves WEB_THREADS requests at once; each holds one connection
    (a few hold a second one for a write), and the counters' flusher thread one more:
    WEB_THREADS + 1 kept, WEB_THREADS more at a peak. A worker process uses one or two
    and never opens the rest (the pool opens connections only when asked).
    Migrations run without the statement timeout (an index on a big table takes longer).
    """
    return EngineOptions(
        pool_size=settings.WEB_THREADS + 1,
        max_overflow=settings.WEB_THREADS,
        prepared_statements=settings.DATABASE_PREPARED_STATEMENTS == "on",
        statement_timeout_ms=settings.DATABASE_STATEMENT_TIMEOUT_MS if statement_timeout else 0,
    )


def make_engine(url: str, options: EngineOptions | None = None) -> Engine:
    """An engine for the URL; SQLite gets WAL mode and a busy timeout (several processes).

    hide_parameters: an error's text never carries the statement's values (national IDs,
    names), so neither does a log line or a failed job's record. The URL's query (for
    example `sslmode=verify-full&sslrootcert=...`) goes to libpq as it is.
    """
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, hide_parameters=True
        )
        event.listen(engine, "connect", _tune_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        return engine
    options = options or EngineOptions()
    # No pre-ping (a round trip per checkout on the hot path): a connection the server
    # dropped fails one request with a 503 (the carrier retries) and SQLAlchemy then
    # replaces the whole pool; pool_recycle retires connections before idle timeouts.
    engine = create_engine(
        url,
        pool_size=options.pool_size,
        max_overflow=options.max_overflow,
        pool_recycle=1800,
        hide_parameters=True,
        connect_args=_postgresql_connect_args(options, make_url(url).query.get("options")),
    )
    if options.statement_timeout_ms and not options.prepared_statements:
        event.listen(engine, "begin", _statement_timeout_per_transaction(options))
    return engine


def _postgresql_connect_args(options: EngineOptions, url_options: str | None = None) -> dict:
    """psycopg's connect() arguments for the options; the URL's own `options` (for
    example `-csearch_path=...`) are kept: a connect argument would replace them.

    Behind PgBouncer in transaction pooling (prepared statements off) each transaction
    may run on another server connection, so psycopg must not prepare statements
    (prepare_threshold=None), and PgBouncer refuses a startup `options` parameter: there
    the timeout is set per transaction instead (_statement_timeout_per_transaction).
    """
    if not options.prepared_statements:
        return {"prepare_threshold": None}
    if options.statement_timeout_ms:
        timeout = f"-c statement_timeout={options.statement_timeout_ms}"
        return {"options": f"{url_options} {timeout}" if url_options else timeout}
    return {}


def _statement_timeout_per_transaction(options: EngineOptions):
    statement = f"SET LOCAL statement_timeout = {int(options.statement_timeout_ms)}"

    def set_timeout(conn) -> None:
        conn.exec_driver_sql(statement)

    return set_timeout


def _lone_statements_in_autocommit(engine: Engine, options: EngineOptions) -> bool:
    """Whether lone statements run in autocommit: on PostgreSQL, except behind PgBouncer
    with a statement timeout, which is set per transaction (a statement in autocommit
    would run without it)."""
    if engine.dialect.name != "postgresql":
        return False
    return not (options.statement_timeout_ms and not options.prepared_statements)


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
    # 16 MB of page cache instead of SQLite's 2 MB: a registry import's national IDs land
    # all over their index, which then has to be read from the OS page again and again.
    cursor.execute("PRAGMA cache_size=-16384")
    # Checkpoint when the WAL passes 40 MB rather than 4 MB: each chunk an import commits
    # would otherwise copy its pages into the database file (and sync it) every time.
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.close()


class Database:
    """Engine plus session factory, created once in create_app."""

    def __init__(self, url: str, options: EngineOptions | None = None):
        self.url = url
        self.engine = make_engine(url, options)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        writer = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self.writer_sessions = sessionmaker(writer, expire_on_commit=False)
        self._autocommit = _lone_statements_in_autocommit(self.engine, options or EngineOptions())

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

    @contextmanager
    def lone_statements(self) -> Iterator[Session | DriverStatements]:
        """Where each statement stands alone, nothing to commit or roll back together with
        another: on PostgreSQL a pooled connection in autocommit, so that a statement is
        one round trip with no BEGIN and COMMIT of its own, committed when it answers;
        elsewhere a session (deferred on SQLite: a lone read takes no write lock, and a
        lone write has read nothing before it)."""
        if not self._autocommit:
            with self.session() as session:
                yield session
            return
        dialect = self.engine.dialect
        try:  # engine.connect() raises connect errors as SQLAlchemy's; raw_connection() not
            pooled = self.engine.raw_connection()
        except dialect.loaded_dbapi.Error as exc:
            raise as_sqlalchemy_error(exc, dialect) from exc
        driver = pooled.driver_connection
        statements = DriverStatements(pooled, dialect)
        try:
            statements.run(None, None, lambda: setattr(driver, "autocommit", True))
            yield statements
        finally:
            if pooled.dbapi_connection is None:
                pass  # dropped from the pool already, its server lost (exec_driver_sql)
            elif driver.closed or driver.broken:  # lost outside a statement
                pooled.invalidate()  # and given back to the pool as an empty slot
            else:
                driver.autocommit = False
                pooled.close()

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))


def as_sqlalchemy_error(exc, dialect, statement=None, params=None, invalidated=False):
    """A driver error as SQLAlchemy's own (OperationalError, IntegrityError, ...), as
    SQLAlchemy raises it for what runs through its connections: work done on the driver
    connection itself (a COPY, a lone statement) fails with the same kinds of error, so
    callers and the app's error handlers know one kind. The values stay out of its text."""
    return DBAPIError.instance(
        statement, params, exc, dialect.loaded_dbapi.Error,
        hide_parameters=True, connection_invalidated=invalidated, dialect=dialect,
    )  # fmt: skip


class DriverStatements:
    """Fixed SQL (`store.run_fixed`, statements written for the driver) run straight on a
    pooled driver connection: the webhook runs one or two lone statements per message,
    and SQLAlchemy's per-statement machinery (events, result metadata, isolation level
    set and reset at each checkout) are a large part of its CPU. Rows are the driver's named
    tuples; a driver error is raised as SQLAlchemy's, as from any other connection (the
    app answers 503 for an OperationalError), with the connection dropped from the pool
    when the error was a lost server."""

    def __init__(self, pooled, dialect):
        self._pooled = pooled
        self.dialect = dialect

    @classmethod
    def under(cls, connection) -> DriverStatements:
        """The driver connection of a SQLAlchemy connection, in the transaction it holds."""
        return cls(connection.connection, connection.dialect)

    def exec_driver_sql(self, sql: str, params) -> DriverResult:
        def execute():
            cursor = self._pooled.driver_connection.cursor(row_factory=namedtuple_row)
            cursor.execute(sql, params)
            return DriverResult(cursor)

        return self.run(sql, params, execute)

    def run(self, sql: str | None, params, call):
        """call(), with a driver error raised as SQLAlchemy's (after dropping a connection
        whose server is gone from the pool)."""
        try:
            return call()
        except self.dialect.loaded_dbapi.Error as exc:
            driver = self._pooled.driver_connection
            lost = self.dialect.is_disconnect(exc, driver, None)
            if lost:
                self._pooled.invalidate(exc)
            raise as_sqlalchemy_error(exc, self.dialect, sql, params, lost) from exc


class DriverResult:
    """A fixed statement's rows, read as from SQLAlchemy's Result (all, first, one)."""

    def __init__(self, cursor):
        self._cursor = cursor

    def all(self) -> list:
        rows = self._cursor.fetchall()
        self._cursor.close()
        return rows

    def first(self):
        """The first row, or None."""
        row = self._cursor.fetchone()
        self._cursor.close()
        return row

    def one(self):
        """The only row; NoResultFound when there is none."""
        row = self.first()
        if row is None:
            raise NoResultFound("No row was found when one was required")
        return row
