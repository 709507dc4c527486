"""PostgreSQL as operators run it: the pool follows WEB_THREADS, the statement timeout and
the URL's sslmode reach the server, prepared statements can be turned off, a statement
that stands alone commits by itself."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from config.settings import ConfigError, load_settings
from gateway.platform.db import (
    Database,
    DriverStatements,
    EngineOptions,
    engine_options,
    make_engine,
)
from gateway.store import fixed_statements

UNREACHED = "postgresql+psycopg://smsgw@127.0.0.1:9/gateway"  # engines connect lazily
needs_postgresql = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL only (TEST_DATABASE_URL unset)"
)


def settings_with(tmp_path, **environ):
    return load_settings({"GATEWAY_ENV": "test", "INSTANCE_PATH": str(tmp_path), **environ})


@pytest.mark.parametrize(("threads", "kept", "peak"), [("1", 2, 3), ("4", 5, 9), ("16", 17, 33)])
def test_each_process_pool_follows_web_threads(tmp_path, threads, kept, peak):
    options = engine_options(settings_with(tmp_path, WEB_THREADS=threads))
    engine = make_engine(UNREACHED, options)
    assert (engine.pool.size(), engine.pool.size() + engine.pool._max_overflow) == (kept, peak)


def test_engine_options_follow_the_settings(tmp_path):
    settings = settings_with(
        tmp_path, DATABASE_PREPARED_STATEMENTS="off", DATABASE_STATEMENT_TIMEOUT_MS="1500"
    )
    options = engine_options(settings)
    assert (options.prepared_statements, options.statement_timeout_ms) == (False, 1500)
    assert engine_options(settings, statement_timeout=False).statement_timeout_ms == 0
    assert engine_options(settings_with(tmp_path)) == EngineOptions(5, 4, True, 30000)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DATABASE_PREPARED_STATEMENTS": "no"}, "DATABASE_PREPARED_STATEMENTS must be one of"),
        ({"DATABASE_STATEMENT_TIMEOUT_MS": "-1"}, "DATABASE_STATEMENT_TIMEOUT_MS must be 0"),
        ({"WEB_THREADS": "0"}, "WEB_THREADS must be 1 or more"),
    ],
)
def test_malformed_database_settings_are_refused(tmp_path, environ, message):
    with pytest.raises(ConfigError, match=message):
        settings_with(tmp_path, **environ)


def test_the_urls_query_reaches_libpq_as_it_is(tmp_path):
    url = "postgres://smsgw:pw@db.internal/gateway?sslmode=verify-full&sslrootcert=/etc/ca.pem"
    settings = settings_with(tmp_path, DATABASE_URL=url)
    engine = make_engine(settings.sqlalchemy_url, engine_options(settings))
    assert engine.url.drivername == "postgresql+psycopg"
    assert dict(engine.url.query) == {"sslmode": "verify-full", "sslrootcert": "/etc/ca.pem"}


@needs_postgresql
def test_sslmode_from_the_url_is_what_the_server_sees(database_url):
    """This machine's PostgreSQL has no TLS: `require` is refused, `disable` connects."""
    refused = make_engine(database_url + "?sslmode=require")
    with pytest.raises(OperationalError, match="SSL"), refused.connect():
        pass
    plain = make_engine(database_url + "?sslmode=disable")
    with plain.connect() as conn:
        ssl = conn.execute(text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))
        assert ssl.scalar() is False
    refused.dispose()
    plain.dispose()


@needs_postgresql
def test_the_statement_timeout_holds_on_a_direct_connection(database_url):
    engine = make_engine(database_url, EngineOptions(statement_timeout_ms=250))
    with engine.connect() as conn:
        assert conn.execute(text("SHOW statement_timeout")).scalar() == "250ms"
        conn.rollback()
        with pytest.raises(OperationalError, match="statement timeout"):
            conn.execute(text("SELECT pg_sleep(2)"))
    engine.dispose()


@needs_postgresql
def test_the_urls_own_options_are_kept_beside_the_statement_timeout(database_url):
    """`?options=-csearch_path=...` (how a schema is chosen) survives the timeout's option."""
    url = f"{database_url}?options=-csearch_path%3Dsomewhere_else"
    engine = make_engine(url, EngineOptions(statement_timeout_ms=250))
    with engine.connect() as conn:
        assert conn.execute(text("SHOW search_path")).scalar() == "somewhere_else"
        assert conn.execute(text("SHOW statement_timeout")).scalar() == "250ms"
    engine.dispose()


