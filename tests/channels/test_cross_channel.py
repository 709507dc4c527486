"""A full registration through each channel over real HTTP, and the same national ID again
through another channel creates nothing new."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gateway.store.models import Application
from tests.channels.live import TwilioPhone, post_form, serve
from tests.channels.twilio_client import TOKEN

NATIONAL_ID, PENSION = "0000534722", "728762975"
HTTP_TOKEN, USSD_TOKEN = "kannel-secret", "ussd-secret"


@pytest.fixture
def settings_overrides():
    return {"TWILIO_AUTH_TOKEN": TOKEN, "HTTP_SMS_TOKEN": HTTP_TOKEN, "USSD_TOKEN": USSD_TOKEN}


@pytest.fixture
def base_url(app):
    with serve(app) as url:
        yield url


def by_http(base: str, phone: str, texts: list[str]) -> str:
    reply = ""
    for n, text in enumerate(texts):
        form = {"token": HTTP_TOKEN, "from": phone, "to": "7070", "text": text,
                "id": f"{phone}-{n}"}  # fmt: skip
        status, reply = post_form(base + "/webhooks/http/sms", form)
        assert status == 200
    return reply


def by_ussd(base: str, phone: str, inputs: list[str]) -> str:
    screen = ""
    for n in range(len(inputs) + 1):
        form = {"sessionId": f"s-{phone}", "serviceCode": "*4040#", "phoneNumber": phone,
                "text": "*".join(inputs[:n]), "token": USSD_TOKEN}  # fmt: skip
        status, screen = post_form(base + "/webhooks/ussd", form)
        assert status == 200
    return screen


def by_twilio(base: str, phone: str, texts: list[str]) -> str:
    device = TwilioPhone(base, phone)
    return [device.send(text) for text in texts][-1]


REGISTER = {
    "twilio": (by_twilio, ["وام", NATIONAL_ID, PENSION, "1"]),
    "http": (by_http, ["ثبت نام", NATIONAL_ID, PENSION, "بله"]),
    "ussd": (by_ussd, ["1", NATIONAL_ID, PENSION, "1"]),
}


@pytest.mark.parametrize(
    ("first", "second"), [("twilio", "ussd"), ("http", "twilio"), ("ussd", "http")]
)
def test_register_through_one_channel_then_again_through_another(base_url, db, first, second):
    send, inputs = REGISTER[first]
    reply = send(base_url, "+989121234567", inputs)
    assert "کد پیگیری" in reply
    db.rollback()
    [application] = db.scalars(select(Application)).all()
    assert (application.status, application.channel) == ("pending", first)
    code = application.tracking_code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    send, inputs = REGISTER[second]
    again = send(base_url, "+989351112233", inputs)
    assert code in again and "قبلا ثبت شده" in again
    db.rollback()
    assert len(db.scalars(select(Application)).all()) == 1
