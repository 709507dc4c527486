"""Delivery reports arriving all at once over real HTTP (gunicorn, several threads):
every one answered 200 and applied, never a 503 from the embedded database's write lock."""

from __future__ import annotations

import random
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, update

from gateway.store.models import Message, MessageEvent
from tests.factories import add_queued_message
from tests.helpers import running_web

pytestmark = pytest.mark.slow
TOKEN = "dlr-secret"
MESSAGES = 30


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


@pytest.fixture
def sent_ids(app, db) -> list[int]:
    """Messages the kannel provider handed over: channel `http`, our id as provider id."""
    ids = [add_queued_message(db).id for _ in range(MESSAGES)]
    for message_id in ids:
        db.execute(
            update(Message)
            .where(Message.id == message_id)
            .values(status="sent", channel="http", provider_id=str(message_id))
        )
    db.commit()
    return ids


def test_sixty_reports_at_once_are_all_answered_200_and_all_applied(
    db, sent_ids, cli_env, tmp_path
):
    # Kannel sends two reports per message (8 = submitted to the SMSC, 1 = delivered),
    # in either order and, from several smsbox threads, at the same moment.
    reports = [(message_id, code) for message_id in sent_ids for code in ("8", "1")]
    random.Random(16).shuffle(reports)
    env = {**cli_env, "HTTP_SMS_TOKEN": TOKEN}
    with running_web(env, tmp_path / "web.log", processes=2, threads=8) as base:
        urls = [
            base + "/webhooks/http/dlr?" + urllib.parse.urlencode(
                {"token": TOKEN, "id": message_id, "status": code}
            )
            for message_id, code in reports
        ]  # fmt: skip
        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(pool.map(get, urls))
    assert answers == [(200, "OK")] * len(reports)
    db.rollback()
    statuses = db.scalars(select(Message.status).where(Message.id.in_(sent_ids))).all()
    assert statuses == ["delivered"] * MESSAGES
    per_message = db.execute(
        select(MessageEvent.message_id, func.count()).group_by(MessageEvent.message_id)
    ).all()
    assert sorted(count for _, count in per_message) == [2] * MESSAGES
