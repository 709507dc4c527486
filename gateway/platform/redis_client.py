"""One Redis connection factory for sessions, locks, rate limits and the RQ queues."""

from __future__ import annotations

import redis

from config.settings import Settings
from gateway.platform.embedded_redis import EmbeddedRedis


def redis_url(settings: Settings) -> str:
    """REDIS_URL, or the embedded server's socket under instance/ when it is unset.

    Nothing here starts a server: `smsgw run` (and a lone `smsgw web` or `smsgw worker`)
    starts the embedded one before the app connects.
    """
    return settings.REDIS_URL or EmbeddedRedis(settings.instance_path / "redis").url


def connect_redis(url: str) -> redis.Redis:
    """A client with short timeouts, so a dead Redis fails a request instead of hanging it."""
    return redis.Redis.from_url(
        url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30
    )
