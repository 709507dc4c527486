"""The outbound send rate shared by every worker: a fixed one-second window in Redis."""

from __future__ import annotations

import time

from redis import Redis

PREFIX = "smsgw:sms-rate:"
KEEP_SECONDS = 120  # windows stay readable for a while (operators, tests)

# Take a slot in the window of Redis's own current second (one clock for every machine)
# if it has room; the counter only ever counts grants. Returns {granted, second, usec}.
_TAKE = """
local now = redis.call('TIME')
local key = KEYS[1] .. now[1]
local used = tonumber(redis.call('GET', key) or '0')
if used >= tonumber(ARGV[1]) then return {0, now[1], now[2]} end
redis.call('INCR', key)
redis.call('EXPIRE', key, ARGV[2])
return {1, now[1], now[2]}
"""


def acquire_send_slot(redis: Redis, per_second: int) -> int:
    """Wait until the current second's window has room, take a slot, return the window.

    Every worker shares the window through one Redis key per second; over the rate, wait
    for the next second and try again. (A fixed window can let up to twice the rate
    through across the boundary of two seconds; carriers count per second.)
    """
    take = redis.register_script(_TAKE)
    while True:
        granted, second, usec = take(keys=[PREFIX], args=[per_second, KEEP_SECONDS])
        if granted:
            return int(second)
        time.sleep((1_000_000 - int(usec)) / 1_000_000 + 0.001)


def granted_per_window(redis: Redis, seconds) -> dict[int, int]:
    """How many sends each of these one-second windows (Unix seconds) granted."""
    seconds = list(seconds)
    values = redis.mget([f"{PREFIX}{s}" for s in seconds])
    return {s: int(v) for s, v in zip(seconds, values, strict=True) if v is not None}
