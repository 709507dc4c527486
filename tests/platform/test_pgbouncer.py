"""Behind Debian's PgBouncer in transaction pooling: whole dialogs and decisions work with
DATABASE_PREPARED_STATEMENTS=off, and DATABASE_STATEMENT_TIMEOUT_MS still holds."""

from __future__ import annotations

import os
import threading
from dataclasses import replace

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from gateway import create_app
from gateway.cli import cli
from gateway.cli.serve import ReconcilingWorker
from gateway.platform.db import EngineOptions, make_engine
from gateway.programme.jobs import get_queue
from gateway.store.models import Application, Message
from tests.channels.live import TwilioPhone, serve
from tests.channels.twilio_client import TOKEN
from tests.console.pensioners import national_id
from tests.factories import add_pensioner
from tests.platform.pgbouncer import pgbouncer_missing, running_pgbouncer

pytestmark = pytest.mark.slow
if pgbouncer_missing():
    pytest.skip("PgBouncer is not installed: apt-get install pgbouncer", allow_module_level=True)
if not os.environ.get("TEST_DATABASE_URL"):
    pytest.skip(
        "PgBouncer pools PostgreSQL: these tests run with TEST_DATABASE_URL set",
        allow_module_level=True,
    )
PHONES = [f"+98912000{n:04d}" for n in range(6)]


@pytest.fixture
def settings_overrides():
    return {"TWILIO_AUTH_TOKEN": TOKEN}


@pytest.fixture
def bouncer(database_url, tmp_path):
    with running_pgbouncer(database_url, tmp_path / "pgbouncer") as url:
        yield url


def test_whole_dialogs_and_their_decisions_run_through_pgbouncer(
    app, db, programme, settings, bouncer
):
    ids = [national_id(n) for n in range(len(PHONES))]
    for nid in ids:
        add_pensioner(db, nid, association_code="01")
    pooled = create_app(replace(settings, DATABASE_URL=bouncer, DATABASE_PREPARED_STATEMENTS="off"))
    replies: dict[str, str] = {}

    def register(phone: str, nid: str) -> None:
        sender = TwilioPhone(base, phone)
        for body in ("وام", nid, "123456"):
            sender.send(body)
        replies[phone] = sender.send("1")

    with pooled.app_context(), serve(pooled) as base:
        threads = [
            threading.Thread(target=register, args=pair) for pair in zip(PHONES, ids, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        redis = pooled.extensions["smsgw"].redis
        queues = [get_queue(name, redis) for name in ("decisions", "sms")]
        ReconcilingWorker(queues, connection=redis).work(burst=True)
        pooled.extensions["smsgw"].database.engine.dispose()
    db.rollback()
    applications = db.scalars(select(Application)).all()
    assert sorted(a.phone for a in applications) == PHONES
    assert {a.status for a in applications} == {"approved"}
    assert all(a.tracking_code[:4] in replies[a.phone].translate(DIGITS) for a in applications)
    results = db.scalars(  # the decisions' SMS: outbound, and no reply to an inbound one
        select(Message).where(Message.direction == "out", Message.reply_to_id.is_(None))
    ).all()
    assert sorted(m.phone for m in results) == PHONES and {m.status for m in results} == {"sent"}


DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")


def test_without_the_setting_prepared_statements_break_behind_pgbouncer(app, bouncer):
    """The control: psycopg's default (prepare from the fifth run) fails once two clients'
    transactions share a server connection - which is why the setting exists."""
    prepared = make_engine(bouncer, EngineOptions(prepared_statements=True))
    unprepared = make_engine(bouncer, EngineOptions(prepared_statements=False))
    with pytest.raises((OperationalError, ProgrammingError), match="prepared statement"):
        _alternate_clients(prepared)
    assert _alternate_clients(unprepared) == 20
    prepared.dispose()
    unprepared.dispose()


def _alternate_clients(engine) -> int:
    """Two client connections running one query in turn, more often than psycopg's threshold."""
    first, second = engine.connect(), engine.connect()
    try:
        done = 0
        for _ in range(10):
            for conn in (first, second):
                done += conn.execute(text("SELECT 1 WHERE 1 = :one"), {"one": 1}).scalar()
                conn.commit()
        return done
    finally:
        first.close()
        second.close()


def test_the_statement_timeout_holds_behind_pgbouncer(app, bouncer):
    engine = make_engine(
        bouncer, EngineOptions(prepared_statements=False, statement_timeout_ms=300)
    )
    with engine.connect() as conn:
        assert conn.execute(text("SHOW statement_timeout")).scalar() == "300ms"
        conn.rollback()
        with pytest.raises(OperationalError, match="statement timeout"):
            conn.execute(text("SELECT pg_sleep(2)"))
    engine.dispose()


def test_the_release_migration_runs_through_pgbouncer(app, cli_env, bouncer):
    """`smsgw db upgrade` (the Procfile's release) with the deployment's settings."""
    env = {**cli_env, "DATABASE_URL": bouncer, "DATABASE_PREPARED_STATEMENTS": "off"}
    result = CliRunner().invoke(cli, ["db", "upgrade"], env=env)
    assert result.exit_code == 0, result.output
    assert "database is up to date" in result.output
