"""The kannel provider against a local server that answers like Kannel's sendsms."""

from __future__ import annotations

import urllib.parse

import pytest

from gateway.outbound.providers import TransientSendError
from tests.factories import add_queued_message
from tests.outbound.fake_provider import FakeProvider
from workers.jobs import send_sms

DLR_TOKEN = "dlr-secret"


@pytest.fixture
def kannel():
    server = FakeProvider()
    yield server
    server.stop()


@pytest.fixture
def settings_overrides(kannel):
    return {
        "SMS_PROVIDER": "kannel",
        "KANNEL_SENDSMS_URL": kannel.url,
        "KANNEL_USERNAME": "gw",
        "KANNEL_PASSWORD": "pw",
        "PUBLIC_BASE_URL": "https://sms.example.ir",
        "HTTP_SMS_TOKEN": DLR_TOKEN,
        "SMS_SEND_TIMEOUT_SECONDS": 1,
        "SMS_MAX_ATTEMPTS": 3,
    }


def reload(db, message_id):
    from gateway.store.models import Message

    db.rollback()
    return db.get(Message, message_id, populate_existing=True)


def test_persian_goes_as_ucs2_with_a_dlr_url_carrying_our_id(app, db, kannel):
    kannel.script = [202]
    message = add_queued_message(db, text="درخواست شما تایید شد")
    send_sms(message.id)
    [fields] = kannel.requests
    assert fields["text"] == "درخواست شما تایید شد"
    assert (fields["coding"], fields["charset"]) == ("2", "utf-8")
    assert (fields["username"], fields["password"], fields["to"]) == ("gw", "pw", "+989121234567")
    assert fields["from"] == "7070"
    assert fields["dlr-mask"] == "31"
    dlr = urllib.parse.urlsplit(fields["dlr-url"])
    assert dlr.scheme + "://" + dlr.netloc + dlr.path == "https://sms.example.ir/webhooks/http/dlr"
    query = dict(urllib.parse.parse_qsl(dlr.query))
    assert query == {"token": DLR_TOKEN, "id": str(message.id), "status": "%d"}
    assert reload(db, message.id).status == "sent"


def test_the_credentials_go_in_headers_and_never_in_the_url(app, db, kannel):
    kannel.script = [202]
    send_sms(add_queued_message(db).id)
    assert kannel.paths == ["/send"]


@pytest.mark.parametrize(
    ("text", "coding"),
    [
        ("Your loan request is approved.", "0"),
        ("Code [12] ~ 100€", "0"),  # the GSM-7 extension table is still GSM-7
        ("Loan approved, کد ۱۲۳۴", "2"),
        ("درخواست شما تایید شد", "2"),
    ],
)
def test_the_coding_is_gsm7_when_every_character_allows_it_else_ucs2(app, db, kannel, text, coding):
    kannel.script = [202]
    send_sms(add_queued_message(db, text=text).id)
    assert (kannel.requests[0]["coding"], kannel.requests[0]["text"]) == (coding, text)


def test_503_is_retried_then_202_accepts(app, db, kannel):
    kannel.script = [503, 202]
    message = add_queued_message(db)
    with pytest.raises(TransientSendError):
        send_sms(message.id)
    assert reload(db, message.id).status == "queued"
    send_sms(message.id)
    sent = reload(db, message.id)
    assert (sent.status, sent.attempts) == ("sent", 2)
    assert kannel.per_id == {None: 2}  # Kannel's request carries no id field of its own


@pytest.mark.parametrize("refusal", [400, 403])
def test_4xx_is_refused_at_once(app, db, kannel, refusal):
    kannel.script = [refusal]
    message = add_queued_message(db)
    send_sms(message.id)
    failed = reload(db, message.id)
    assert (failed.status, failed.error_code) == ("failed", f"http_{refusal}")
    assert len(kannel.requests) == 1


def test_kannel_delivery_report_reaches_the_message(app, client, db, kannel):
    kannel.script = [202]
    message = add_queued_message(db)
    send_sms(message.id)
    dlr = urllib.parse.urlsplit(kannel.requests[0]["dlr-url"])
    query = dlr.query.replace("%25d", "1").replace("%d", "1")  # Kannel fills %d: 1 = delivered
    assert client.get(f"{dlr.path}?{query}").status_code == 200
    assert reload(db, message.id).status == "delivered"
