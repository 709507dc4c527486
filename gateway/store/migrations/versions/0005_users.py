"""users: head-office role, staff always with an association, lifecycle columns

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 09:00:00
"""

import sqlalchemy as sa
from alembic import op

import gateway.store.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

KNOWN_ROLE = "role IN ('admin', 'operator', 'head_office', 'staff')"
STAFF_ASSOCIATION = "(role = 'staff') = (association_code IS NOT NULL)"


def upgrade() -> None:
    # A staff user without an association saw every province: that is head office, said
    # so now; admins and operators never had a use for an association.
    op.execute(
        "UPDATE users SET role = 'head_office' WHERE role = 'staff' AND association_code IS NULL"
    )
    op.execute("UPDATE users SET association_code = NULL WHERE role <> 'staff'")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), server_default=sa.text("false"),
                nullable=False,
            )
        )  # fmt: skip
        batch_op.add_column(
            sa.Column("disabled_at", gateway.store.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "last_sign_in_at", gateway.store.models.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.create_check_constraint("known_role", KNOWN_ROLE)
        batch_op.create_check_constraint("staff_have_an_association", STAFF_ASSOCIATION)


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint("ck_users_staff_have_an_association", type_="check")
        batch_op.drop_constraint("ck_users_known_role", type_="check")
        batch_op.drop_column("last_sign_in_at")
        batch_op.drop_column("disabled_at")
        batch_op.drop_column("must_change_password")
    op.execute("UPDATE users SET role = 'staff' WHERE role = 'head_office'")
