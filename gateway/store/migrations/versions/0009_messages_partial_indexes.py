"""messages: the indexes of columns that most rows leave empty hold only rows that have one

An inbound message has no reply_to_id, application_id or provider_id; its reply has at
most the first two. Every row still wrote an entry for its NULL into each of those
indexes: a dialog turn (its message and its reply, one statement) wrote 20 index
entries, now 15, and the three indexes no longer grow with every message. Every lookup
by one of these columns names a value, which the partial index serves alike. (The
idempotency key keeps its whole unique index: the upsert of the code running before
this release names no predicate, and PostgreSQL would refuse it.)

On PostgreSQL each index is built beside the old one with CREATE INDEX CONCURRENTLY,
then swapped in: messages keep being written while it builds (a release with no
downtime, docs/DEPLOYMENT.md). SQLite rebuilds them in place.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 23:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COLUMNS = ("reply_to_id", "application_id", "provider_id")


def upgrade() -> None:
    for column in COLUMNS:
        replace_index(column, partial=True)


def downgrade() -> None:
    for column in COLUMNS:
        replace_index(column, partial=False)


def replace_index(column: str, partial: bool) -> None:
    name = f"ix_messages_{column}"
    where = {"where": sa.text(f"{column} IS NOT NULL")} if partial else {}
    if op.get_bind().dialect.name != "postgresql":
        op.drop_index(name, table_name="messages")
        op.create_index(name, "messages", [column], **_prefixed("sqlite", where))
        return
    building = f"{name}_new"
    with op.get_context().autocommit_block():
        # Each step commits alone: an upgrade interrupted anywhere is simply run again
        # (an interrupted build leaves an invalid index behind, built afresh here).
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {building}")
        op.create_index(building, "messages", [column], postgresql_concurrently=True,
                        **_prefixed("postgresql", where))  # fmt: skip
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
        op.execute(f"ALTER INDEX {building} RENAME TO {name}")


def _prefixed(dialect: str, options: dict) -> dict:
    return {f"{dialect}_{key}": value for key, value in options.items()}
