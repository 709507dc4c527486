"""Redis state of the dialogs: sessions with expiry, one lock per phone, rate limits.

Every read and write of a dialog session - and of a USSD session's screen - happens
here, inside the phone's lock. A message costs two Redis round trips, each one script:
take the lock, count the message against the phone's rate limit and read its session
(and screen); then save them and release the lock - only while this turn still holds
it, so a turn that outlived its lock never overwrites a newer one's session.

A session's answers (national ID, pension number) live in a key of their own that
expires with the dialog; the rest (state, language, when) is kept a day, so that a
pensioner who comes back after the dialog expired is told it started again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from redis.commands.core import Script

from flows.session import Session
from flows.ussd import Screen
from gateway.platform.logs import log_event

SESSION_TTL = 24 * 3600  # the flow decides idle expiry itself; Redis only forgets old ones
SCREEN_TTL = 600  # a USSD session never lives this long; operators end them after 180 s
LOCK_TIMEOUT_MS = 60_000  # a crashed holder frees the phone after this long
LOCK_WAIT = 20  # seconds a second message waits for the first to finish
KEEP_ALIVE_AFTER = LOCK_TIMEOUT_MS / 3000  # seconds into a turn before it renews its lock
log = logging.getLogger("smsgw.sessions")

# KEYS: lock, rate, session, answers[, screen]  ARGV: token, lock ms, rate window (0: none)
_ACQUIRE = """
if not redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {0} end
local count = 0
if tonumber(ARGV[3]) > 0 then
  count = redis.call('incr', KEYS[2])
  if count == 1 then redis.call('expire', KEYS[2], ARGV[3]) end
end
local screen = false
if KEYS[5] then screen = redis.call('get', KEYS[5]) end
return {1, count, redis.call('get', KEYS[3]), redis.call('get', KEYS[4]), screen}
"""
# KEYS: lock, session, answers[, screen]
# ARGV: token, session json ('' = leave), session ttl, answers json ('' = none), answers
# ttl[, screen json, screen ttl]
_SAVE_AND_RELEASE = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' then
  redis.call('set', KEYS[2], ARGV[2], 'EX', ARGV[3])
  if ARGV[4] ~= '' then redis.call('set', KEYS[3], ARGV[4], 'EX', ARGV[5])
  else redis.call('del', KEYS[3]) end
end
if KEYS[4] then redis.call('set', KEYS[4], ARGV[6], 'EX', ARGV[7]) end
redis.call('del', KEYS[1])
return 1
"""
_EXTEND = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
"""


def session_store(services) -> SessionStore:
    """The app's session store: keys hashed with SECRET_KEY, answers kept as long as a
    dialog may stay idle (and a minute more)."""
    settings = services.settings
    answers_ttl = settings.SESSION_TIMEOUT_MINUTES * 60 + 60
    return SessionStore(services.redis, settings.SECRET_KEY, answers_ttl)


class PhoneBusy(Exception):
    """Another message from the same phone is still being handled."""


class SessionStore:
    """Dialog sessions keyed by phone, with the per-phone lock and rate limit.

    Keys name the phone by a keyed hash (HMAC with SECRET_KEY), never the number itself:
    a Redis dump or a `KEYS` listing shows no phone, and phone numbers are too few for a
    plain hash to hide them. `answers_ttl` is how long a dialog's answers may live.
    """

    def __init__(self, client: redis.Redis, secret: str, answers_ttl: int, prefix="smsgw"):
        self.redis = client
        self.prefix = prefix
        self.answers_ttl = answers_ttl
        self._secret = secret.encode()
        self._acquire = client.register_script(_ACQUIRE)
        self._save = client.register_script(_SAVE_AND_RELEASE)
        self._extend = client.register_script(_EXTEND)
        self._threads = threading.local()

    def run(self, script: Script, keys: list[str], args: list) -> object:
        """Run one of the scripts on this thread's own connection: a message runs two, and
        taking a connection from the pool and giving it back around each is a large part
        of the call. The connection is the pool's (Sentinel's master, redis-py's retries)
        and goes back to it when the thread or the store ends."""
        client = getattr(self._threads, "client", None)
        if client is None:
            pool = self.redis.connection_pool
            client = redis.Redis(connection_pool=pool, single_connection_client=True)
            self._threads.client = client
        return script(keys=keys, args=args, client=client)

    def key(self, kind: str, phone: str) -> str:
        return self.keys_of(phone, (kind,))[0]

    def keys_of(self, phone: str, kinds: tuple[str, ...]) -> list[str]:
        """The phone's keys of these kinds (one keyed hash for all of them)."""
        digest = self._digest(phone)
        return [f"{self.prefix}:{kind}:{digest}" for kind in kinds]

    def screen_key(self, phone: str, session_id: str) -> str:
        """A USSD session's screen, keyed by (gateway session id, phone): a gateway that
        reuses session ids never shows one subscriber another's screen."""
        return f"{self.prefix}:ussd:{self._digest(phone + chr(10) + session_id)}"

    def _digest(self, value: str) -> str:
        return hmac.new(self._secret, value.encode(), hashlib.sha256).hexdigest()[:32]

    @contextmanager
    def turn(
        self, phone: str, rate_window: int = 0, session_id: str | None = None
    ) -> Iterator[PhoneTurn]:
        """Hold the phone's lock for one message (two from one phone never run at once),
        with its session, its USSD screen (when `session_id`) and its count in the rate
        window (when `rate_window` seconds) loaded; saved and released on the way out."""
        turn = PhoneTurn(self, phone, session_id)
        deadline = time.monotonic() + LOCK_WAIT
        while not turn.acquire(rate_window):
            if time.monotonic() > deadline:
                raise PhoneBusy()
            time.sleep(0.01)
        try:
            yield turn
        finally:
            turn.release()


