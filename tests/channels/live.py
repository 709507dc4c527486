"""The Flask app served over real HTTP on 127.0.0.1, in a thread, for integration tests."""

from __future__ import annotations

import threading
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from contextlib import contextmanager

from werkzeug.serving import make_server

from tests.channels.twilio_client import TOKEN, new_sid, sign, sms_form


@contextmanager
def serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def post_form(url: str, form: dict, headers: dict | None = None) -> tuple[int, str]:
    data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


class TwilioPhone:
    """A pensioner's phone texting the gateway through Twilio's signed webhook."""

    def __init__(self, base: str, phone: str, token: str = TOKEN):
        self.url = base + "/webhooks/twilio/sms"
        self.phone = phone
        self.token = token

    def send(self, body: str, sid: str | None = None) -> str | None:
        form = sms_form(self.phone, body, sid or new_sid())
        status, text = post_form(self.url, form, {"X-Twilio-Signature": sign(self.url, form)})
        assert status == 200, (status, text[:200])
        messages = ET.fromstring(text).findall("Message")
        assert len(messages) <= 1
        return messages[0].text if messages else None
