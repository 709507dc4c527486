"""The twilio provider against a local server that answers like Twilio's Messages API."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from config.settings import load_settings
from gateway.outbound.providers import PermanentSendError, TransientSendError
from gateway.outbound.providers.twilio import make_provider

SID = "AC" + "1" * 32
CREATED = {"sid": "SM" + "a" * 32, "status": "queued", "to": "+989121234567"}
# Twilio's error body: https://www.twilio.com/docs/usage/twilios-response#response-formats-exceptions
INVALID_TO = {"code": 21211, "message": "The 'To' number is not a valid phone number.",
              "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}  # fmt: skip


class FakeTwilio:
    """Answers each POST with the next (status, body) of its script; records the forms."""

    def __init__(self, script):
        self.script = list(script)
        self.forms: list[dict] = []
        self.paths: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                fake.forms.append(dict(urllib.parse.parse_qsl(self.rfile.read(length).decode())))
                fake.paths.append(self.path)
                status, body = fake.script.pop(0)
                if status == "slow":
                    time.sleep(body)
                    status, body = 201, CREATED
                payload = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up (its time-out)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def provider_for(fake: FakeTwilio, tmp_path):
    settings = load_settings(
        {},
        GATEWAY_ENV="test",
        INSTANCE_PATH=str(tmp_path),
        SMS_PROVIDER="twilio",
        TWILIO_ACCOUNT_SID=SID,
        TWILIO_AUTH_TOKEN="secret",
        TWILIO_FROM="+15005550006",
        PUBLIC_BASE_URL="https://sms.example.ir",
        SMS_SEND_TIMEOUT_SECONDS=1,
    )
    provider = make_provider(settings)
    provider.client.api.base_url = fake.url  # the one change: where Twilio's API lives
    return provider


@pytest.fixture
def twilio(request):
    fake = FakeTwilio(request.param)
    yield fake
    fake.stop()


@pytest.mark.parametrize("twilio", [[(201, CREATED)]], indirect=True)
def test_a_created_message_returns_its_sid_and_asks_for_status_callbacks(twilio, tmp_path):
    sid = provider_for(twilio, tmp_path).send(42, "+989121234567", "درخواست شما تایید شد")
    assert sid == CREATED["sid"]
    assert twilio.paths == [f"/2010-04-01/Accounts/{SID}/Messages.json"]
    assert twilio.forms == [{
        "To": "+989121234567", "From": "+15005550006", "Body": "درخواست شما تایید شد",
        "StatusCallback": "https://sms.example.ir/webhooks/twilio/status?id=42",
    }]  # fmt: skip


@pytest.mark.parametrize(
    ("twilio", "error", "code"),
    [
        ([(400, INVALID_TO)], PermanentSendError, "twilio_21211"),
        ([(429, {"code": 20429, "message": "Too Many Requests", "status": 429})],
         TransientSendError, "twilio_20429"),
        ([(500, {"message": "Internal error", "status": 500})], TransientSendError, "twilio_500"),
        ([(503, {"message": "Unavailable", "status": 503})], TransientSendError, "twilio_503"),
        ([("slow", 3)], TransientSendError, "timeout"),
    ],
    indirect=["twilio"],
)  # fmt: skip
def test_errors_map_to_give_up_or_try_again(twilio, tmp_path, error, code):
    with pytest.raises(error) as info:
        provider_for(twilio, tmp_path).send(42, "+989121234567", "hello")
    assert info.value.code == code
