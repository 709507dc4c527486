"""Redis state of the dialogs: sessions with expiry, one lock per phone, rate limits."""

from __future__ import annotations

import json
from contextlib import contextmanager, suppress

import redis

from flows.session import Session

SESSION_TTL = 24 * 3600  # the flow decides idle expiry itself; Redis only forgets old ones
LOCK_TIMEOUT = 30  # a crashed holder frees the phone after this many seconds
LOCK_WAIT = 20  # a second message waits this long for the first to finish


class PhoneBusy(Exception):
    """Another message from the same phone is still being handled."""


class SessionStore:
    """Dialog sessions keyed by a conversation key (the phone, or a USSD session)."""

    def __init__(self, client: redis.Redis, prefix: str = "smsgw"):
        self.redis = client
        self.prefix = prefix

    def _key(self, kind: str, name: str) -> str:
        return f"{self.prefix}:{kind}:{name}"

    def load(self, key: str) -> Session | None:
        raw = self.redis.get(self._key("session", key))
        if raw is None:
            return None
        try:
            return Session.from_dict(json.loads(raw))
        except ValueError:
            return None  # a damaged session starts afresh rather than failing the message

    def save(self, key: str, session: Session) -> None:
        payload = json.dumps(session.to_dict(), ensure_ascii=False)
        self.redis.set(self._key("session", key), payload, ex=SESSION_TTL)

    def drop(self, key: str) -> None:
        self.redis.delete(self._key("session", key))

    @contextmanager
    def phone_lock(self, phone: str):
        """Hold the phone's lock: two messages from one phone never run at the same time."""
        lock = self.redis.lock(
            self._key("lock", phone), timeout=LOCK_TIMEOUT, blocking_timeout=LOCK_WAIT
        )
        if not lock.acquire():
            raise PhoneBusy(phone)
        try:
            yield
        finally:
            # LockError: it expired while we worked, so there is nothing left to release.
            with suppress(redis.exceptions.LockError):
                lock.release()

    def over_rate_limit(self, phone: str, limit: int, window: int) -> bool:
        """Count this message in the phone's fixed window; True past `limit`."""
        key = self._key("rate", phone)
        with self.redis.pipeline() as pipe:
            pipe.set(key, 0, ex=window, nx=True)  # the window starts with its first message
            pipe.incr(key)
            _, count = pipe.execute()
        return count > limit
