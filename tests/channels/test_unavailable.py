"""When Redis is down a webhook answers 503 (the carrier delivers again) and acts on nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from config.settings import load_settings
from gateway import create_app
from gateway.store.models import Message

TOKEN = "kannel-secret"


@pytest.fixture
def settings_overrides():
    return {"HTTP_SMS_TOKEN": TOKEN}


def test_redis_down_gives_503_with_retry_after_and_stores_nothing(settings, app, db, tmp_path):
    down = create_app(
        load_settings(
            {},
            GATEWAY_ENV="test",
            DATABASE_URL=settings.DATABASE_URL,
            REDIS_URL=f"unix://{tmp_path}/no-redis-here.sock",
            INSTANCE_PATH=settings.INSTANCE_PATH,
            HTTP_SMS_TOKEN=TOKEN,
        )
    )
    form = {"token": TOKEN, "from": "09121234567", "text": "وام", "id": "k-down"}
    response = down.test_client().post("/webhooks/http/sms", data=form)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Traceback" not in response.get_data(as_text=True)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Message)) == 0
    # Redis is back: the carrier's second delivery of the same id is answered once.
    again = app.test_client().post("/webhooks/http/sms", data=form)
    assert again.status_code == 200 and again.get_data(as_text=True)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Message)) == 2  # in + reply
