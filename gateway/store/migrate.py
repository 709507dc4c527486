"""Schema migrations through Alembic, driven by the gateway's own settings."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from gateway.platform.db import EngineOptions

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str, options: EngineOptions | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["engine_options"] = options
    return cfg


def upgrade_database(url: str, options: EngineOptions | None = None) -> None:
    """Bring the schema to the newest revision; a no-op when it is there already.

    `options`: the deployment's (prepared statements off behind PgBouncer), with no
    statement timeout.
    """
    command.upgrade(alembic_config(url, options), "head")


def check_database(url: str) -> None:
    """Raise when the models and the newest migration differ (alembic check)."""
    command.check(alembic_config(url))


def drop_schema(url: str) -> None:
    """Drop every table of the gateway, and Alembic's version, so a migration starts afresh.

    For tests and benchmarks only: it deletes all data.
    """
    from sqlalchemy import text

    from gateway.platform.db import make_engine
    from gateway.store.models import Base

    engine = make_engine(url)
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
