"""Redis state of the dialogs: sessions with expiry, one lock per phone, rate limits.

Every read and write of a dialog session - and of a USSD session's screen - happens
here, inside the phone's lock, keyed by the E.164 phone. A message's whole Redis work
is three round trips: take the phone's lock; count the message against the phone's
rate limit and read its session (and screen) in one pipeline; save them and release the
lock in one pipeline.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from flows.session import Session
from flows.ussd import Screen

SESSION_TTL = 24 * 3600  # the flow decides idle expiry itself; Redis only forgets old ones
SCREEN_TTL = 600  # a USSD session never lives this long; operators end them after 180 s
LOCK_TIMEOUT_MS = 30_000  # a crashed holder frees the phone after this long
LOCK_WAIT = 20  # seconds a second message waits for the first to finish
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end"


class PhoneBusy(Exception):
    """Another message from the same phone is still being handled."""


class SessionStore:
    """Dialog sessions keyed by phone, with the per-phone lock and rate limit.

    Keys name the phone by a keyed hash (HMAC with SECRET_KEY), never the number itself:
    a Redis dump or a `KEYS` listing shows no phone, and phone numbers are too few for a
    plain hash to hide them.
    """

    def __init__(self, client: redis.Redis, secret: str, prefix: str = "smsgw"):
        self.redis = client
        self.prefix = prefix
        self._secret = secret.encode()
        self._release = client.register_script(_RELEASE)

    def key(self, kind: str, phone: str) -> str:
        return f"{self.prefix}:{kind}:{self._digest(phone)}"

    def screen_key(self, phone: str, session_id: str) -> str:
        """A USSD session's screen, keyed by (gateway session id, phone): a gateway that
        reuses session ids never shows one subscriber another's screen."""
        return f"{self.prefix}:ussd:{self._digest(phone + chr(10) + session_id)}"

    def _digest(self, value: str) -> str:
        return hmac.new(self._secret, value.encode(), hashlib.sha256).hexdigest()[:32]

    @contextmanager
    def phone_lock(self, phone: str) -> Iterator[PhoneTurn]:
        """Hold the phone's lock: two messages from one phone never run at the same time."""
        lock_key, token = self.key("lock", phone), secrets.token_hex(8)
        deadline = time.monotonic() + LOCK_WAIT
        while not self.redis.set(lock_key, token, nx=True, px=LOCK_TIMEOUT_MS):
            if time.monotonic() > deadline:
                raise PhoneBusy()
            time.sleep(0.01)
        turn = PhoneTurn(self, phone)
        try:
            yield turn
        finally:
            with self.redis.pipeline(transaction=False) as pipe:
                turn.write(pipe)
                self._release(keys=[lock_key], args=[token], client=pipe)
                pipe.execute()


class PhoneTurn:
    """What one message does with its phone's Redis state while holding the lock."""

    def __init__(self, store: SessionStore, phone: str):
        self.store = store
        self.phone = phone
        self.session: Session | None = None
        self.screen_key: str | None = None  # the USSD session's screen, when there is one
        self.screen: Screen | None = None

    def read_session(self) -> Session | None:
        """The dialog session alone (for work that only looks, such as a reminder)."""
        raw = self.store.redis.get(self.store.key("session", self.phone))
        return _parse(raw, Session.from_dict)

    def count_and_load(
        self, limit: int, window: int, session_id: str | None = None
    ) -> tuple[Session | None, Screen | None, bool]:
        """The dialog session, the USSD session's screen (when `session_id`), and whether
        this message is past `limit` messages in `window` seconds."""
        rate_key = self.store.key("rate", self.phone)
        with self.store.redis.pipeline(transaction=False) as pipe:
            pipe.set(rate_key, 0, ex=window, nx=True)  # the window starts with its first message
            pipe.incr(rate_key)
            pipe.get(self.store.key("session", self.phone))
            if session_id is not None:
                self.screen_key = self.store.screen_key(self.phone, session_id)
                pipe.get(self.screen_key)
            _, count, raw, *screen = pipe.execute()
        session = _parse(raw, Session.from_dict)
        if session_id is None:
            return session, None, count > limit
        return session, _parse(screen[0], Screen.from_dict) or Screen(), count > limit

    def save(self, session: Session, screen: Screen | None = None) -> None:
        """Saved when the lock is released, in the same round trip."""
        self.session, self.screen = session, screen

    def write(self, pipe) -> None:
        if self.session is not None:
            payload = json.dumps(self.session.to_dict(), ensure_ascii=False)
            pipe.set(self.store.key("session", self.phone), payload, ex=SESSION_TTL)
        if self.screen is not None and self.screen_key is not None:
            payload = json.dumps(self.screen.to_dict(), ensure_ascii=False)
            pipe.set(self.screen_key, payload, ex=SCREEN_TTL)


def _parse(raw, build):
    if raw is None:
        return None
    try:
        return build(json.loads(raw))
    except ValueError:
        return None  # a damaged session starts afresh rather than failing the message
