"""One Redis connection factory for sessions, locks, rate limits and the RQ queues."""

from __future__ import annotations

import redis
from redis.connection import parse_url
from redis.sentinel import Sentinel

from config.settings import Settings
from gateway.platform.embedded_redis import EmbeddedRedis

# Short timeouts, so a dead Redis fails a request (a 503 the carrier retries) instead of
# hanging it; redis-py retries a dropped connection with back-off before it gives up.
TIMEOUTS = {"socket_connect_timeout": 2, "socket_timeout": 5, "health_check_interval": 30}


def redis_url(settings: Settings) -> str:
    """REDIS_URL, or the embedded server's socket under instance/ when it is unset.

    Nothing here starts a server: `smsgw run` (and a lone `smsgw web` or `smsgw worker`)
    starts the embedded one before the app connects.
    """
    return settings.REDIS_URL or EmbeddedRedis(settings.instance_path / "redis").url


def connect_redis(settings: Settings) -> redis.Redis:
    """The client every part of a process shares: REDIS_URL's server (TLS for rediss://,
    its user and password), or the primary that REDIS_SENTINELS name today."""
    if settings.REDIS_SENTINELS:
        return sentinel_primary(settings)
    return redis.Redis.from_url(redis_url(settings), **TIMEOUTS)


def sentinel_primary(settings: Settings) -> redis.Redis:
    """A client of REDIS_SENTINEL_MASTER's current primary, asked of the Sentinels.

    Each new connection asks the Sentinels where the primary is, and a connection to a
    primary that was demoted is dropped, so after a failover the next command (redis-py
    retries with back-off) reaches the new primary. RQ's scheduler rebuilds its own
    client from this one's pool, which keeps the Sentinel lookup.
    """
    options = _url_options(settings.REDIS_URL) if settings.REDIS_URL else {}
    sentinel = Sentinel(
        settings.sentinel_addresses,
        sentinel_kwargs={"socket_connect_timeout": 2, "socket_timeout": 2},
        socket_connect_timeout=TIMEOUTS["socket_connect_timeout"],
    )
    return sentinel.master_for(settings.REDIS_SENTINEL_MASTER, **TIMEOUTS, **options)


def _url_options(url: str) -> dict:
    """What REDIS_URL adds to a Sentinel-found primary: database, user, password, TLS."""
    parsed = parse_url(url)
    options = {key: parsed[key] for key in ("db", "username", "password") if key in parsed}
    if url.startswith("rediss://"):
        options["ssl"] = True
        options.update({k: v for k, v in parsed.items() if k.startswith("ssl_")})
    return options
