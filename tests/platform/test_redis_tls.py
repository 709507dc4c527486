"""A Redis URL with TLS (rediss://) and a password, against a real redis-server that
takes only TLS and only that password."""

from __future__ import annotations

import shutil
import urllib.parse
from dataclasses import replace

import pytest
import redis

from flows.messages import render
from gateway import create_app
from tests.helpers import free_port
from tests.platform.redis_servers import (
    redis_server_missing,
    running_redis,
    self_signed_certificate,
)

pytestmark = pytest.mark.slow
if redis_server_missing() or shutil.which("openssl") is None:
    pytest.skip(
        "redis-server or openssl is not installed: apt-get install redis-server openssl",
        allow_module_level=True,
    )
TOKEN = "tls-test-secret"
PASSWORD = "s3cret-redis"


@pytest.fixture
def tls_redis(tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    port = free_port()
    args = ["--port", "0", "--tls-port", str(port), "--tls-cert-file", str(cert),
            "--tls-key-file", str(key), "--tls-ca-cert-file", str(cert),
            "--tls-auth-clients", "no", "--requirepass", PASSWORD]  # fmt: skip
    with running_redis(tmp_path / "redis", port, *args):
        yield port, cert


def app_on(settings, url: str):
    return create_app(replace(settings, REDIS_URL=url, HTTP_SMS_TOKEN=TOKEN))


def test_the_gateway_works_over_tls_with_the_urls_password(app, settings, tls_redis):
    port, cert = tls_redis
    gateway = app_on(settings, f"rediss://:{PASSWORD}@127.0.0.1:{port}/0?ssl_ca_certs={cert}")
    client = gateway.test_client()
    assert client.get("/readyz").status_code == 200
    query = urllib.parse.urlencode({"token": TOKEN, "from": "+989121234567", "text": "وام",
                                    "id": "tls-1"})  # fmt: skip
    reply = client.get(f"/webhooks/http/sms?{query}")
    assert reply.status_code == 200 and reply.text == render("welcome_ask_national_id", "fa")
    direct = redis.Redis("127.0.0.1", port, password=PASSWORD, ssl=True, ssl_ca_certs=str(cert))
    assert any(b"session" in key for key in direct.keys("smsgw:*"))


@pytest.mark.parametrize(
    "url",
    [
        "rediss://:wrong-password@127.0.0.1:{port}/0?ssl_ca_certs={cert}",
        "rediss://127.0.0.1:{port}/0?ssl_ca_certs={cert}",  # no password
        "redis://:" + PASSWORD + "@127.0.0.1:{port}/0",  # no TLS
        "rediss://:" + PASSWORD + "@127.0.0.1:{port}/0",  # a certificate not trusted
    ],
)
def test_a_wrong_password_no_tls_or_an_untrusted_server_is_not_ready(app, settings, tls_redis, url):
    port, cert = tls_redis
    response = app_on(settings, url.format(port=port, cert=cert)).test_client().get("/readyz")
    assert response.status_code == 503 and "redis" in response.get_json()["failed"]
