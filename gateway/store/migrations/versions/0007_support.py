"""support inbox: one item per phone while its question is unanswered

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 11:30:00
"""

import sqlalchemy as sa
from alembic import op

import gateway.store.models

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UNANSWERED = "status IN ('open', 'assigned')"


def upgrade() -> None:
    moment = gateway.store.models.UTCDateTime(timezone=True)
    op.create_table(
        "support_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("last_message_id", sa.Integer(), nullable=False),
        sa.Column("questions", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("association_code", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assigned_to_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", moment, nullable=True),
        sa.Column("created_at", moment, nullable=False),
        sa.Column("last_message_at", moment, nullable=False),
        sa.Column("answered_at", moment, nullable=True),
        sa.Column("updated_at", moment, nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'assigned', 'answered')", name=op.f("ck_support_items_known_status")
        ),
        sa.ForeignKeyConstraint(
            ["application_id"], ["applications.id"],
            name=op.f("fk_support_items_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["assigned_to_id"], ["users.id"], name=op.f("fk_support_items_assigned_to_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["association_code"], ["associations.code"],
            name=op.f("fk_support_items_association_code_associations"),
        ),
        sa.ForeignKeyConstraint(
            ["last_message_id"], ["messages.id"],
            name=op.f("fk_support_items_last_message_id_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_support_items_message_id_messages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_items")),
    )  # fmt: skip
    with op.batch_alter_table("support_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_support_items_association_code_status", ["association_code", "status"]
        )
        batch_op.create_index(
            "ix_support_items_phone_acknowledged_at", ["phone", "acknowledged_at"]
        )
        batch_op.create_index("ix_support_items_status_created_at", ["status", "created_at"])
        batch_op.create_index(
            "uq_support_items_unanswered_phone", ["phone"], unique=True,
            sqlite_where=sa.text(UNANSWERED), postgresql_where=sa.text(UNANSWERED),
        )  # fmt: skip


def downgrade() -> None:
    op.drop_table("support_items")
