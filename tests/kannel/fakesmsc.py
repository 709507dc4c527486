"""Kannel's `fakesmsc` as the operator's SMS centre: pensioners' phones type into it, and
it reports every message Kannel sends to a phone, which is decoded here as a phone would.

fakesmsc with no message argument reads MO lines (`sender receiver type data`) from its
standard input and logs each MT as `Got message N: <sender receiver type data>`, where
type is `text` (GSM-7, as is), `ucs-2` (UTF-16BE, URL-encoded), `data` (8-bit,
URL-encoded) or `udh UDH data DATA` for one segment of a concatenated message (both
URL-encoded).
"""

from __future__ import annotations

import re
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass

from tests.kannel.kannel import FAKESMSC

GOT = re.compile(r"Got message \d+: <(.*)>$")
SENT = re.compile(r"fakesmsc: sent message (\d+)$")


@dataclass(frozen=True)
class Sms:
    """A message as the phone shows it: all its segments joined, decoded."""

    to: str
    sender: str
    coding: str  # `text` (GSM-7), `ucs-2`, or `data` (8-bit)
    segments: int
    text: str


def unquote(data: str) -> bytes:
    """Kannel's URL encoding: %XX, and + for the byte 0x20 (a literal + is %2B)."""
    return urllib.parse.unquote_to_bytes(data.replace("+", " "))


def decode_ucs2(data: str) -> str:
    return unquote(data).decode("utf-16-be")


class FakeSmsc:
    def __init__(self, port: int):
        self.proc = subprocess.Popen(
            [FAKESMSC, "-H", "127.0.0.1", "-r", str(port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.received: list[Sms] = []
        self.sent = 0
        self.parts: dict[tuple, dict[int, bytes]] = {}
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def stop(self) -> None:
        self.proc.terminate()  # it ends badly on end of input; SIGTERM just ends it
        self.proc.wait(timeout=10)

    def send(self, phone: str, text: str, coding: str = "ucs2") -> None:
        """A pensioner's message to the short code, as UCS-2 (how phones send Persian) or
        as plain text. Returns once fakesmsc has passed it on: it reads its input a line
        at a time when the input is readable, so a second line sent at once would wait."""
        data = urllib.parse.quote(text.encode("utf-16-be")) if coding == "ucs2" else text
        expected = self.sent + 1
        self.proc.stdin.write(f"{phone} 7070 {coding} {data}\n".encode())
        self.proc.stdin.flush()
        deadline = time.monotonic() + 10
        while self.sent < expected:
            assert time.monotonic() < deadline, "fakesmsc did not send the message"
            time.sleep(0.02)

    def messages_to(self, phone: str) -> list[Sms]:
        with self.lock:
            return [sms for sms in self.received if sms.to == phone]

    def wait_for(self, phone: str, count: int, timeout: float = 30) -> list[Sms]:
        """The first `count` messages the phone got, once it has them."""
        deadline = time.monotonic() + timeout
        while len(self.messages_to(phone)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{phone} got {self.messages_to(phone)}, not {count}")
            time.sleep(0.05)
        return self.messages_to(phone)[:count]

    def _read(self) -> None:
        for raw in self.proc.stderr:
            line = raw.decode(errors="replace").rstrip("\n")
            if found := GOT.search(line):
                self._receive(found.group(1))
            elif found := SENT.search(line):
                self.sent = int(found.group(1))

    def _receive(self, line: str) -> None:
        sender, to, kind, data = line.split(" ", 3)
        if kind == "text":
            sms = Sms(to, sender, "text", 1, data)
        elif kind == "ucs-2":
            sms = Sms(to, sender, "ucs-2", 1, decode_ucs2(data))
        elif kind == "udh":
            sms = self._segment(to, sender, data)
        else:  # `data`: 8-bit, which no reply should be; kept as read, to fail a comparison
            sms = Sms(to, sender, kind, 1, unquote(data).decode("latin-1"))
        if sms is not None:
            with self.lock:
                self.received.append(sms)

    def _segment(self, to: str, sender: str, data: str) -> Sms | None:
        """One segment of a concatenated message (UDH element 0: reference, total, number);
        the whole message once every segment is in. The segments carry no coding on the
        line: they are decoded as UCS-2, so a GSM-7 message would not read back right."""
        udh_data, _, payload = data.split(" ", 2)
        udh = unquote(udh_data)
        assert udh[:3] == b"\x05\x00\x03", f"not a concatenation header: {udh!r}"
        reference, total, number = udh[3], udh[4], udh[5]
        key = (to, sender, reference)
        parts = self.parts.setdefault(key, {})
        parts[number] = unquote(payload)
        if len(parts) < total:
            return None
        del self.parts[key]
        text = b"".join(parts[n] for n in sorted(parts)).decode("utf-16-be")
        return Sms(to, sender, "ucs-2", total, text)
