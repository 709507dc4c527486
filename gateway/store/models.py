"""SQLAlchemy models: the registry, the programme's phases and quotas, applications, messages."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from gateway.platform.dates import utcnow

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Stored codes: short stable strings (a rename is a data migration).
LIVE_STATUSES = ("pending", "approved", "waitlisted")
# The bank's answer on an approved application (spec 3.9): it keeps its place.
PAYMENT_STATUSES = ("paid", "payment_failed")
# An application in one of these holds its national ID: no second one may be created
# (a paid pensioner registering again must not be paid twice).
HOLDING_STATUSES = (*LIVE_STATUSES, *PAYMENT_STATUSES)
STATUSES = (*LIVE_STATUSES, "rejected", "cancelled", *PAYMENT_STATUSES)
HOLDING_WHERE = "status IN ('pending', 'approved', 'waitlisted', 'paid', 'payment_failed')"
REASONS = (
    "not_found",
    "pension_mismatch",
    "not_eligible",
    "prior_loan",
    "phone_mismatch",
    "phase_closed",
    "cancelled",
)
# Console roles: `staff` work for one association (and must have it), `head_office` staff
# see every association, operators watch the message flows, admins do everything.
ROLES = ("admin", "operator", "head_office", "staff")
# Outbound message statuses: `scheduled` waits for a decision to send (a USSD reminder);
# delivered, undelivered, failed, suppressed and cancelled are final.
MESSAGE_STATUSES = (
    "scheduled", "queued", "sending", "sent", "delivered", "undelivered", "failed",
    "suppressed", "cancelled",
)  # fmt: skip
# Outbound kinds that answer the pensioner directly: sent even after STOP (spec 3.5).
DIRECT_REPLY_KINDS = ("support_reply",)
# Support inbox items: `open` waits for someone, `assigned` for its assignee, `answered`
# is done (the phone's next question opens a new item).
SUPPORT_STATUSES = ("open", "assigned", "answered")
UNANSWERED = ("open", "assigned")


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps on both PostgreSQL and SQLite (which stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, _dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return None if value is None else value.astimezone(UTC)

    def process_result_value(self, value, _dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Association(Base):
    """A provincial retirees' association (کانون بازنشستگان استان); a registry file may name
    one before any quotas file does, and its name stays empty until one does."""

    __tablename__ = "associations"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))


class Pensioner(Base):
    """One row of the pensioner registry, imported from the organisation's file."""

    __tablename__ = "pensioners"
    national_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    pension_number: Mapped[str] = mapped_column(String(12))
    full_name: Mapped[str] = mapped_column(String(200))
    # No foreign key nor index (migration 0008): the import creates the codes first, in its
    # transaction, and no query looks pensioners up by code.
    association_code: Mapped[str] = mapped_column(String(16))
    mobile: Mapped[str | None] = mapped_column(String(16))
    eligible: Mapped[bool] = mapped_column(Boolean, default=True)
    prior_loan: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Phase(Base):
    """A registration phase (مرحله) with its opening and closing times (UTC); a quotas file
    may name a phase before it has dates, and it stays closed until it gets them."""

    __tablename__ = "phases"
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the pensioners told to wait for this phase were told that it opened.
    opening_announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    __table_args__ = (
        CheckConstraint(
            "(opens_at IS NULL AND closes_at IS NULL) OR closes_at > opens_at",
            name="dated_in_order",
        ),
    )


class Quota(Base):
    """Places for one association in one phase; `used` never exceeds `limit`."""

    __tablename__ = "quotas"
    id: Mapped[int] = mapped_column(primary_key=True)
    association_code: Mapped[str] = mapped_column(ForeignKey("associations.code"))
    phase: Mapped[int] = mapped_column(ForeignKey("phases.number"))
    limit: Mapped[int] = mapped_column("limit", Integer)
    used: Mapped[int] = mapped_column(Integer, default=0)
    # Length of this quota's waitlist: positions are always exactly 1..waitlisted.
    waitlisted: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    __table_args__ = (
        UniqueConstraint("association_code", "phase"),
        CheckConstraint('used >= 0 AND used <= "limit"', name="used_within_limit"),
    )


class Application(Base):
    """A pensioner's application; the database row is the truth, Redis only carries jobs."""

    __tablename__ = "applications"
    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(8), unique=True)
    national_id: Mapped[str] = mapped_column(String(10))
    pension_number: Mapped[str] = mapped_column(String(12))
    phone: Mapped[str] = mapped_column(String(16), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    lang: Mapped[str] = mapped_column(String(2), default="fa")
    association_code: Mapped[str | None] = mapped_column(ForeignKey("associations.code"))
    phase: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str | None] = mapped_column(String(32))
    flags: Mapped[str] = mapped_column(String(200), default="")
    waitlist_position: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The bank's result (smsgw payments import): when it paid and its reference, or why not.
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    payment_reference: Mapped[str | None] = mapped_column(String(64))
    payment_reason: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    __table_args__ = (
        # At most one application holding a national ID (spec 3.6 and 3.9), whatever the
        # concurrency.
        Index(
            "uq_applications_live_national_id",
            "national_id",
            unique=True,
            sqlite_where=text(HOLDING_WHERE),
            postgresql_where=text(HOLDING_WHERE),
        ),
        Index("ix_applications_national_id_created_at", "national_id", "created_at"),
        Index("ix_applications_status_created_at", "status", "created_at"),
        Index(
            "ix_applications_association_phase_status",
            "association_code",
            "phase",
            "status",
            "waitlist_position",
        ),
    )


