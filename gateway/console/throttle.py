"""Sign-in throttle: after 5 failures a username and an address each wait 15 minutes."""

from __future__ import annotations

from gateway.platform import services

MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60
_KEY = "smsgw:console:signin-failures:{}:{}"


def _keys(username: str, address: str) -> list[str]:
    return [_KEY.format("user", username.strip().lower()), _KEY.format("addr", address)]


def _redis():
    return services.redis_client()


def is_locked(username: str, address: str) -> bool:
    """True while the username or the address has failed MAX_FAILURES times."""
    return any(int(count or 0) >= MAX_FAILURES for count in _redis().mget(_keys(username, address)))


def record_failure(username: str, address: str) -> None:
    """Count a failure; each count lives LOCK_SECONDS after the last failure."""
    pipe = _redis().pipeline()
    for key in _keys(username, address):
        pipe.incr(key)
        pipe.expire(key, LOCK_SECONDS)
    pipe.execute()


def clear_user(username: str) -> None:
    """A good sign-in clears the username's count (the address's count stays)."""
    _redis().delete(_keys(username, "")[0])
