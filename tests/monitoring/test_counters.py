"""Running counts: kept by the hooks as data arrives, equal to a recount of the tables."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from gateway.monitoring import counters as stats
from gateway.outbound.deliveries import record_delivery
from gateway.platform import services
from gateway.store import stat_counters as store
from gateway.store.models import Application, Message, MessageEvent
from tests.console.pensioners import (
    add_registry,
    decide_all,
    national_id,
    register,
    send_all,
    text_in,
)


@pytest.mark.parametrize(
    ("moment", "day_start"),
    [
        # Tehran is UTC+03:30: its day starts at 20:30 UTC the day before.
        (datetime(2026, 3, 1, 20, 29, tzinfo=UTC), datetime(2026, 2, 28, 20, 30, tzinfo=UTC)),
        (datetime(2026, 3, 1, 20, 30, tzinfo=UTC), datetime(2026, 3, 1, 20, 30, tzinfo=UTC)),
        (datetime(2026, 3, 2, 9, 0, tzinfo=UTC), datetime(2026, 3, 1, 20, 30, tzinfo=UTC)),
    ],
)
def test_day_buckets_follow_the_programme_time_zone(moment, day_start):
    assert stats.day_of(moment, "Asia/Tehran") == day_start


def run_programme(db) -> None:
    """Six dialogs on two channels, an ignored sender, decisions, sends and two reports."""
    ids = add_registry(db, 4)  # association 08: 2 places in phase 1, so 2 wait
    for n, nid in enumerate(ids[:3]):
        register(f"+98912100000{n}", nid, channel=("twilio", "http")[n % 2])
    text_in("+989121000003", f"{ids[3]} 123456")  # both numbers at once
    text_in("+989121000003", "1")
    register("+989121000004", national_id(900))  # not in the registry
    register("+989121000005", ids[0], pension="654321")  # a live ID, another pension number
    text_in("+989121000006", "وام")
    text_in("+989121000006", ids[1])  # gives up after the national ID
    text_in("+14155550100", "hello")  # not an Iranian mobile: stored, no dialog
    sent = decide_all(db)
    send_all(sent)
    with services.database().session() as session:
        record_delivery(session, "console", f"console-{sent[0]}", "delivered", None)
        record_delivery(session, "console", f"console-{sent[1]}", "undelivered", "30003")
        record_delivery(session, "console", f"console-{sent[1]}", "delivered", None)  # too late


def totals(db, metric: str) -> Counter:
    db.rollback()
    return Counter(store.sum_counts(db, metric))


def test_counters_equal_a_recount_after_dialogs_decisions_and_reports(app, db, programme):
    run_programme(db)
    messages = totals(db, "messages")
    inbound = db.execute(
        select(Message.channel, func.count()).where(Message.direction == "in").group_by("channel")
    )
    assert {f"{c}|in": n for c, n in inbound} == {k: n for k, n in messages.items() if "|in" in k}
    outbound = db.scalar(select(func.count()).where(Message.direction == "out"))
    assert sum(n for k, n in messages.items() if k.endswith("|out")) == outbound

    decided = db.execute(
        select(Application.status, Application.reason, func.count()).group_by("status", "reason")
    )
    recount = {f"1|{status}|{reason or ''}": n for status, reason, n in decided}
    assert dict(totals(db, "decisions")) == recount
    assert recount == {
        "1|approved|": 2, "1|waitlisted|": 2, "1|rejected|not_found": 1,
        "1|rejected|pension_mismatch": 1,  # the stranger's probe, decided at once
    }  # fmt: skip

    funnel = totals(db, "funnel")
    applications = db.scalar(select(func.count()).select_from(Application))
    assert funnel["1|confirmed"] == applications
    assert (funnel["1|started"], funnel["1|national_id"], funnel["1|pension_number"]) == (7, 7, 6)

    events = Counter(db.scalars(select(MessageEvent.status)))
    sends = totals(db, "sends")
    assert sends["sent|"] == events["sent"] == 6  # five decisions and the probe's rejection
    assert (sends["delivered|"], sends["undelivered|30003"]) == (1, 1)


def test_per_minute_series_add_up_to_the_totals(app, db, programme):
    run_programme(db)
    since = stats.recent_minutes(datetime.now(UTC))[0]
    rows = store.read_counts(db, "messages", since)
    assert sum(n for _, _, n in rows) == db.scalar(select(func.count()).select_from(Message))
    assert all(bucket.second == 0 and bucket.microsecond == 0 for bucket, _, _ in rows)


def test_a_failing_counter_never_fails_the_message(app, db, programme, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError("stats table gone")

    monkeypatch.setattr(store, "add_counts", broken)
    reply = text_in("+989121000001", "وام")
    assert reply  # answered all the same
    assert db.scalar(select(func.count()).select_from(Message)) == 2
    assert "stats_failed" in caplog.text
    monkeypatch.undo()
    assert totals(db, "messages") == Counter()
