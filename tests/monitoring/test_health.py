"""Health, readiness and metrics endpoints."""

import redis as redis_lib

from config.settings import load_settings
from gateway import create_app


def test_healthz_answers_200(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_answers_200_when_database_and_redis_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200


def test_readyz_names_redis_when_redis_does_not_answer(settings, tmp_path):
    dead = tmp_path / "nothing-listens-here.sock"
    app = create_app(
        load_settings(
            {},
            GATEWAY_ENV="test",
            DATABASE_URL=settings.DATABASE_URL,
            REDIS_URL=f"unix://{dead}",
            INSTANCE_PATH=settings.INSTANCE_PATH,
        )
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert set(response.json["failed"]) == {"redis"}


def test_readyz_names_the_database_when_it_does_not_answer(settings, tmp_path):
    app = create_app(
        load_settings(
            {},
            GATEWAY_ENV="test",
            DATABASE_URL=f"sqlite:///{tmp_path}/missing-folder/x.db",
            REDIS_URL=settings.REDIS_URL,
            INSTANCE_PATH=settings.INSTANCE_PATH,
        )
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert set(response.json["failed"]) == {"database"}


def test_metrics_counts_requests_per_endpoint(client):
    client.get("/healthz")
    client.get("/healthz")
    body = client.get("/metrics").get_data(as_text=True)
    lines = [
        line
        for line in body.splitlines()
        if line.startswith("smsgw_http_requests_total{") and 'endpoint="health.healthz"' in line
    ]
    assert lines, body[:500]
    assert float(lines[0].rsplit(" ", 1)[1]) >= 2
    assert "smsgw_http_request_duration_seconds_bucket" in body


def test_unknown_url_gets_a_short_404_without_a_stack_trace(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)


def test_redis_client_fails_fast_instead_of_hanging(redis):
    assert isinstance(redis, redis_lib.Redis)
    assert redis.connection_pool.connection_kwargs["socket_timeout"] == 5
