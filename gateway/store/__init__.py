"""The store: the models and every query and write, one module per table or view.

Only the store writes SQL; the dialog, the programme, the console and the jobs call it
(the caller's `Database.session()` commits). Texts are stored as given: the store
renders nothing. May import: gateway.platform.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from itertools import islice

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from gateway.platform.db import DriverStatements


def dialect_name(bind) -> str:
    """`postgresql` or `sqlite`, of a session or a connection."""
    return bind.get_bind().dialect.name if hasattr(bind, "get_bind") else bind.dialect.name


def dialect_insert(bind, target):
    """An INSERT that understands ON CONFLICT on PostgreSQL and SQLite; `bind` is a session,
    a connection or a dialect name."""
    name = bind if isinstance(bind, str) else dialect_name(bind)
    return (pg_insert if name == "postgresql" else sqlite_insert)(target)


def connection_of(bind):
    """The Core connection of a session, or the connection itself (a statement that
    stands alone runs on an autocommit connection: `Database.lone_statements`)."""
    return bind.connection() if hasattr(bind, "get_bind") else bind


def fixed_statements(bind):
    """Where SQL written for the driver runs: a lone statement's connection as it is; on
    PostgreSQL, a session's (or a connection's) transaction straight on its driver
    connection (SQLAlchemy's per-statement machinery is a large part of a webhook's CPU,
    see Database.lone_statements); elsewhere the Core connection."""
    if isinstance(bind, DriverStatements):
        return bind
    connection = connection_of(bind)
    if connection.dialect.name == "postgresql":
        return DriverStatements.under(connection)
    return connection


def run_fixed(session, stmt, params: dict):
    """Run a statement built once at import, compiled to its dialect's SQL once.

    SQLAlchemy walks a statement for its cache key on every execution, a cost a query
    with subqueries on the webhook's path feels; a fixed statement needs it once. Only
    for text and number parameters: values go to the driver as they are, unconverted.
    """
    connection = fixed_statements(session)
    sql, defaults, order = _driver_sql(stmt, connection.dialect)
    values = {**defaults, **params}
    return connection.exec_driver_sql(sql, tuple(values[n] for n in order) if order else values)


@functools.lru_cache(maxsize=64)
def _driver_sql(stmt, dialect) -> tuple[str, dict, tuple]:
    compiled = stmt.compile(dialect=dialect)
    # IN lists of constants expanded once; the caller's parameters are filled in per run
    state = compiled.construct_expanded_state(compiled.params)
    return state.statement, dict(state.parameters), tuple(state.positiontup or ())


def chunks(rows: Iterable, size: int) -> Iterator[list]:
    rows = iter(rows)
    while chunk := list(islice(rows, size)):
        yield chunk


def insert_missing(session, model, rows: Iterable[dict], keys: list[str], chunk=2000) -> None:
    """Insert rows whose keys do not exist yet; leave existing rows as they are."""
    for batch in chunks(rows, chunk):
        session.execute(
            dialect_insert(session, model).values(batch).on_conflict_do_nothing(index_elements=keys)
        )
