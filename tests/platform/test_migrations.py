"""Migrations: from empty to head on the test backend, no drift from the models."""

import json

import pytest
from sqlalchemy import inspect

from gateway.store.migrate import check_database, upgrade_database
from gateway.store.models import Base


def test_upgrade_from_empty_creates_every_table(database_url):
    # The session fixture dropped everything and ran the migrations from empty.
    from gateway.platform.db import make_engine

    engine = make_engine(database_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_models_and_migrations_do_not_drift(database_url):
    check_database(database_url)  # raises alembic.util.CommandError on drift


def test_upgrade_again_is_a_no_op(database_url):
    from gateway.platform.db import make_engine

    engine = make_engine(database_url)
    before = schema_snapshot(engine)
    upgrade_database(database_url)
    after = schema_snapshot(engine)
    engine.dispose()
    assert before == after


def schema_snapshot(engine) -> str:
    inspector = inspect(engine)
    snapshot = {
        t: [inspector.get_columns(t), inspector.get_indexes(t)] for t in Base.metadata.tables
    }
    return json.dumps(snapshot, default=str, sort_keys=True)


def test_the_indexes_of_mostly_empty_message_columns_leave_their_nulls_out(database_url):
    """Migration 0009: a dialog turn's rows write no entry into these indexes for their
    empty columns (each holds only rows that have a value)."""
    from gateway.platform.db import make_engine
    from gateway.store.models import MESSAGE_COLUMNS_MOSTLY_NULL

    engine = make_engine(database_url)
    indexes = {index["name"]: index for index in inspect(engine).get_indexes("messages")}
    engine.dispose()
    for column in MESSAGE_COLUMNS_MOSTLY_NULL:
        index = indexes[f"ix_messages_{column}"]
        where = index["dialect_options"].get(f"{engine.dialect.name}_where")
        assert index["column_names"] == [column]
        assert str(where).replace("(", "").replace(")", "").lower() == f"{column} is not null"
        assert not index["unique"]


def test_migration_0009_interrupted_between_its_steps_is_simply_run_again(database_url):
    """On PostgreSQL each index is built beside the old one and swapped in, each step
    committed alone: an upgrade that died after dropping the old index and before the
    rename finishes when run again."""
    from alembic import command
    from sqlalchemy import text

    from gateway.platform.db import make_engine
    from gateway.store.migrate import alembic_config

    engine = make_engine(database_url)
    if engine.dialect.name != "postgresql":
        engine.dispose()
        pytest.skip("SQLite rebuilds the indexes in one transaction")
    config = alembic_config(database_url)
    command.downgrade(config, "0008")
    with engine.connect() as conn:
        conn.execute(text("CREATE INDEX ix_messages_reply_to_id_new ON messages (reply_to_id)"))
        conn.execute(text("DROP INDEX ix_messages_reply_to_id"))
        conn.commit()
    upgrade_database(database_url)
    names = {index["name"] for index in inspect(engine).get_indexes("messages")}
    engine.dispose()
    assert "ix_messages_reply_to_id" in names and "ix_messages_reply_to_id_new" not in names
    check_database(database_url)
    test_the_indexes_of_mostly_empty_message_columns_leave_their_nulls_out(database_url)


def test_migration_0009_lets_messages_be_stored_while_it_builds(database_url):
    """On PostgreSQL the indexes are built CONCURRENTLY: while the build waits for a
    transaction that is writing messages, a new message is still stored at once (a plain
    CREATE INDEX would queue every insert behind its lock until the build ends)."""
    import threading

    from alembic import command
    from sqlalchemy import text

    from gateway.platform.db import make_engine
    from gateway.store.migrate import alembic_config

    engine = make_engine(database_url)
    if engine.dialect.name != "postgresql":
        engine.dispose()
        pytest.skip("SQLite has one writer at a time anyway")
    command.downgrade(alembic_config(database_url), "0008")
    insert = text(
        "INSERT INTO messages (direction, channel, external_id, phone, text, segments, kind,"
        " status, attempts, created_at, updated_at) VALUES ('in', 'twilio', :sid,"
        " '+989121234567', 'x', 1, 'reply', 'handled', 0, now(), now())"
    )
    with engine.connect() as writing, engine.connect() as arriving:
        writing.execute(insert, {"sid": "migration-open"})  # a turn still in its transaction
        upgrade = threading.Thread(target=upgrade_database, args=(database_url,))
        upgrade.start()
        upgrade.join(1)
        assert upgrade.is_alive()  # the build waits for the open transaction
        arriving.execute(text("SET lock_timeout = '2s'"))
        arriving.execute(insert, {"sid": "migration-arriving"})  # not blocked by the build
        arriving.commit()
        writing.commit()
        upgrade.join(30)
    engine.dispose()
    assert not upgrade.is_alive()
    check_database(database_url)
    test_the_indexes_of_mostly_empty_message_columns_leave_their_nulls_out(database_url)
