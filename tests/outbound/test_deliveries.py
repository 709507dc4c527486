"""record_delivery: carrier statuses mapped to ours, history kept, never moving backwards."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from gateway.outbound.deliveries import map_status, record_delivery
from gateway.store.models import Message, MessageEvent
from tests.factories import add_queued_message


@pytest.mark.parametrize(
    "reported, ours",
    [
        # Twilio MessageStatus values
        ("queued", "queued"),
        ("sending", "sending"),
        ("sent", "sent"),
        ("delivered", "delivered"),
        ("undelivered", "undelivered"),
        ("failed", "failed"),
        # Kannel DLR types
        ("1", "delivered"),
        ("2", "undelivered"),
        ("4", "sent"),
        ("8", "sent"),
        ("16", "failed"),
        # the generic HTTP gateway's words, any case
        ("DELIVERED", "delivered"),
        ("rejected", "failed"),
        ("expired", "undelivered"),
        ("buffered", "sent"),
        ("nonsense", None),
        ("32", None),
    ],
)
def test_map_status(reported, ours):
    assert map_status(reported) == ours


@pytest.fixture
def sent_message(app, db):
    message = add_queued_message(db)
    db.execute(
        update(Message)
        .where(Message.id == message.id)
        .values(status="sent", channel="twilio", provider_id="SM123")
    )
    db.commit()
    return message


def status_after(db, reports) -> str:
    for status, error_code in reports:
        assert record_delivery(db, "twilio", "SM123", status, error_code) is True
        db.commit()
    return db.scalar(select(Message.status).where(Message.provider_id == "SM123"))


@pytest.mark.parametrize(
    "reports, final",
    [
        ([("delivered", None)], "delivered"),
        ([("delivered", None), ("sent", None)], "delivered"),  # a late `sent` is ignored
        ([("delivered", None), ("failed", "30003")], "delivered"),  # final stays final
        ([("sent", None), ("queued", None)], "sent"),
        ([("sending", None)], "sent"),
        ([("undelivered", "30003")], "undelivered"),
        ([("nonsense", None)], "sent"),
    ],
)
def test_reports_only_move_forwards(sent_message, db, reports, final):
    assert status_after(db, reports) == final


def test_every_report_is_kept_in_the_history_with_its_error_code(sent_message, db):
    status_after(db, [("undelivered", "30003"), ("sent", None)])
    events = db.execute(
        select(MessageEvent.status, MessageEvent.error_code, MessageEvent.detail)
        .where(MessageEvent.message_id == sent_message.id)
        .order_by(MessageEvent.id)
    ).all()
    assert [(e.status, e.error_code) for e in events] == [("undelivered", "30003"), ("sent", None)]
    assert "ignored" in events[1].detail
    assert db.scalar(select(Message.error_code).where(Message.id == sent_message.id)) == "30003"


def test_a_report_for_an_unknown_message_returns_false(sent_message, db):
    assert record_delivery(db, "twilio", "SM999", "delivered", None) is False
    assert record_delivery(db, "http", "SM123", "delivered", None) is False  # other channel


def test_a_report_for_a_message_whose_sid_was_never_stored_is_found_by_our_id(app, db):
    """The worker died after Twilio accepted the message and before it stored the SID: the
    claim left our id as the provider id, and the callback URL carries it."""
    message = add_queued_message(db)
    db.execute(
        update(Message).where(Message.id == message.id)
        .values(status="sending", channel="twilio", provider_id=str(message.id))
    )  # fmt: skip
    db.commit()
    assert record_delivery(db, "twilio", "SM777", "delivered", None, our_id=str(message.id))
    db.commit()
    found = db.get(Message, message.id, populate_existing=True)
    assert (found.status, found.provider_id) == ("delivered", "SM777")
    assert record_delivery(db, "twilio", "SM777", "delivered", None) is True  # by SID now
