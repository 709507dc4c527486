"""Redis state of the dialogs: sessions with expiry, one lock per phone, rate limits.

A message's whole Redis work is three round trips: take the phone's lock; count the
message against the phone's rate limit and read its session (one pipeline); save the
session and release the lock (one pipeline).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from flows.session import Session

SESSION_TTL = 24 * 3600  # the flow decides idle expiry itself; Redis only forgets old ones
LOCK_TIMEOUT_MS = 30_000  # a crashed holder frees the phone after this long
LOCK_WAIT = 20  # seconds a second message waits for the first to finish
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end"


class PhoneBusy(Exception):
    """Another message from the same phone is still being handled."""


class SessionStore:
    """Dialog sessions keyed by phone, with the per-phone lock and rate limit."""

    def __init__(self, client: redis.Redis, prefix: str = "smsgw"):
        self.redis = client
        self.prefix = prefix
        self._release = client.register_script(_RELEASE)

    def key(self, kind: str, name: str) -> str:
        return f"{self.prefix}:{kind}:{name}"

    def load(self, phone: str) -> Session | None:
        return _parse(self.redis.get(self.key("session", phone)))

    def save(self, phone: str, session: Session, client=None) -> None:
        payload = json.dumps(session.to_dict(), ensure_ascii=False)
        (client or self.redis).set(self.key("session", phone), payload, ex=SESSION_TTL)

    def drop(self, phone: str) -> None:
        self.redis.delete(self.key("session", phone))

    @contextmanager
    def phone_lock(self, phone: str) -> Iterator[PhoneTurn]:
        """Hold the phone's lock: two messages from one phone never run at the same time."""
        lock_key, token = self.key("lock", phone), secrets.token_hex(8)
        deadline = time.monotonic() + LOCK_WAIT
        while not self.redis.set(lock_key, token, nx=True, px=LOCK_TIMEOUT_MS):
            if time.monotonic() > deadline:
                raise PhoneBusy(phone)
            time.sleep(0.01)
        turn = PhoneTurn(self, phone)
        try:
            yield turn
        finally:
            with self.redis.pipeline(transaction=False) as pipe:
                if turn.pending is not None:
                    self.save(phone, turn.pending, client=pipe)
                self._release(keys=[lock_key], args=[token], client=pipe)
                pipe.execute()


class PhoneTurn:
    """What one message does with its phone's Redis state while holding the lock."""

    def __init__(self, store: SessionStore, phone: str):
        self.store = store
        self.phone = phone
        self.pending: Session | None = None

    def count_and_load(self, limit: int, window: int) -> tuple[Session | None, bool]:
        """The session, and whether this message is past `limit` messages in `window` s."""
        rate_key = self.store.key("rate", self.phone)
        with self.store.redis.pipeline(transaction=False) as pipe:
            pipe.set(rate_key, 0, ex=window, nx=True)  # the window starts with its first message
            pipe.incr(rate_key)
            pipe.get(self.store.key("session", self.phone))
            _, count, raw = pipe.execute()
        return _parse(raw), count > limit

    def save(self, session: Session) -> None:
        """Saved when the lock is released, in the same round trip."""
        self.pending = session


def _parse(raw) -> Session | None:
    if raw is None:
        return None
    try:
        return Session.from_dict(json.loads(raw))
    except ValueError:
        return None  # a damaged session starts afresh rather than failing the message
