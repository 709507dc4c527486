"""No carrier field, however malformed, gets a 5xx from any webhook: NUL in identifiers and
phones, raw non-UTF-8 bytes in the query string, overlong values; long texts fit."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from gateway.store.models import Message
from tests.channels.twilio_client import TOKEN, post_signed, sign, sms_form
from tests.helpers import free_port, wait_for_http

ROOT = Path(__file__).resolve().parents[2]
HTTP_TOKEN, USSD_TOKEN = "kannel-secret", "ussd-secret"
PHONE = "+989121234567"


@pytest.fixture
def settings_overrides():
    return {"TWILIO_AUTH_TOKEN": TOKEN, "HTTP_SMS_TOKEN": HTTP_TOKEN, "USSD_TOKEN": USSD_TOKEN}


FORMS = [
    ("twilio NUL in From", "/webhooks/twilio/sms",
     {"From": "+98912\x001234567", "Body": "وام", "MessageSid": "SM1"}),
    ("twilio NUL in MessageSid", "/webhooks/twilio/sms",
     {"From": PHONE, "Body": "وام", "MessageSid": "SM\x002"}),
    ("twilio status NUL in MessageSid", "/webhooks/twilio/status",
     {"MessageSid": "SM\x003", "MessageStatus": "delivered"}),
    ("twilio status overlong fields", "/webhooks/twilio/status",
     {"MessageSid": "S" * 5000, "MessageStatus": "d" * 500, "ErrorCode": "9" * 500}),
    ("http NUL in from", "/webhooks/http/sms",
     {"token": HTTP_TOKEN, "from": "0912\x001234567", "text": "وام", "id": "h1"}),
    ("http NUL in id", "/webhooks/http/sms",
     {"token": HTTP_TOKEN, "from": PHONE, "text": "وام", "id": "h\x002"}),
    ("http overlong from", "/webhooks/http/sms",
     {"token": HTTP_TOKEN, "from": "9" * 5000, "text": "وام", "id": "h3"}),
    ("dlr NUL in id", "/webhooks/http/dlr", {"token": HTTP_TOKEN, "id": "1\x00", "status": "1"}),
    ("dlr NUL in status", "/webhooks/http/dlr", {"token": HTTP_TOKEN, "id": "1", "status": "\x00"}),
    ("dlr id past 2**63", "/webhooks/http/dlr",
     {"token": HTTP_TOKEN, "id": "9" * 40, "status": "1"}),
    ("ussd NUL in sessionId", "/webhooks/ussd",
     {"token": USSD_TOKEN, "sessionId": "s\x00", "phoneNumber": PHONE, "text": ""}),
    ("ussd NUL in phoneNumber", "/webhooks/ussd",
     {"token": USSD_TOKEN, "sessionId": "s2", "phoneNumber": "0912\x001234567", "text": ""}),
]  # fmt: skip


@pytest.mark.parametrize(("label", "path", "form"), FORMS, ids=[f[0] for f in FORMS])
def test_a_malformed_field_never_gets_a_5xx(client, label, path, form):
    if path.startswith("/webhooks/twilio"):
        response = post_signed(client, path, form)
    else:
        response = client.post(path, data=form)
    assert response.status_code < 500, label
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_nul_in_the_sender_is_dropped_and_the_message_stored(client, db):
    form = {"token": HTTP_TOKEN, "from": "0912\x001234567", "text": "وام", "id": "nul-1"}
    assert client.post("/webhooks/http/sms", data=form).status_code == 200
    db.rollback()
    stored = db.scalar(select(Message).where(Message.external_id == "nul-1"))
    assert (stored.phone, stored.status) == (PHONE, "handled")


def test_kannels_post_url_carries_the_text_in_the_body(client, db):
    """Kannel's post-url: the fields in the URL, the text as a text/plain body."""
    query = urllib.parse.urlencode({"token": HTTP_TOKEN, "from": PHONE, "id": "post-1"})
    response = client.post(
        f"/webhooks/http/sms?{query}",
        data="۰۰۰۰۵۳۴۷۲۲".encode(),
        content_type="text/plain; charset=utf-8",
    )
    assert response.status_code == 200
    assert "شماره مستمری" in response.get_data(as_text=True)
    db.rollback()
    assert db.scalar(select(Message.text).where(Message.external_id == "post-1")) == "۰۰۰۰۵۳۴۷۲۲"


