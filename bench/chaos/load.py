"""Whole registration dialogs sent as the carriers send them, and what the carriers saw.

Each pensioner takes one channel (Twilio SMS, Kannel HTTP GET, USSD) on one node,
with the request builders of the webhook benchmark (signed like the carrier). Like a
carrier, a request that gets no 2xx (a killed web worker, a 503 while Redis or
PostgreSQL is down) is delivered again with the same id until it is answered, and now
and then an answered one is delivered again anyway (the carrier missed our answer).
Like a pensioner, it confirms only a screen showing its own national ID; a dialog that
went astray (its session was lost with Redis) is started again, by SMS after CANCEL.
"""

from __future__ import annotations

import random
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from bench._webhook_requests import CHANNELS, Dialog, Request, Target, dialog_texts
from flows.digits import latin_digits
from gateway.dialog.conversation import Inbound

TRACKING_CODE = re.compile(r"(?<!\d)\d{8}(?!\d)")
REDELIVER_SHARE = 0.05
GIVE_UP_SECONDS = 120
TRIES_PER_DIALOG = 3


@dataclass
class Ledger:
    """What the carriers saw: every id answered 2xx, and every dialog's tracking code."""

    acknowledged: set[str] = field(default_factory=set)
    confirmed: dict[str, str] = field(default_factory=dict)  # national ID -> tracking code
    answers: Counter[str] = field(default_factory=Counter)  # HTTP status (or error) counts
    redelivered: int = 0
    redelivery_mismatches: int = 0
    dialogs_restarted: int = 0
    given_up: int = 0
    done: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, answer) -> None:
        with self.lock:
            self.answers[str(answer)] += 1


def dedupe_key(request: Request, dialog: Dialog) -> str:
    """The id the gateway stores the message under (see Inbound.dedupe_key)."""
    if request.path.startswith("/webhooks/http/"):
        return urllib.parse.parse_qs(urllib.parse.urlsplit(request.path).query)["id"][0]
    form = dict(urllib.parse.parse_qsl(request.body, keep_blank_values=True))
    if "MessageSid" in form:
        return form["MessageSid"]
    return Inbound("ussd", dialog.phone, form["text"], session_id=form["sessionId"]).dedupe_key()


def send_once(base_url: str, request: Request) -> tuple[int | str, str]:
    """(HTTP status or the connection error's name, body) of one delivery."""
    data = request.body.encode() if request.body else None
    headers = dict(request.headers)
    if data:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    outgoing = urllib.request.Request(
        base_url + request.path, data=data, headers=headers, method=request.method
    )
    try:
        with urllib.request.urlopen(outgoing, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except (urllib.error.URLError, OSError) as exc:
        return type(getattr(exc, "reason", exc)).__name__, ""


class Driver:
    """Runs the dialogs on a thread pool; `progress()` is the share done."""

    def __init__(self, urls: list[str], env: dict[str, str], seed: int, threads: int = 12):
        secrets = env["TWILIO_AUTH_TOKEN"], env["HTTP_SMS_TOKEN"], env["USSD_TOKEN"]
        self.targets = [Target(url, *secrets) for url in urls]
        self.seed, self.threads = seed, threads
        self.ledger = Ledger()
        self.total, self.started, self.spacing = 0, 0.0, 0.0

    def progress(self) -> float:
        return self.ledger.done / self.total if self.total else 0.0

    def run(self, dialogs: list[Dialog], spread_seconds: float = 0) -> Ledger:
        """Run every dialog; with `spread_seconds`, dialog i starts no earlier than
        i / n of that time (a short run still has work in flight at every fault)."""
        self.total, self.started = len(dialogs), time.monotonic()
        self.spacing = spread_seconds / max(len(dialogs), 1)
        with ThreadPoolExecutor(self.threads) as pool:
            list(pool.map(self._dialog, dialogs))
        return self.ledger

    def _dialog(self, dialog: Dialog) -> None:
        time.sleep(max(0.0, self.started + dialog.index * self.spacing - time.monotonic()))
        rng = random.Random(f"{self.seed}-{dialog.index}")
        channel = rng.choice(sorted(CHANNELS))
        target = rng.choice(self.targets)
        for attempt in range(TRIES_PER_DIALOG):
            code = self._walk(dialog, self._requests(channel, dialog, target, attempt), target, rng)
            if code:
                with self.ledger.lock:
                    self.ledger.confirmed[dialog.national_id] = code
                    self.ledger.dialogs_restarted += attempt
                    self.ledger.done += 1
                return
        with self.ledger.lock:
            self.ledger.given_up += 1
            self.ledger.done += 1

    @staticmethod
    def _requests(channel: str, dialog: Dialog, target: Target, attempt: int) -> list[Request]:
        """The dialog's requests; by SMS a second try starts with CANCEL (the dialog may
        be anywhere after Redis lost it), by USSD a new session starts afresh anyway."""
        if attempt and channel != "ussd":
            return CHANNELS[channel].requests(dialog, target, ("لغو", *dialog_texts(dialog)))
        return CHANNELS[channel].requests(dialog, target)

    def _walk(self, dialog: Dialog, requests: list[Request], target: Target, rng) -> str | None:
        """Deliver the dialog's requests in order; the tracking code the last answer gave.
        Like a pensioner, it confirms only a screen that shows its own national ID."""
        body = ""
        for number, request in enumerate(requests):
            if number == len(requests) - 1 and dialog.national_id not in latin_digits(body):
                return None
            body = self._deliver(target.base_url, request)
            if body is None:
                return None
            if request.stores:
                with self.ledger.lock:
                    self.ledger.acknowledged.add(dedupe_key(request, dialog))
            if rng.random() < REDELIVER_SHARE:
                again = self._deliver(target.base_url, request)
                with self.ledger.lock:
                    self.ledger.redelivered += 1
                    self.ledger.redelivery_mismatches += again is not None and again != body
        found = TRACKING_CODE.search(latin_digits(body))
        return found.group() if found else None

    def _deliver(self, base_url: str, request: Request) -> str | None:
        """The body of the first 2xx answer, delivering again as a carrier does; None when
        the gateway refused it (4xx) or never answered within GIVE_UP_SECONDS."""
        deadline = time.monotonic() + GIVE_UP_SECONDS
        while time.monotonic() < deadline:
            status, body = send_once(base_url, request)
            self.ledger.count(status)
            if isinstance(status, int) and status < 300:
                return body
            if isinstance(status, int) and status < 500:
                return None
            time.sleep(0.5)
        return None
