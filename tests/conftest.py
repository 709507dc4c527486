"""Fixtures: a real database (SQLite file or TEST_DATABASE_URL) and a real Redis per run.

Each test starts from empty tables and an empty Redis database, so tests never see each
other's rows; the schema is built once per run by the real migrations.
"""

from __future__ import annotations

import os

import pytest
import redis as redis_lib
from sqlalchemy import text

from config.settings import load_settings
from gateway import create_app
from gateway.migrate import drop_schema, upgrade_database
from gateway.models import Base
from gateway.redis_server import EmbeddedRedis


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
    empty_database(app.extensions["database"].engine)
    app.extensions["redis"].flushdb()
    with app.app_context():
        yield app
    app.extensions["database"].engine.dispose()


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
    with app.extensions["database"].session() as session:
        yield session


@pytest.fixture
def redis(app) -> redis_lib.Redis:
    return app.extensions["redis"]


@pytest.fixture
def cli_env(settings):
    """The environment a `smsgw` command needs to reach this test's database and Redis."""
    return {
        "GATEWAY_ENV": "test",
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL,
        "INSTANCE_PATH": settings.INSTANCE_PATH,
    }
