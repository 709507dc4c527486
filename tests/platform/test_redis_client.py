"""Redis as operators name it: TLS and password URLs pass through; Sentinel settings."""

from __future__ import annotations

import pytest
from redis.connection import SSLConnection
from redis.sentinel import SentinelConnectionPool, SentinelManagedSSLConnection

from config.settings import ConfigError, load_settings
from gateway.platform.redis_client import connect_redis


def settings_with(tmp_path, **environ):
    return load_settings({"GATEWAY_ENV": "test", "INSTANCE_PATH": str(tmp_path), **environ})


def test_a_tls_url_with_user_and_password_reaches_the_connection(tmp_path):
    url = "rediss://gateway:s3cret@cache.internal:6380/2?ssl_ca_certs=/etc/ssl/redis-ca.pem"
    pool = connect_redis(settings_with(tmp_path, REDIS_URL=url)).connection_pool
    kwargs = pool.connection_kwargs
    assert pool.connection_class is SSLConnection
    assert (kwargs["host"], kwargs["port"], kwargs["db"]) == ("cache.internal", 6380, 2)
    assert (kwargs["username"], kwargs["password"]) == ("gateway", "s3cret")
    assert kwargs["ssl_ca_certs"] == "/etc/ssl/redis-ca.pem"
    assert kwargs["socket_timeout"] == 5


def test_sentinels_find_the_primary_with_the_urls_database_password_and_tls(tmp_path):
    settings = settings_with(
        tmp_path,
        REDIS_SENTINELS="10.0.0.1:26379, 10.0.0.2:26379",
        REDIS_SENTINEL_MASTER="smsgw",
        REDIS_URL="rediss://:s3cret@ignored/3",
    )
    assert settings.sentinel_addresses == [("10.0.0.1", 26379), ("10.0.0.2", 26379)]
    assert not settings.embedded_redis
    client = connect_redis(settings)  # nothing is asked of the Sentinels until used
    pool = client.connection_pool
    assert isinstance(pool, SentinelConnectionPool) and pool.service_name == "smsgw"
    assert pool.connection_class is SentinelManagedSSLConnection
    assert (pool.connection_kwargs["db"], pool.connection_kwargs["password"]) == (3, "s3cret")
    hosts = [c.connection_pool.connection_kwargs["host"] for c in pool.sentinel_manager.sentinels]
    assert hosts == ["10.0.0.1", "10.0.0.2"]


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"REDIS_SENTINELS": "10.0.0.1"}, "'10.0.0.1' is not HOST:PORT"),
        ({"REDIS_SENTINELS": "10.0.0.1:26379"}, "REDIS_SENTINELS and REDIS_SENTINEL_MASTER"),
        ({"REDIS_SENTINEL_MASTER": "smsgw"}, "REDIS_SENTINELS and REDIS_SENTINEL_MASTER"),
        ({"REDIS_URL": "http://cache:6379"}, "REDIS_URL must be a redis://, rediss://"),
    ],
)
def test_malformed_redis_settings_are_refused(tmp_path, environ, message):
    with pytest.raises(ConfigError, match=message):
        settings_with(tmp_path, **environ)


def test_with_no_redis_named_the_embedded_one_is_used(tmp_path):
    assert settings_with(tmp_path).embedded_redis
    assert not settings_with(tmp_path, REDIS_URL="redis://cache:6379/0").embedded_redis