class Contact(Base):
    """What the gateway remembers of a phone beyond one dialog: language and opt-out."""

    __tablename__ = "contacts"
    phone: Mapped[str] = mapped_column(String(16), primary_key=True)
    lang: Mapped[str] = mapped_column(String(2), default="fa")
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


# Set on few messages (an inbound row has none of them, a reply at most the first two):
# their indexes hold only the rows that have one, so a dialog turn's two rows write 15
# index entries instead of 20 (migration 0009). Lookups by a value use them alike.
MESSAGE_COLUMNS_MOSTLY_NULL = ("reply_to_id", "application_id", "provider_id")


def only_where_set(column: str) -> Index:
    """messages' index on `column` without its NULLs."""
    where = text(f"{column} IS NOT NULL")
    return Index(f"ix_messages_{column}", column, postgresql_where=where, sqlite_where=where)


class Message(Base):
    """One SMS or USSD screen, inbound or outbound, with its delivery status."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))  # "in" or "out"
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    segments: Mapped[int] = mapped_column(Integer, default=1)
    kind: Mapped[str] = mapped_column(String(16), default="reply")
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(String(500))
    state: Mapped[str | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The provider's id (Twilio SID; our own id for http/kannel), for delivery reports.
    provider_id: Mapped[str | None] = mapped_column(String(64))
    # When a worker claimed the message for sending (queued -> sending), see send_sms.
    sending_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    # What this SMS announces (`paid:42`, `notice:7:+98912...`): one message per key, so a
    # retried or re-run cause never sends it twice.
    idempotency_key: Mapped[str | None] = mapped_column(String(80), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    __table_args__ = (
        UniqueConstraint("channel", "external_id"),
        Index("ix_messages_phone_created_at", "phone", "created_at"),
        Index("ix_messages_status_created_at", "status", "created_at"),
        Index("ix_messages_created_at", "created_at"),
        # The console's message log filtered by channel, newest first.
        Index("ix_messages_channel_created_at", "channel", "created_at"),
        *(only_where_set(column) for column in MESSAGE_COLUMNS_MOSTLY_NULL),
    )


class MessageEvent(Base):
    """One step in an outbound message's life: claimed, sent, retried, a delivery report."""

    __tablename__ = "message_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(String(500))


class ApplicationEvent(Base):
    """One step in an application's history: decided, promoted, carried over, cancelled."""

    __tablename__ = "application_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    event: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")


class User(Base):
    """A console user; `staff` always have an association, every other role never has one."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    association_code: Mapped[str | None] = mapped_column(ForeignKey("associations.code"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A password set by someone else (a new user, a reset) is changed at the next sign-in.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'operator', 'head_office', 'staff')", name="known_role"),
        CheckConstraint(
            "(role = 'staff') = (association_code IS NOT NULL)", name="staff_have_an_association"
        ),
    )


class AuditEvent(Base):
    """Who did what, when: sign-ins, exports, quota and phase changes, reveals."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text, default="{}")


class StatCounter(Base):
    """A running count kept as data arrives: one metric, one time bucket, one label set.

    Buckets are a minute (message series, send outcomes) or a programme-time-zone day
    (dialog funnel, decisions); `labels` is the label values joined by `|`.
    """

    __tablename__ = "stat_counters"
    metric: Mapped[str] = mapped_column(String(32), primary_key=True)
    bucket_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    labels: Mapped[str] = mapped_column(String(120), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)


class SupportItem(Base):
    """A pensioner's question in the support inbox: one item per phone while unanswered,
    in the inbox of the association of the phone's latest application."""

    __tablename__ = "support_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(16))
    # The question that opened the item, and the latest one the pensioner added to it.
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))
    last_message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))
    questions: Mapped[int] = mapped_column(Integer, default=1)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    association_code: Mapped[str | None] = mapped_column(ForeignKey("associations.code"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # When the phone was last told "passed to the support team" (at most once a day).
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    __table_args__ = (
        CheckConstraint("status IN ('open', 'assigned', 'answered')", name="known_status"),
        # At most one unanswered item per phone, whatever the concurrency.
        Index(
            "uq_support_items_unanswered_phone",
            "phone",
            unique=True,
            sqlite_where=text("status IN ('open', 'assigned')"),
            postgresql_where=text("status IN ('open', 'assigned')"),
        ),
        Index("ix_support_items_phone_acknowledged_at", "phone", "acknowledged_at"),
        Index("ix_support_items_status_created_at", "status", "created_at"),
        Index("ix_support_items_association_code_status", "association_code", "status"),
    )


class Notice(Base):
    """A broadcast SMS to the phones of the applications matching its filters.

    Its fingerprint (text and filters) makes the same command run again resume it
    instead of starting another, so no phone gets it twice.
    """

    __tablename__ = "notices"
    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    association_code: Mapped[str | None] = mapped_column(String(16))
    phase: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64))
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class NoticeRecipient(Base):
    """One phone a notice reaches, with its SMS: at most one per notice and phone."""

    __tablename__ = "notice_recipients"
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"))
    phone: Mapped[str] = mapped_column(String(16))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    __table_args__ = (UniqueConstraint("notice_id", "phone"),)
