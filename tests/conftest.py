"""Fixtures: a real database (SQLite file or TEST_DATABASE_URL) and a real Redis per run.

Each test starts from empty tables and an empty Redis database, so tests never see each
other's rows; the schema is built once per run by the real migrations.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
import redis as redis_lib
from sqlalchemy import text

from config.settings import load_settings
from gateway import create_app
from gateway.platform import services
from gateway.platform.dates import utcnow
from gateway.platform.embedded_redis import EmbeddedRedis
from gateway.store.migrate import drop_schema, upgrade_database
from gateway.store.models import Association, Base, Phase, Quota
from tests.outbound.fake_provider import FakeProvider


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("run")


@pytest.fixture(scope="session")
def redis_url(run_dir):
    """TEST_REDIS_URL, or an embedded redis-server for this run."""
    if os.environ.get("TEST_REDIS_URL"):
        yield os.environ["TEST_REDIS_URL"]
        return
    server = EmbeddedRedis(run_dir / "redis", persist=False)
    yield server.start()
    server.stop()


@pytest.fixture(scope="session")
def database_url(run_dir):
    """TEST_DATABASE_URL (emptied, then migrated), or a fresh SQLite file, migrated."""
    raw = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{run_dir / 'test.db'}"
    url = load_settings({}, GATEWAY_ENV="test", DATABASE_URL=raw, INSTANCE_PATH=str(run_dir))
    url = url.sqlalchemy_url
    drop_schema(url)
    upgrade_database(url)
    return url


@pytest.fixture
def settings_overrides():
    """Override in a test module to change settings for its app."""
    return {}


@pytest.fixture
def settings(database_url, redis_url, tmp_path, settings_overrides):
    return load_settings(
        {},
        GATEWAY_ENV="test",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        INSTANCE_PATH=str(tmp_path / "instance"),
        **{"STATS_FLUSH_SECONDS": 0, **settings_overrides},
    )


@pytest.fixture
def app(settings):
    app = create_app(settings)
    with app.app_context():
        empty_database(services.database().engine)
        services.redis_client().flushdb()
        yield app
        services.database().engine.dispose()


def empty_database(engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    """A database session for the test's own reads and writes."""
    with services.database().session() as session:
        yield session


@pytest.fixture
def redis(app) -> redis_lib.Redis:
    return services.redis_client()


@pytest.fixture
def session_key(app):
    """The Redis key of a phone's dialog session (phones are keyed by an HMAC)."""
    from gateway.dialog.sessions import session_store

    store = session_store(services.current())
    return lambda phone: store.key("session", phone)


@pytest.fixture
def dialog_session(app):
    """A phone's dialog session as the dialog sees it (state and answers), or None."""
    from gateway.dialog.sessions import session_store

    store = session_store(services.current())

    def read(phone: str):
        with store.turn(phone) as turn:
            return turn.session

    return read


@pytest.fixture
def cli_env(settings):
    """The environment a `smsgw` command needs to reach this test's database and Redis.

    Counters are written at once, so none lands in a later test's tables.
    """
    return {
        "GATEWAY_ENV": "test",
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL,
        "INSTANCE_PATH": settings.INSTANCE_PATH,
        "STATS_FLUSH_SECONDS": "0",
    }


@pytest.fixture
def now():
    return utcnow()


@pytest.fixture
def programme(db, now):
    """Associations 08 (quota 2 in open phase 1) and 01 (quota 1000); phase 2 opens in 30 days."""
    db.add_all([Association(code="08", name="تهران"), Association(code="01", name="آذربایجان")])
    db.add_all(
        [
            Phase(number=1, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=29)),
            Phase(number=2, opens_at=now + timedelta(days=30), closes_at=now + timedelta(days=60)),
        ]
    )
    db.flush()
    db.add_all(
        [
            Quota(association_code="08", phase=1, limit=2, used=0),
            Quota(association_code="01", phase=1, limit=1000, used=0),
            Quota(association_code="08", phase=2, limit=2, used=0),
        ]
    )
    db.commit()


@pytest.fixture
def provider():
    """A carrier's HTTP API on a local port, recording what it is sent."""
    server = FakeProvider()
    yield server
    server.stop()