class PhoneTurn:
    """One message's hold on its phone's Redis state."""

    def __init__(self, store: SessionStore, phone: str, session_id: str | None):
        self.store = store
        self.token = secrets.token_hex(8)
        self.keys = store.keys_of(phone, ("lock", "rate", "session", "answers"))
        if session_id is not None:
            self.keys.append(store.screen_key(phone, session_id))
        self.started = time.monotonic()
        self.session: Session | None = None
        self.screen: Screen | None = None
        self.count = 0
        self._save: tuple[Session | None, Screen | None] = (None, None)

    def acquire(self, rate_window: int) -> bool:
        args = [self.token, LOCK_TIMEOUT_MS, rate_window]
        found = self.store.run(self.store._acquire, self.keys, args)
        if not found[0]:
            return False
        self.started = time.monotonic()
        _, self.count, raw, answers, screen = found
        self.session = _session(raw, answers)
        if len(self.keys) == 5:
            self.screen = _parse(screen, Screen.from_dict) or Screen()
        return True

    def keep_alive(self) -> None:
        """Renew the lock when the turn has run long (a slow database), never on the
        fast path: a turn that lost its lock anyway saves nothing (see release)."""
        if time.monotonic() - self.started > KEEP_ALIVE_AFTER:
            self.store.run(self.store._extend, self.keys[:1], [self.token, LOCK_TIMEOUT_MS])
            self.started = time.monotonic()

    def save(self, session: Session, screen: Screen | None = None) -> None:
        """Saved when the lock is released, in the same round trip."""
        self._save = (session, screen)

    def release(self) -> None:
        session, screen = self._save
        args = [self.token, "", SESSION_TTL, "", self.store.answers_ttl]
        if session is not None:
            skeleton = session.to_dict()
            answers = skeleton.pop("data")
            args[1] = json.dumps(skeleton)
            args[3] = json.dumps(answers, ensure_ascii=False) if answers else ""
        keys = self.keys[:1] + self.keys[2:4]
        if screen is not None and len(self.keys) == 5:
            keys.append(self.keys[4])
            args += [json.dumps(screen.to_dict(), ensure_ascii=False), SCREEN_TTL]
        if not self.store.run(self.store._save, keys, args) and session is not None:
            log_event(log, "phone_lock_lost", logging.WARNING, held_s=self.held_seconds())

    def held_seconds(self) -> float:
        return round(time.monotonic() - self.started, 1)


def _session(raw, answers) -> Session | None:
    """The session from its two keys; answers that expired leave the dialog without them."""
    found = _parse(raw, dict)
    if found is None:
        return None
    found["data"] = _parse(answers, dict) or {}
    return Session.from_dict(found)


def _parse(raw, build):
    if raw is None:
        return None
    try:
        return build(json.loads(raw))
    except (ValueError, TypeError):
        return None  # damaged state starts afresh rather than failing the message
