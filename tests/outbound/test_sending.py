"""send_sms: the console and http providers, retries, give-up, STOP and the shared send rate."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from gateway.outbound.providers import TransientSendError
from gateway.outbound.ratelimit import PREFIX, acquire_send_slot, granted_per_window
from gateway.store.models import Message, MessageEvent
from tests.factories import add_queued_message, opt_out
from workers.jobs import send_sms


@pytest.fixture
def settings_overrides(request, provider):
    if "console" in request.node.name:
        return {}
    return {
        "SMS_PROVIDER": "http",
        "HTTP_SMS_SEND_URL": provider.url,
        "SMS_SEND_TIMEOUT_SECONDS": 1,
        "SMS_MAX_ATTEMPTS": 4,
    }


def reload(db, message_id: int) -> Message:
    db.rollback()
    return db.get(Message, message_id, populate_existing=True)


def history(db, message_id: int) -> list[tuple]:
    stmt = select(MessageEvent.status, MessageEvent.error_code).where(
        MessageEvent.message_id == message_id
    )
    return [tuple(row) for row in db.execute(stmt.order_by(MessageEvent.id))]


def test_console_provider_prints_the_message_masked_and_marks_it_sent(app, db, capsys):
    message = add_queued_message(db, text="درخواست وام شما تایید شد.")
    send_sms(message.id)
    out = capsys.readouterr().out
    assert "درخواست وام شما تایید شد." in out
    assert "+98912****567" in out and "+989121234567" not in out
    sent = reload(db, message.id)
    assert (sent.status, sent.channel, sent.attempts) == ("sent", "console", 1)


def test_http_provider_retries_500_and_timeout_then_delivers_once(app, db, provider):
    provider.script = [500, ("slow", 3), 200]
    message = add_queued_message(db, text="hello")
    for _ in range(2):
        with pytest.raises(TransientSendError):
            send_sms(message.id)  # RQ's Retry would run it again after the back-off
        assert reload(db, message.id).status == "queued"
    send_sms(message.id)
    send_sms(message.id)  # a stray extra run sends nothing
    sent = reload(db, message.id)
    assert (sent.status, sent.attempts, sent.provider_id) == ("sent", 3, str(message.id))
    assert provider.per_id[str(message.id)] == 3
    assert provider.delivered[str(message.id)] == 1  # the provider dedupes on our id
    fields = provider.requests[-1]
    assert fields == {"to": "+989121234567", "from": "7070", "text": "hello", "id": str(message.id)}
    assert history(db, message.id) == [
        ("sending", None), ("queued", "http_500"),
        ("sending", None), ("queued", "timeout"), ("sending", None), ("sent", None),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("status", "code"), [(400, "http_400"), (301, "http_301"), (302, "http_302")]
)
def test_http_provider_4xx_or_a_redirect_gives_up_at_once_with_the_error_stored(
    app, db, provider, status, code
):
    provider.script = [status]
    message = add_queued_message(db)
    send_sms(message.id)  # no exception: nothing for RQ to retry
    send_sms(message.id)
    failed = reload(db, message.id)
    assert (failed.status, failed.error_code, failed.attempts) == ("failed", code, 1)
    assert failed.error
    assert len(provider.requests) == 1  # the redirect was not followed


def test_http_provider_gives_up_after_the_last_attempt(app, db, provider):
    provider.script = [503] * 4
    message = add_queued_message(db)
    for _ in range(3):
        with pytest.raises(TransientSendError):
            send_sms(message.id)
    send_sms(message.id)  # the 4th (SMS_MAX_ATTEMPTS) failure is final: no raise
    failed = reload(db, message.id)
    assert (failed.status, failed.error_code, failed.attempts) == ("failed", "http_503", 4)
    assert provider.per_id[str(message.id)] == 4


def test_stop_suppresses_result_messages(app, db, provider):
    opt_out(db, "+989121234567")
    message = add_queued_message(db)
    send_sms(message.id)
    assert reload(db, message.id).status == "suppressed"
    assert provider.requests == []
    assert history(db, message.id)[-1] == ("suppressed", None)


@pytest.mark.parametrize("settings_overrides", [{"SMS_RATE_PER_SECOND": 2}])
def test_console_sends_share_the_rate_window_in_redis(app, db, redis):
    ids = [add_queued_message(db).id for _ in range(5)]
    for message_id in ids:
        send_sms(message_id)
    windows = [int(k.decode().removeprefix(PREFIX)) for k in redis.scan_iter(f"{PREFIX}*")]
    granted = granted_per_window(redis, windows)
    assert sum(granted.values()) == 5
    assert max(granted.values()) <= 2
    assert max(windows) - min(windows) >= 2  # 5 sends at 2 a second span 3 seconds


def test_rate_slots_are_shared_by_concurrent_senders(redis):
    taken: list[int] = []

    def sender():
        for _ in range(4):
            taken.append(acquire_send_slot(redis, 3))

    threads = [threading.Thread(target=sender) for _ in range(3)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    per_second = {s: taken.count(s) for s in set(taken)}
    assert len(taken) == 12 and max(per_second.values()) <= 3
    assert granted_per_window(redis, per_second) == per_second
    assert len(per_second) >= 4
    assert time.monotonic() - started >= len(per_second) - 2
