"""payments: the bank's results, one SMS per cause, notices

Applications get the bank's result (paid_at, reference, reason) and the statuses `paid`
and `payment_failed`, which hold the national ID like a live application; outbound
messages get an idempotency key; phases remember when their opening was announced;
broadcast notices and their recipients.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 11:30:00
"""

import sqlalchemy as sa
from alembic import op

import gateway.store.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

LIVE_WHERE = "status IN ('pending', 'approved', 'waitlisted')"
HOLDING_WHERE = "status IN ('pending', 'approved', 'waitlisted', 'paid', 'payment_failed')"
UTC_DATETIME = gateway.store.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    for name, column_type in (
        ("paid_at", UTC_DATETIME),
        ("payment_reference", sa.String(length=64)),
        ("payment_reason", sa.String(length=200)),
    ):
        op.add_column("applications", sa.Column(name, column_type, nullable=True))
    _live_index(HOLDING_WHERE)
    op.add_column("messages", sa.Column("idempotency_key", sa.String(length=80), nullable=True))
    op.create_index("ix_messages_idempotency_key", "messages", ["idempotency_key"], unique=True)
    op.add_column("phases", sa.Column("opening_announced_at", UTC_DATETIME, nullable=True))
    # Phases open already were announced the old way (the phase_closed reply named the date).
    op.execute(
        "UPDATE phases SET opening_announced_at = opens_at "
        "WHERE opens_at IS NOT NULL AND opens_at <= CURRENT_TIMESTAMP"
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("association_code", sa.String(length=16), nullable=True),
        sa.Column("phase", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("finished_at", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_notices_fingerprint")),
    )
    op.create_table(
        "notice_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"],
            name=op.f("fk_notice_recipients_message_id_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_notice_recipients_notice_id_notices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_recipients")),
        sa.UniqueConstraint(
            "notice_id", "phone", name=op.f("uq_notice_recipients_notice_id_phone")
        ),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("notice_recipients")
    op.drop_table("notices")
    with op.batch_alter_table("phases") as batch_op:
        batch_op.drop_column("opening_announced_at")
    op.drop_index("ix_messages_idempotency_key", table_name="messages")
    with op.batch_alter_table("messages") as batch_op:
        batch_op.drop_column("idempotency_key")
    # The bank's results go with their columns: those applications are approved again.
    op.execute(
        "UPDATE applications SET status = 'approved' WHERE status IN ('paid', 'payment_failed')"
    )
    _live_index(LIVE_WHERE)
    with op.batch_alter_table("applications") as batch_op:
        for name in ("payment_reason", "payment_reference", "paid_at"):
            batch_op.drop_column(name)


def _live_index(where: str) -> None:
    """The one-application-per-national-ID index, over the statuses in `where`."""
    op.drop_index("uq_applications_live_national_id", table_name="applications")
    op.create_index(
        "uq_applications_live_national_id", "applications", ["national_id"], unique=True,
        sqlite_where=sa.text(where), postgresql_where=sa.text(where),
    )  # fmt: skip