@pytest.fixture
def gunicorn_url(app, settings, tmp_path):
    """The gateway under gunicorn, the server production runs, on the test's servers."""
    port = free_port()
    env = {
        **os.environ, "GATEWAY_ENV": "test", "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL, "INSTANCE_PATH": str(tmp_path / "instance"),
        "PORT": str(port), "HTTP_SMS_TOKEN": HTTP_TOKEN, "USSD_TOKEN": USSD_TOKEN,
        "TWILIO_AUTH_TOKEN": TOKEN, "WEB_CONCURRENCY": "1",
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }  # fmt: skip
    proc = subprocess.Popen(["smsgw", "web"], env=env, cwd=ROOT, start_new_session=True)
    try:
        assert wait_for_http(f"http://127.0.0.1:{port}/healthz", timeout=60)
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def raw_request(port: int, request_line: bytes, body: bytes = b"", headers=b"") -> int:
    """Send bytes as they are (no client fixes them up) and return the status code."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        head = request_line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers
        sock.sendall(head + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


@pytest.mark.slow
def test_raw_bytes_and_long_texts_over_real_http_never_get_a_5xx(gunicorn_url):
    port = gunicorn_url
    form_type = b"Content-Type: application/x-www-form-urlencoded\r\n"
    ussd = f"token={USSD_TOKEN}&sessionId=r1&phoneNumber=09121234567&text=".encode()
    statuses = [
        raw_request(port, b"GET /webhooks/http/sms?token=" + HTTP_TOKEN.encode()
                    + b"&from=09121234567&id=raw1&text=\xff\xfe HTTP/1.1"),
        raw_request(port, b"POST /webhooks/ussd?x=\xff HTTP/1.1", ussd, form_type),
        raw_request(port, b"POST /webhooks/twilio/sms?x=\xff HTTP/1.1",
                    b"From=%2B989121234567&Body=x", form_type),
    ]  # fmt: skip
    assert all(status < 500 for status in statuses), statuses
    # Ten Persian segments (the most Kannel joins) through get-url: a ~4 KB request line.
    text = urllib.parse.quote("سلام" * 168)  # 672 characters, 6 bytes each when encoded
    line = f"GET /webhooks/http/sms?token={HTTP_TOKEN}&from=09121234568&id=long1&text={text}"
    assert len(line) > 4094
    assert raw_request(port, line.encode() + b" HTTP/1.1") == 200


def test_signature_still_covers_a_query_with_odd_bytes(client):
    """A Twilio URL with a query is signed whole; an odd byte there is a 403, not a 500."""
    form = sms_form(PHONE, "وام")
    signature = sign("http://localhost/webhooks/twilio/sms?a=b", form)
    response = client.post(
        "/webhooks/twilio/sms?a=%FF", data=form, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403


# Any text a carrier (or someone pretending to be one, with the secret) could put in a
# field: control characters, NUL, Persian, digits, overlong values, or nothing at all.
FIELD = st.one_of(
    st.text(max_size=300),
    st.text(alphabet="0123456789+ -*#", max_size=40),
    st.sampled_from(["", "\x00", "0" * 5000, "+989121234567", "۰۹۱۲۱۲۳۴۵۶۷", "1" * 40]),
)
ENDPOINTS = {
    "/webhooks/twilio/sms": ("From", "Body", "MessageSid", "To", "NumMedia"),
    "/webhooks/twilio/status": ("MessageSid", "MessageStatus", "ErrorCode"),
    "/webhooks/http/sms": ("from", "text", "id", "to", "coding"),
    "/webhooks/http/dlr": ("id", "status", "to"),
    "/webhooks/ussd": ("sessionId", "phoneNumber", "text", "serviceCode"),
}
TOKENS = {"/webhooks/http/sms": HTTP_TOKEN, "/webhooks/http/dlr": HTTP_TOKEN,
          "/webhooks/ussd": USSD_TOKEN}  # fmt: skip


@pytest.mark.parametrize("path", list(ENDPOINTS))
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(data=st.data())
def test_any_field_values_get_an_answer_not_a_5xx(client, path, data):
    form = {name: data.draw(FIELD, label=name) for name in ENDPOINTS[path]}
    if path.startswith("/webhooks/twilio"):
        response = post_signed(client, path, form)
    else:
        response = client.post(path, data={**form, "token": TOKENS[path]})
    assert response.status_code < 500, (path, form)
    assert "Traceback" not in response.get_data(as_text=True)
