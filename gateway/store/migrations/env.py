"""Alembic environment: the URL comes from the gateway's settings, never from an ini file."""

from alembic import context

from gateway.store.models import Base

config = context.config


def run_migrations() -> None:
    connectable = config.attributes.get("connection")
    url = config.get_main_option("sqlalchemy.url")
    if connectable is None:
        from gateway.platform.db import make_engine

        connectable = make_engine(url)
    with connectable.connect() if hasattr(connectable, "connect") else connectable as conn:
        context.configure(
            connection=conn,
            target_metadata=Base.metadata,
            render_as_batch=conn.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        conn.commit()


run_migrations()
