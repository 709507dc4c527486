"""Questions to the support inbox over real HTTP: signed Twilio requests, real DB and Redis."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from flows.messages import render
from gateway.store.models import Message, SupportItem
from tests.channels.live import TwilioPhone, post_form, serve
from tests.channels.twilio_client import TOKEN, new_sid, sign, sms_form
from tests.factories import add_application, add_pensioner

PHONE, E164 = "09121234567", "+989121234567"
ACK_FA = render("support_received", "fa")


HTTP_TOKEN = "kannel-secret"


@pytest.fixture
def settings_overrides():
    return {"TWILIO_AUTH_TOKEN": TOKEN, "HTTP_SMS_TOKEN": HTTP_TOKEN}


@pytest.fixture
def base_url(app):
    with serve(app) as url:
        yield url


@pytest.fixture
def registered(db, programme):
    """An approved application of association 08 from PHONE."""
    add_pensioner(db, "0012345679", association_code="08")
    return add_application(db, "0012345679", association_code="08", phase=1, status="approved")


def items(db) -> list[SupportItem]:
    db.rollback()
    db.expire_all()  # the test's own earlier changes are committed, not expired
    return list(db.scalars(select(SupportItem).order_by(SupportItem.id)))


def inbound(db, text: str) -> Message:
    db.rollback()
    return db.scalar(select(Message).where(Message.direction == "in", Message.text == text))


def test_a_question_after_registering_lands_in_the_associations_inbox(
    base_url, db, registered, dialog_session
):
    phone = TwilioPhone(base_url, PHONE)
    assert phone.send("کی پول واریز می‌شود؟") == ACK_FA
    [item] = items(db)
    message = inbound(db, "کی پول واریز می‌شود؟")
    assert (item.phone, item.association_code, item.application_id) == (E164, "08", registered.id)
    assert (item.message_id, item.last_message_id, item.status) == (message.id, message.id, "open")
    assert item.acknowledged_at is not None and message.status == "handled"
    assert dialog_session(E164).state == "start"  # no registration was started


def test_later_questions_that_day_get_an_empty_answer_and_join_the_item(base_url, db, registered):
    phone = TwilioPhone(base_url, PHONE)
    assert phone.send("سلام") == ACK_FA
    assert phone.send("جواب بدهید لطفا") is None  # an empty <Response/>, still 200
    assert phone.send("هنوز منتظرم") is None
    [item] = items(db)
    assert item.questions == 3
    assert item.last_message_id == inbound(db, "هنوز منتظرم").id
    replies = db.scalars(select(Message.text).where(Message.direction == "out")).all()
    assert replies == [ACK_FA]


def test_the_next_programme_day_acknowledges_again(base_url, db, registered):
    phone = TwilioPhone(base_url, PHONE)
    assert phone.send("سلام") == ACK_FA
    [item] = items(db)
    item.acknowledged_at -= timedelta(days=1)
    item.created_at -= timedelta(days=1)
    db.commit()
    assert phone.send("سلام دوباره") == ACK_FA
    [item] = items(db)
    assert item.questions == 2


def test_a_redelivered_question_is_filed_once_and_answered_alike(base_url, db, registered):
    url = base_url + "/webhooks/twilio/sms"
    form = sms_form(PHONE, "پرسش من", new_sid())
    headers = {"X-Twilio-Signature": sign(url, form)}
    first = post_form(url, form, headers)
    again = post_form(url, form, headers)
    assert first == again and first[0] == 200 and ACK_FA in first[1]
    [item] = items(db)
    assert item.questions == 1


def test_an_answered_item_stays_closed_and_the_next_question_opens_another(
    base_url, db, registered
):
    phone = TwilioPhone(base_url, PHONE)
    phone.send("سوال اول")
    [item] = items(db)
    item.status = "answered"
    db.commit()
    assert phone.send("سوال دوم") is None  # acknowledged once today already
    first, second = items(db)
    assert (first.status, first.questions) == ("answered", 1)
    assert (second.status, second.questions) == ("open", 1)


def test_an_undecided_application_files_under_the_registrys_association(base_url, db, programme):
    add_pensioner(db, "0012345679", association_code="01")
    add_application(db, "0012345679", status="pending")  # no association until decided
    assert TwilioPhone(base_url, PHONE).send("ثبت شد؟") == ACK_FA
    [item] = items(db)
    assert item.association_code == "01"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("وام", "welcome_ask_national_id"),
        ("STATUS", "status_approved"),
        ("0084575948 123456", "confirm"),
    ],
)
def test_keywords_commands_and_numbers_from_a_registered_phone_are_not_questions(
    base_url, db, registered, text, expected
):
    reply = TwilioPhone(base_url, PHONE).send(text)
    assert reply.splitlines()[0] == render(
        expected, "fa", tracking_code=registered.tracking_code,
        national_id="0084575948", pension_number="123456",
    ).splitlines()[0]  # fmt: skip
    assert items(db) == []


def test_a_phone_without_an_application_gets_the_registration_welcome(base_url, db, programme):
    assert TwilioPhone(base_url, PHONE).send("سلام") == render("welcome_ask_national_id", "fa")
    assert items(db) == []


def test_over_the_kannel_style_channel_later_questions_get_an_empty_body(base_url, db, registered):
    def ask(text: str, message_id: str) -> tuple[int, str]:
        form = {"token": HTTP_TOKEN, "from": PHONE, "to": "7070", "text": text, "id": message_id}
        return post_form(base_url + "/webhooks/http/sms", form)

    assert ask("سلام", "k-1") == (200, ACK_FA)
    assert ask("کسی هست؟", "k-2") == (200, "")
    [item] = items(db)
    assert item.questions == 2 and inbound(db, "کسی هست؟").channel == "http"


def test_a_phone_whose_application_has_no_association_files_for_unscoped_staff(
    base_url, db, programme
):
    add_application(db, "0012345679", status="rejected", reason="not_found")  # not in registry
    assert TwilioPhone(base_url, PHONE).send("چرا رد شد؟") == ACK_FA
    [item] = items(db)
    assert item.association_code is None and item.application_id is not None
