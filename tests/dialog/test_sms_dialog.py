"""The SMS dialog end to end: real HTTP, signed Twilio requests, real database and Redis."""

from __future__ import annotations

import json
import re
import threading
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rq import Queue
from sqlalchemy import func, select

from flows.messages import render
from gateway.store.models import Application, Contact, Message
from tests.channels.live import TwilioPhone, serve
from tests.channels.twilio_client import TOKEN, new_sid, post_signed, sms_form

NATIONAL_ID = "0000534722"
PENSION = "728762975"


@pytest.fixture
def settings_overrides():
    return {"TWILIO_AUTH_TOKEN": TOKEN}


@pytest.fixture
def base_url(app):
    with serve(app) as url:
        yield url


def applications(db):
    db.rollback()
    return db.scalars(select(Application)).all()


def test_full_registration_ends_with_one_pending_application_and_one_queued_job(
    base_url, db, redis
):
    phone = TwilioPhone(base_url, "09121234567")
    assert "کد ملی" in phone.send("وام")
    assert "شماره مستمری" in phone.send(NATIONAL_ID)
    confirm = phone.send(PENSION)
    assert "۰۰۰۰۵۳۴۷۲۲" in confirm and "۷۲۸۷۶۲۹۷۵" in confirm
    reply = phone.send("۱")
    [application] = applications(db)
    assert application.status == "pending"
    assert application.phone == "+989121234567"
    assert application.channel == "twilio"
    assert (application.national_id, application.pension_number) == (NATIONAL_ID, PENSION)
    persian = application.tracking_code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert persian in reply
    queue = Queue("decisions", connection=redis)
    assert queue.job_ids == [f"validate_application-{application.id}"]
    assert queue.jobs[0].args == (application.id,)


def test_every_message_and_reply_is_stored_with_its_segments(base_url, db):
    phone = TwilioPhone(base_url, "+989121234567")
    phone.send("وام")
    phone.send(NATIONAL_ID)
    db.rollback()
    rows = db.scalars(select(Message).order_by(Message.id)).all()
    assert [(m.direction, m.status) for m in rows] == [
        ("in", "handled"), ("out", "sent"), ("in", "handled"), ("out", "sent"),
    ]  # fmt: skip
    assert rows[1].reply_to_id == rows[0].id
    assert rows[2].state == "ask_pension_number"
    assert all(m.segments == 1 for m in rows)


def test_same_message_sid_twice_gives_the_same_reply_and_one_effect(base_url, db, redis):
    phone = TwilioPhone(base_url, "+989121234567")
    phone.send(f"{NATIONAL_ID} {PENSION}")
    sid = new_sid()
    first = phone.send("1", sid=sid)
    second = phone.send("1", sid=sid)
    assert first == second
    assert len(applications(db)) == 1
    assert len(Queue("decisions", connection=redis)) == 1
    inbound = db.scalar(select(func.count()).where(Message.direction == "in"))
    assert inbound == 2


def test_same_national_id_again_creates_nothing_and_answers_the_tracking_code(base_url, db):
    TwilioPhone(base_url, "+989121234567").send(f"{NATIONAL_ID} {PENSION}")
    TwilioPhone(base_url, "+989121234567").send("1")
    other = TwilioPhone(base_url, "+989351112233")
    other.send(f"{NATIONAL_ID} {PENSION}")
    reply = other.send("بله")
    [application] = applications(db)
    digits = application.tracking_code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert digits in reply and "در حال بررسی" in reply


def test_a_registered_national_id_with_another_pension_number_reads_like_an_unknown_one(
    base_url, db
):
    """Privacy (spec 3.6): a stranger probing whether a national ID has applied gets, word
    for word (digits aside), what a national ID unknown to the registry gets; the outcome
    comes by SMS, and the probe counts against the stranger's phone."""
    TwilioPhone(base_url, "+989121234567").send(f"{NATIONAL_ID} {PENSION}")
    TwilioPhone(base_url, "+989121234567").send("1")
    stranger = TwilioPhone(base_url, "+989351112233")
    stranger.send(f"{NATIONAL_ID} 11112222")
    probe = stranger.send("1")
    stranger.send("0067749828 11112222")  # a national ID that never applied
    unknown = stranger.send("1")
    assert re.sub(r"[0-9۰-۹]", "#", probe) == re.sub(r"[0-9۰-۹]", "#", unknown)
    assert "کد پیگیری" in probe
    db.rollback()
    probed = db.scalar(select(Application).where(Application.phone == "+989351112233"))
    assert (probed.status, probed.reason) == ("rejected", "pension_mismatch")
    sms = db.scalar(select(Message).where(Message.application_id == probed.id))
    assert sms.status == "queued" and "مطابقت ندارد" in sms.text
    assert [a.status for a in applications(db)].count("pending") == 2  # the real one + unknown


