"""Whole registration dialogs as pre-computed HTTP requests, one file per wrk connection.

A channel is one function `(dialog, target) -> list[Request]` in CHANNELS: the requests a
carrier would send for one pensioner's dialog, in order, signed as that carrier signs
them. The files are read by `_wrk_dialog.lua`: one request per line,
`stores TAB creates TAB method TAB path TAB body [TAB header: value ...]`.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from flows.messages import render
from gateway.programme.demo_data import make_national_id

FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Dialog:
    """One pensioner going through registration from one phone."""

    phone: str
    national_id: str
    pension_number: str
    index: int


@dataclass(frozen=True)
class Target:
    """Where the requests go and the secrets they carry."""

    base_url: str
    twilio_token: str
    http_token: str
    ussd_token: str


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # with its query string
    body: str = ""  # URL-encoded form, or empty
    headers: tuple[tuple[str, str], ...] = ()
    stores: bool = True  # the gateway stores one inbound message for it
    creates: bool = False  # the gateway creates an application for it

    def line(self) -> str:
        headers = [f"{name}: {value}" for name, value in self.headers]
        if self.body:
            headers.insert(0, f"Content-Type: {FORM}")
        fields = [str(int(self.stores)), str(int(self.creates)), self.method, self.path, self.body]
        return "\t".join(fields + headers)


_ids = itertools.count(1)


def dialog_texts(dialog: Dialog) -> tuple[str, ...]:
    """What the pensioner texts, in order: the keyword, both numbers, then `1` (yes)."""
    return ("وام", dialog.national_id, dialog.pension_number, "1")


def twilio_requests(dialog: Dialog, target: Target, texts: tuple[str, ...] = ()) -> list[Request]:
    """Twilio's inbound webhook: form posts signed with X-Twilio-Signature."""
    path = "/webhooks/twilio/sms"
    validator = RequestValidator(target.twilio_token)
    requests = []
    texts = texts or dialog_texts(dialog)
    for number, text in enumerate(texts, 1):
        sid = f"SM{next(_ids):032d}"
        form = {
            "MessageSid": sid,
            "SmsSid": sid,
            "AccountSid": "AC" + "0" * 32,
            "From": dialog.phone,
            "To": "+987070",
            "Body": text,
            "NumMedia": "0",
        }
        signature = validator.compute_signature(target.base_url + path, form)
        requests.append(
            Request(
                "POST",
                path,
                urlencode(form),
                (("X-Twilio-Signature", signature),),
                creates=number == len(texts),
            )
        )
    return requests


def http_requests(dialog: Dialog, target: Target, texts: tuple[str, ...] = ()) -> list[Request]:
    """Kannel's get-url: a GET with token, from, to, text and id in the query."""
    requests = []
    texts = texts or dialog_texts(dialog)
    for number, text in enumerate(texts, 1):
        query = {
            "token": target.http_token,
            "from": dialog.phone,
            "to": "7070",
            "text": text,
            "id": f"kannel-{next(_ids)}",
        }
        path = "/webhooks/http/sms?" + urlencode(query)
        requests.append(Request("GET", path, creates=number == len(texts)))
    return requests


def ussd_requests(dialog: Dialog, target: Target) -> list[Request]:
    """Africa's Talking USSD: every input so far joined by `*`; the dial (empty text) is
    stored like every other request."""
    inputs = ["1", dialog.national_id, dialog.pension_number, "1"]
    session_id = f"ATUid_{next(_ids):024d}"
    requests = []
    for count in range(len(inputs) + 1):
        form = {
            "sessionId": session_id,
            "serviceCode": "*7070#",
            "phoneNumber": dialog.phone,
            "text": "*".join(inputs[:count]),
            "token": target.ussd_token,
        }
        requests.append(
            Request(
                "POST",
                "/webhooks/ussd",
                urlencode(form),
                creates=count == len(inputs),
            )
        )
    return requests


def twiml_reply() -> tuple[str, bytes]:
    response = MessagingResponse()
    response.message(render("welcome_ask_national_id", "fa"))
    return "text/xml; charset=utf-8", str(response).encode()


def plain_reply(medium: str = "sms") -> tuple[str, bytes]:
    text = render("welcome_ask_national_id", "fa", medium=medium)
    return "text/plain; charset=utf-8", text.encode()


@dataclass(frozen=True)
class Channel:
    requests: Callable[..., list[Request]]  # (dialog, target[, texts by SMS])
    ceiling_reply: Callable[[], tuple[str, bytes]]  # (content type, body) the ceiling answers
    paths: tuple[str, ...]


CHANNELS = {
    "twilio": Channel(twilio_requests, twiml_reply, ("/webhooks/twilio/sms",)),
    "http": Channel(http_requests, plain_reply, ("/webhooks/http/sms",)),
    "ussd": Channel(ussd_requests, lambda: plain_reply("ussd"), ("/webhooks/ussd",)),
}


def make_dialogs(count: int, seed: int = 2025) -> list[Dialog]:
    """`count` dialogs of distinct phones and distinct valid national IDs."""
    rng = random.Random(seed)
    seen: set[str] = set()
    dialogs = []
    while len(dialogs) < count:
        national_id = make_national_id(rng)
        if national_id in seen:
            continue
        seen.add(national_id)
        index = len(dialogs)
        phone = f"+98912{index:07d}"
        dialogs.append(Dialog(phone, national_id, str(rng.randrange(10**7, 10**8)), index))
    return dialogs


def write_request_files(
    folder: Path, channel: str, target: Target, connections: int, messages: int
) -> tuple[int, list[Dialog]]:
    """Files conn-0000.txt ...: connection c walks dialogs c, c + connections, ... in order.

    Returns the number of requests written (about `messages`, whole dialogs only) and
    the dialogs they hold.
    """
    folder.mkdir(parents=True, exist_ok=True)
    build = CHANNELS[channel].requests
    per_dialog = len(build(make_dialogs(1, seed=0)[0], target))
    dialogs = make_dialogs(max(connections, -(-messages // per_dialog)))
    written = 0
    for conn in range(connections):
        lines = []
        for dialog in dialogs[conn::connections]:
            lines.extend(request.line() for request in build(dialog, target))
        (folder / f"conn-{conn:04d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        written += len(lines)
    return written, dialogs
