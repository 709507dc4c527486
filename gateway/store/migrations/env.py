"""Alembic environment: the URL comes from the gateway's settings, never from an ini file.

SQLite changes a column by copying its table into a new one; with foreign keys enforced,
dropping a table other rows point at fails. So on SQLite the checks are off while the
migrations run (outside any transaction, where SQLite honours the pragma) and every
reference is checked once they are done.
"""

from alembic import context

from gateway.store.models import Base

config = context.config


def run_migrations() -> None:
    connectable = config.attributes.get("connection")
    url = config.get_main_option("sqlalchemy.url")
    if connectable is None:
        from gateway.platform.db import make_engine

        connectable = make_engine(url, config.attributes.get("engine_options"))
    with connectable.connect() if hasattr(connectable, "connect") else connectable as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=conn,
            target_metadata=Base.metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        conn.commit()
        if sqlite:
            raw = conn.connection.dbapi_connection
            broken = raw.execute("PRAGMA foreign_key_check").fetchall()
            raw.execute("PRAGMA foreign_keys=ON")
            if broken:
                raise RuntimeError(f"migrations left rows pointing at nothing: {broken[:5]}")


run_migrations()
