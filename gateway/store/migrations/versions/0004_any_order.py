"""the programme's files load in any order

A registry row may name an association no quotas file has named yet (its name stays
empty until one does), and a quota may name a phase that has no dates yet (it stays
closed until `smsgw phases set` dates it).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 09:00:00
"""

import sqlalchemy as sa
from alembic import op

import gateway.store.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

DATES = "(opens_at IS NULL AND closes_at IS NULL) OR closes_at > opens_at"


def upgrade() -> None:
    with op.batch_alter_table("associations") as batch_op:
        batch_op.alter_column("name", existing_type=sa.String(length=200), nullable=True)
    with op.batch_alter_table("phases") as batch_op:
        batch_op.drop_constraint(op.f("ck_phases_closes_after_opens"), type_="check")
        for column in ("opens_at", "closes_at"):
            batch_op.alter_column(
                column, existing_type=gateway.store.models.UTCDateTime(timezone=True),
                nullable=True,
            )  # fmt: skip
        batch_op.create_check_constraint("dated_in_order", DATES)


def downgrade() -> None:
    op.execute("DELETE FROM phases WHERE opens_at IS NULL")
    op.execute("UPDATE associations SET name = code WHERE name IS NULL")
    with op.batch_alter_table("phases") as batch_op:
        batch_op.drop_constraint(op.f("ck_phases_dated_in_order"), type_="check")
        for column in ("opens_at", "closes_at"):
            batch_op.alter_column(
                column, existing_type=gateway.store.models.UTCDateTime(timezone=True),
                nullable=False,
            )  # fmt: skip
        batch_op.create_check_constraint("closes_after_opens", "closes_at > opens_at")
    with op.batch_alter_table("associations") as batch_op:
        batch_op.alter_column("name", existing_type=sa.String(length=200), nullable=False)