def test_a_phone_registers_at_most_three_national_ids(base_url, db):
    phone = TwilioPhone(base_url, "+989121234567")
    for national_id in ("0000534722", "0013542419", "0067749828"):
        phone.send(f"{national_id} 12345678")
        assert "کد پیگیری" in phone.send("1")
    phone.send("0499370899 12345678")
    assert "حداکثر ۳ نفر" in phone.send("1")
    assert len(applications(db)) == 3


def test_two_messages_from_one_phone_at_once_are_handled_one_after_the_other(
    base_url, db, redis, session_key
):
    numbers = [f"+98912123{n:04d}" for n in range(8)]
    phones = [TwilioPhone(base_url, number) for number in numbers]
    for phone in phones:
        phone.send("وام")
    barrier = threading.Barrier(2 * len(phones))

    def send(phone, body):
        barrier.wait()
        phone.send(body)

    threads = [
        threading.Thread(target=send, args=(phone, body))
        for phone in phones
        for body in (NATIONAL_ID, PENSION)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.rollback()
    for number in numbers:
        # Whichever came first, the second saw the first's session: never a lost update.
        rows = db.execute(
            select(Message.text, Message.state)
            .where(Message.direction == "in", Message.phone == number)
            .order_by(Message.id)
        ).all()
        order = [text for text, _ in rows[1:]]
        states = [state for _, state in rows[1:]]
        if order == [NATIONAL_ID, PENSION]:
            assert states == ["ask_pension_number", "confirm"]
        else:
            assert states == ["ask_national_id", "ask_pension_number"]  # pension refused first
        session = json.loads(redis.get(session_key(number)))
        assert session["state"] == states[-1]


def test_stop_is_remembered_for_the_phone(base_url, db):
    phone = TwilioPhone(base_url, "+989121234567")
    assert "START" in phone.send("STOP")
    db.rollback()
    assert db.get(Contact, "+989121234567").opted_out is True
    phone.send("START")
    db.rollback()
    assert db.get(Contact, "+989121234567").opted_out is False


def test_english_is_remembered_after_the_dialog_ends(base_url, redis, session_key):
    phone = TwilioPhone(base_url, "+989121234567")
    phone.send("EN")
    phone.send("cancel")
    redis.delete(session_key("+989121234567"))  # the session is gone, the contact stays
    assert "national ID" in phone.send("LOAN")


def test_rate_limit_stores_messages_beyond_the_limit_without_answering(base_url, db):
    phone = TwilioPhone(base_url, "+989121234567")
    answered = [phone.send("help") is not None for _ in range(22)]
    assert answered == [True] * 20 + [False] * 2
    db.rollback()
    limited = db.scalar(select(func.count()).where(Message.status == "rate_limited"))
    assert limited == 2


def test_overlong_body_is_cut_stored_and_answered_with_help(base_url, db):
    reply = TwilioPhone(base_url, "+989121234567").send("۱" * 5000)
    assert reply == render("help", "fa")
    db.rollback()
    stored = db.scalar(select(Message).where(Message.direction == "in"))
    assert len(stored.text) == 1600


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.one_of(
        st.text(max_size=300),
        st.text(min_size=1, max_size=40).map(lambda s: (s * 10_000)[:10_000]),
        st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "Nd"]), max_size=50),
    )
)
def test_any_body_gets_well_formed_twiml_and_never_a_5xx(client, body):
    response = post_signed(client, "/webhooks/twilio/sms", sms_form("+989121234567", body))
    assert response.status_code == 200
    root = ET.fromstring(response.get_data(as_text=True))
    assert root.tag == "Response"
    assert len(root.findall("Message")) <= 1


def test_metrics_count_stored_messages_by_channel_and_direction(base_url, client):
    TwilioPhone(base_url, "+989121234567").send("وام")
    body = client.get("/metrics").get_data(as_text=True)
    counted = {
        line.split("{", 1)[1].split("}")[0]: float(line.rsplit(" ", 1)[1])
        for line in body.splitlines()
        if line.startswith("smsgw_messages_total{")
    }
    assert counted['channel="twilio",direction="in"'] >= 1
    assert counted['channel="twilio",direction="out"'] >= 1
