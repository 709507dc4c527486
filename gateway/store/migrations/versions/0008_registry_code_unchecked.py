"""pensioners.association_code without a foreign key or an index: the import's cost

The registry import, the only writer of pensioners, creates every association code a
file names before its rows, in the same transaction, and associations are never
deleted; the per-row foreign-key check doubled the import's database time (1,000,000
rows: 28 s against 14 s of PostgreSQL time). No query is served by the index on the
code (an association's pending applications are found through the applications'
status index and the registry's primary key; per-association counts read every row),
and it cost a third of what was left (300,000 rows upserted: 3.1 s with it, 2.2 s
without).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 15:00:00
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

FOREIGN_KEY = "fk_pensioners_association_code_associations"
INDEX = "ix_pensioners_association_code"


def upgrade() -> None:
    with op.batch_alter_table("pensioners") as batch_op:
        batch_op.drop_index(INDEX)
        batch_op.drop_constraint(FOREIGN_KEY, type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("pensioners") as batch_op:
        batch_op.create_foreign_key(FOREIGN_KEY, "associations", ["association_code"], ["code"])
        batch_op.create_index(INDEX, ["association_code"], unique=False)
