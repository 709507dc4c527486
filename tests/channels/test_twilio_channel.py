"""Twilio channel adapter table: signatures, proxies, fields, status callbacks."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from gateway.channels.twilio_sms import signed_by_twilio
from tests.channels.twilio_client import TOKEN, new_sid, post_signed, sign, sms_form

PHONE = "+989121234567"


@pytest.fixture
def settings_overrides():
    return {"TWILIO_AUTH_TOKEN": TOKEN}


def reply_texts(response) -> list[str]:
    root = ET.fromstring(response.get_data(as_text=True))
    assert root.tag == "Response"
    return [m.text or "" for m in root.findall("Message")]


def test_signed_request_gets_twiml_with_the_welcome(client):
    response = post_signed(client, "/webhooks/twilio/sms", sms_form(PHONE, "وام"))
    assert response.status_code == 200
    assert response.content_type.startswith("text/xml")
    assert reply_texts(response) == ["به ثبت‌نام وام بازنشستگان خوش آمدید. لطفا کد ملی را بفرستید."]


@pytest.mark.parametrize(
    ("label", "headers"),
    [
        ("unsigned", {}),
        ("wrong signature", {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}),
        ("empty signature", {"X-Twilio-Signature": ""}),
    ],
)
def test_request_without_a_valid_signature_is_refused(client, label, headers):
    response = client.post("/webhooks/twilio/sms", data=sms_form(PHONE, "وام"), headers=headers)
    assert response.status_code == 403, label


def test_signature_for_another_url_is_refused(client):
    form = sms_form(PHONE, "وام")
    signature = sign("http://localhost/webhooks/twilio/other", form)
    response = client.post(
        "/webhooks/twilio/sms", data=form, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403


def test_signature_over_other_params_is_refused(client):
    form = sms_form(PHONE, "وام")
    signature = sign("http://localhost/webhooks/twilio/sms", {**form, "Body": "other"})
    response = client.post(
        "/webhooks/twilio/sms", data=form, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403


def test_signature_with_another_token_is_refused(client):
    response = post_signed(
        client, "/webhooks/twilio/sms", sms_form(PHONE, "وام"), token="someone-else"
    )
    assert response.status_code == 403


class TestBehindAProxy:
    @pytest.fixture
    def settings_overrides(self):
        return {"TWILIO_AUTH_TOKEN": TOKEN, "PUBLIC_BASE_URL": "https://sms.example.ir/"}

    def test_signature_for_the_public_url_is_accepted(self, client):
        response = post_signed(
            client, "/webhooks/twilio/sms", sms_form(PHONE, "وام"), base="https://sms.example.ir"
        )
        assert response.status_code == 200
        assert len(reply_texts(response)) == 1

    def test_signature_for_the_internal_url_is_refused(self, client):
        response = post_signed(client, "/webhooks/twilio/sms", sms_form(PHONE, "وام"))
        assert response.status_code == 403


@pytest.mark.parametrize("environment", ["test", "development", "production"])
def test_without_a_secret_every_webhook_answers_403(environment, database_url, redis_url, tmp_path):
    """A secret someone forgot fails closed: nobody can register or STOP as any phone."""
    from config.settings import Settings
    from gateway import create_app

    settings = Settings(
        GATEWAY_ENV=environment, DATABASE_URL=database_url, REDIS_URL=redis_url,
        INSTANCE_PATH=str(tmp_path), SECRET_KEY="s",
    )  # fmt: skip
    client = create_app(settings).test_client()
    requests = [
        ("/webhooks/twilio/sms", sms_form(PHONE, "وام")),
        ("/webhooks/twilio/status", {"MessageSid": "SM1", "MessageStatus": "delivered"}),
        ("/webhooks/http/sms", {"token": "", "from": PHONE, "text": "STOP", "id": "x1"}),
        ("/webhooks/http/dlr", {"token": "", "id": "1", "status": "1"}),
        ("/webhooks/ussd", {"sessionId": "s", "phoneNumber": PHONE, "text": "", "token": ""}),
    ]
    assert [client.post(path, data=form).status_code for path, form in requests] == [403] * 5


@pytest.mark.parametrize(
    ("label", "form", "status", "replies"),
    [
        ("missing From", {"MessageSid": "SMx", "Body": "وام"}, 400, None),
        ("missing Body", {"MessageSid": new_sid(), "From": PHONE}, 200, 1),
        ("missing MessageSid", {"From": PHONE, "Body": "وام"}, 200, 1),
        (
            "landline sender",
            {"MessageSid": new_sid(), "From": "+982112345678", "Body": "وام"},
            200,
            0,
        ),
        (
            "foreign mobile",
            {"MessageSid": new_sid(), "From": "+447700900123", "Body": "وام"},
            200,
            0,
        ),
        ("garbage sender", {"MessageSid": new_sid(), "From": "not-a-phone", "Body": "وام"}, 200, 0),
    ],
)
def test_field_table(client, label, form, status, replies):
    response = post_signed(client, "/webhooks/twilio/sms", form)
    assert response.status_code == status, label
    if replies is not None:
        assert len(reply_texts(response)) == replies, label


def test_get_is_not_allowed(client):
    assert client.get("/webhooks/twilio/sms").status_code == 405


def test_status_callback_unknown_message_still_answers_204(client):
    form = {"MessageSid": new_sid(), "MessageStatus": "delivered", "AccountSid": "AC1"}
    response = post_signed(client, "/webhooks/twilio/status", form)
    assert response.status_code == 204


def test_status_callback_without_fields_is_a_400(client):
    assert post_signed(client, "/webhooks/twilio/status", {"AccountSid": "AC1"}).status_code == 400


def test_status_callback_must_be_signed(client):
    form = {"MessageSid": new_sid(), "MessageStatus": "delivered"}
    assert client.post("/webhooks/twilio/status", data=form).status_code == 403


def test_a_status_callback_carrying_our_id_finds_a_message_with_no_sid_yet(client, db):
    from sqlalchemy import update

    from gateway.store.models import Message
    from tests.factories import add_queued_message

    message = add_queued_message(db)
    db.execute(
        update(Message).where(Message.id == message.id)
        .values(status="sending", channel="twilio", provider_id=str(message.id))
    )  # fmt: skip
    db.commit()
    form = {"MessageSid": "SM4242", "MessageStatus": "delivered"}
    response = post_signed(client, f"/webhooks/twilio/status?id={message.id}", form)
    assert response.status_code == 204
    db.rollback()
    found = db.get(Message, message.id, populate_existing=True)
    assert (found.status, found.provider_id) == ("delivered", "SM4242")


@pytest.mark.parametrize(
    "text",
    [None, "", "وام", "a<b & \"c\" 'd' > e", "line\nnext\r\n\ttab", "]]> <![CDATA[", "&amp;"],
)
def test_twiml_is_byte_for_byte_what_twilios_own_library_writes(text):
    from twilio.twiml.messaging_response import MessagingResponse

    from gateway.channels.twilio_sms import twiml

    expected = MessagingResponse()
    if text:
        expected.message(text)
    assert twiml(text).get_data(as_text=True) == str(expected)


SIGNED_URLS = [  # (the URL Twilio signed, the URL the request came to, accepted)
    ("https://gw.example.org/webhooks/twilio/sms", "https://gw.example.org/webhooks/twilio/sms",
     True),
    ("https://gw.example.org:443/webhooks/twilio/sms", "https://gw.example.org/webhooks/twilio/sms",
     True),
    ("https://gw.example.org/webhooks/twilio/sms", "https://gw.example.org:443/webhooks/twilio/sms",
     True),
    ("http://127.0.0.1:8000/webhooks/twilio/sms", "http://127.0.0.1:8000/webhooks/twilio/sms",
     True),
    ("http://127.0.0.1/webhooks/twilio/sms", "http://127.0.0.1:8000/webhooks/twilio/sms", True),
    ("http://127.0.0.1:8000/webhooks/twilio/sms", "http://127.0.0.1/webhooks/twilio/sms", False),
    ("https://gw.example.org/webhooks/twilio/sms?a=1", "https://gw.example.org/webhooks/twilio/sms",
     False),
]  # fmt: skip


@pytest.mark.parametrize(("signed", "received", "accepted"), SIGNED_URLS)
@pytest.mark.parametrize("token", [TOKEN, "another-token"])
def test_the_signature_check_decides_as_twilios_validator(signed, received, accepted, token):
    """signed_by_twilio computes the second URL form only when the first fails: it must
    still accept and refuse exactly what RequestValidator.validate does."""
    form = MultiDict([*sms_form(PHONE, "وام").items(), ("MediaUrl0", "a"), ("MediaUrl0", "b")])
    signature = RequestValidator(token).compute_signature(signed, form)
    expected = RequestValidator(TOKEN).validate(received, form, signature)
    assert expected is (accepted and token == TOKEN)
    assert signed_by_twilio(TOKEN, received, form, signature) is expected