@needs_postgresql
@pytest.mark.parametrize(
    ("options", "alone"),
    [
        (EngineOptions(statement_timeout_ms=250), True),  # direct: the timeout is the session's
        (EngineOptions(prepared_statements=False), True),  # PgBouncer, timeout on the role
        (EngineOptions(prepared_statements=False, statement_timeout_ms=250), False),
    ],
)
def test_a_lone_statement_commits_by_itself_unless_its_timeout_needs_a_transaction(
    database_url, options, alone
):
    """Behind PgBouncer the timeout is SET LOCAL in each transaction: a statement in
    autocommit would run without it, so lone statements then get a transaction too."""
    database = Database(database_url, options)
    with database.lone_statements() as db:
        first, second = (scalar(db, "SELECT txid_current()") for _ in range(2))
        assert (first != second) is alone  # each statement its own transaction
        timeout = scalar(db, "SHOW statement_timeout")
        assert timeout == ("0" if options.statement_timeout_ms == 0 else "250ms")
    database.engine.dispose()


def scalar(db, sql: str):
    if isinstance(db, DriverStatements):
        return db.exec_driver_sql(sql, ()).one()[0]
    return db.execute(text(sql)).scalar()


def test_a_lone_statement_with_the_database_unreachable_is_sqlalchemys_operational_error():
    """The pooled driver connection fails to connect as SQLAlchemy's connections do: the
    webhook answers 503 (the carrier retries), not 500, while PostgreSQL is down or still
    recovering (seen in `python -m bench chaos --seed 7`, PostgreSQL restarted)."""
    database = Database(UNREACHED)
    with pytest.raises(OperationalError, match="connection failed"), database.lone_statements():
        pass
    assert database.engine.pool.checkedout() == 0
    database.engine.dispose()


@needs_postgresql
def test_a_lone_statements_error_is_sqlalchemys_and_the_connection_goes_back_clean(
    database_url,
):
    """The app answers 503 for SQLAlchemy's OperationalError: a timeout on the driver path
    is one too, and the pool's connection comes back out of autocommit, reusable."""
    database = Database(database_url, EngineOptions(pool_size=1, max_overflow=0,
                                                    statement_timeout_ms=250))  # fmt: skip
    timeout = pytest.raises(OperationalError, match="statement timeout")
    with timeout as raised, database.lone_statements() as db:
        db.exec_driver_sql("SELECT pg_sleep(2)", ())
    assert "pg_sleep" in str(raised.value) and raised.value.connection_invalidated is False
    with pytest.raises(IntegrityError), database.lone_statements() as db:
        db.exec_driver_sql("DO $$ BEGIN RAISE unique_violation; END $$", ())
    with database.engine.connect() as conn:  # the one pooled connection, back in the pool
        assert conn.connection.driver_connection.autocommit is False
        assert conn.execute(text("SELECT 1")).scalar() == 1
    database.engine.dispose()


@needs_postgresql
def test_a_lone_statement_on_a_lost_connection_drops_it_from_the_pool(database_url):
    """A server that went away fails that statement (OperationalError, so a 503 and the
    carrier's retry); the pool replaces the connection and the next message is stored."""
    database = Database(database_url, EngineOptions(pool_size=1, max_overflow=0))
    with database.lone_statements() as db:
        pid = db.exec_driver_sql("SELECT pg_backend_pid()", ()).one()[0]
    killer = make_engine(database_url)
    with killer.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        conn.commit()
    with pytest.raises(OperationalError) as raised, database.lone_statements() as db:
        db.exec_driver_sql("SELECT 1", ())
    assert raised.value.connection_invalidated is True
    with database.lone_statements() as db:
        assert db.exec_driver_sql("SELECT pg_backend_pid()", ()).one()[0] != pid
    assert database.engine.pool.checkedout() == 0
    killer.dispose()
    database.engine.dispose()


@needs_postgresql
def test_a_session_whose_server_went_away_fails_its_fixed_statement_and_then_recovers(
    database_url,
):
    """A fixed statement runs on the session's driver connection (store.fixed_statements):
    when its server is gone, it raises SQLAlchemy's OperationalError, the session rolls
    back without a second error, and the next session gets a new connection."""
    database = Database(database_url, EngineOptions(pool_size=1, max_overflow=0))
    with database.session() as session:
        pid = fixed_statements(session).exec_driver_sql("SELECT pg_backend_pid()", ()).one()[0]
    killer = make_engine(database_url)
    with killer.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        conn.commit()
    with pytest.raises(OperationalError) as raised, database.session() as session:
        fixed_statements(session).exec_driver_sql("SELECT 1", ())
    assert raised.value.connection_invalidated is True
    with database.session() as session:
        statements = fixed_statements(session)
        assert statements.exec_driver_sql("SELECT pg_backend_pid()", ()).one()[0] != pid
    assert database.engine.pool.checkedout() == 0
    killer.dispose()
    database.engine.dispose()
