"""Sign-in throttle in Redis: growing waits per account, a much higher bar per address.

Three counts of failed sign-ins, each with a wait that grows with it:
- the account (from anywhere): waits grow 2, 4, 8 ... seconds, but never past a minute,
  so a stranger guessing from many addresses slows an account but cannot lock it out;
- the account from one address: the same waits up to 15 minutes, so one guesser stops;
- the address (any accounts): nothing until 50 failures in 15 minutes, then 15 minutes,
  so colleagues behind one office NAT are not locked out by one person's typos.
A good sign-in clears the account's counts. While a wait runs, attempts are refused
without checking the password and without counting, so waiting never makes it longer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from gateway.platform import services

FREE_FAILURES = 3  # failures before any wait
FIRST_WAIT = 2  # seconds, doubled with each further failure


@dataclass(frozen=True)
class Scope:
    name: str
    free: int  # failures before the first wait
    max_wait: int  # seconds
    memory: int  # a count is forgotten this long after its last failure


ACCOUNT = Scope("account", FREE_FAILURES, max_wait=60, memory=3600)
ACCOUNT_FROM_ADDRESS = Scope("pair", FREE_FAILURES, max_wait=15 * 60, memory=3600)
ADDRESS = Scope("address", free=49, max_wait=15 * 60, memory=15 * 60)
_KEY = "smsgw:console:signin:{}:{}:{}"  # kind (count / wait), scope, subject


def wait_after(failures: int, scope: Scope) -> int:
    """Seconds to wait after the `failures`-th failure in `scope`."""
    if failures <= scope.free:
        return 0
    if scope is ADDRESS:
        return scope.max_wait
    return min(FIRST_WAIT * 2 ** (failures - scope.free - 1), scope.max_wait)


def _subjects(username: str, address: str) -> list[tuple[Scope, str]]:
    account = username.strip().lower()
    return [(ACCOUNT, account), (ACCOUNT_FROM_ADDRESS, f"{account}|{address}"), (ADDRESS, address)]


def _redis():
    return services.redis_client()


def seconds_to_wait(username: str, address: str) -> int:
    """How long before `username` may try again from `address` (0: now)."""
    pipe = _redis().pipeline(transaction=False)
    for scope, subject in _subjects(username, address):
        pipe.pttl(_KEY.format("wait", scope.name, subject))
    longest = max(pipe.execute())
    return math.ceil(longest / 1000) if longest > 0 else 0


def record_failure(username: str, address: str) -> int:
    """Count a failed sign-in in every scope; returns the wait it starts (seconds)."""
    subjects = _subjects(username, address)
    pipe = _redis().pipeline()
    for scope, subject in subjects:
        key = _KEY.format("count", scope.name, subject)
        pipe.incr(key)
        pipe.expire(key, scope.memory)
    counts = pipe.execute()[::2]
    longest = 0
    for (scope, subject), failures in zip(subjects, counts, strict=True):
        wait = wait_after(failures, scope)
        if wait:
            _redis().set(_KEY.format("wait", scope.name, subject), 1, ex=wait)
            longest = max(longest, wait)
    return longest


def clear_account(username: str, address: str) -> None:
    """A good sign-in: the account's counts and waits go (the address's count stays)."""
    keys = [
        _KEY.format(kind, scope.name, subject)
        for scope, subject in _subjects(username, address)[:2]
        for kind in ("count", "wait")
    ]
    _redis().delete(*keys)
