"""One Redis connection factory for sessions, locks, rate limits and the RQ queues."""

from __future__ import annotations

import redis
from flask import current_app

from config.settings import Settings


def redis_url(settings: Settings) -> str:
    """REDIS_URL, or the embedded server under instance/ when it is unset."""
    if settings.REDIS_URL:
        return settings.REDIS_URL
    from gateway.redis_server import embedded_redis_url

    return embedded_redis_url(settings.instance_path)


def connect_redis(url: str) -> redis.Redis:
    """A client with short timeouts, so a dead Redis fails a request instead of hanging it."""
    return redis.Redis.from_url(
        url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30
    )


def get_redis() -> redis.Redis:
    return current_app.extensions["redis"]
