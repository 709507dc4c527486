"""Phases and quotas: bars, quota and phase edits by admins, promotion of the waitlist."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from rq import Queue
from sqlalchemy import select

from gateway.store.models import Application, AuditEvent, Phase, Quota
from tests.console.conftest import post
from tests.factories import add_application, add_pensioner, fresh
from workers.jobs import promote_waitlist


def quota(db, code="08", phase=1) -> Quota:
    db.rollback()
    return db.scalar(select(Quota).where(Quota.association_code == code, Quota.phase == phase))


def audit(db, action):
    db.rollback()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture
def full_quota(db, programme):
    """Quota 08/1 full (2 of 2) with one application waiting."""
    add_pensioner(db, "0012345679")
    row = quota(db)
    row.used, row.waitlisted = 2, 1
    db.commit()
    return add_application(
        db, "0012345679", association_code="08", phase=1, status="waitlisted", waitlist_position=1
    )


def test_the_page_draws_used_limit_and_waitlist_as_bars(signed_in, full_quota):
    page = signed_in("tehran").get("/console/quotas").text
    assert 'aria-label="گرفته‌شده ۲ / ۲"' in page
    assert 'class="fill full" data-fill="100.0"' in page
    assert 'class="bar wait"' in page and "<form" not in page.split("<main>")[1]


def test_raising_a_quota_queues_the_promotion_and_the_waitlist_moves_up(
    signed_in, full_quota, db, redis
):
    response = post(
        signed_in("admin"), "/console/quotas/phases/1/limits",
        {"limit-08": "۳", "limit-01": "1000"}, follow_redirects=True,
    )  # fmt: skip
    assert "۱ افزایش که صف انتظارشان در حال پیشروی است" in response.text
    assert quota(db).limit == 3
    assert Queue("decisions", connection=redis).job_ids == ["promote_waitlist-08-1"]
    promote_waitlist("08", 1)
    assert fresh(db, Application, full_quota.id).status == "approved"
    (row,) = audit(db, "quota.set")
    assert row.actor == "admin" and json.loads(row.details) == {"before": 2, "after": 3}


def test_lowering_a_quota_queues_nothing(signed_in, programme, db, redis):
    post(signed_in("admin"), "/console/quotas/phases/1/limits", {"limit-01": "500"})
    assert quota(db, "01").limit == 500
    assert Queue("decisions", connection=redis).job_ids == []


@pytest.mark.parametrize(
    "limit, message",
    [
        ("1", "سهمیه نمی‌تواند کمتر از ۲ جای گرفته‌شده باشد."),
        ("many", "«سهمیه» باید یک عدد درست باشد."),
        ("", "«سهمیه» باید یک عدد درست باشد."),
        ("-3", "«سهمیه» باید یک عدد درست باشد."),
    ],
)
def test_a_bad_limit_is_refused_with_a_clear_message(signed_in, full_quota, db, limit, message):
    form = {"limit-08": limit, "limit-01": "900"}  # 01's change waits for 08's to be right
    response = post(signed_in("admin"), "/console/quotas/phases/1/limits", form,
                    follow_redirects=True)  # fmt: skip
    assert (
        response.status_code == 200 and message in response.text and "تهران (۰۸)" in response.text
    )
    assert quota(db).limit == 2 and quota(db, "01").limit == 1000
    assert audit(db, "quota.set") == []


def test_an_unknown_phase_is_a_404(signed_in, programme):
    assert post(signed_in("admin"), "/console/quotas/phases/9/limits", {}).status_code == 404


def test_each_phase_has_one_save_button_and_totals(signed_in, full_quota):
    page = signed_in("admin").get("/console/quotas").text
    assert page.count("ذخیرهٔ سهمیه‌های این مرحله") == 2  # phases 1 and 2
    assert 'data-total="1"' in page and "۲ / ۱۰۰۲" in page
    assert "خود این روز هم جزو مرحله است" in page


def test_the_last_day_is_shown_and_read_as_included(signed_in, programme, db):
    client = signed_in("admin")
    post(client, "/console/quotas/phases/3", {"opens": "1406-01-01", "closes": "1406-01-31"})
    db.rollback()
    phase = db.get(Phase, 3)
    assert phase.closes_at == datetime(2027, 4, 20, 20, 30, tzinfo=UTC)  # 1406-02-01 00:00
    assert 'name="closes" dir="ltr" size="16" maxlength="16" required value="1406-01-31"' in (
        client.get("/console/quotas").text
    )


def test_phase_dates_take_jalali_input_and_are_audited(signed_in, programme, db):
    response = post(
        signed_in("admin"), "/console/quotas/phases/3",
        {"opens": "1406-01-01", "closes": "1406-02-01T08:00"}, follow_redirects=True,
    )  # fmt: skip
    assert "تاریخ‌های مرحله ذخیره شد" in response.text
    db.rollback()
    phase = db.get(Phase, 3)
    assert phase.opens_at == datetime(2027, 3, 20, 20, 30, tzinfo=UTC)  # 00:00 Tehran
    (row,) = audit(db, "phase.set")
    assert (row.actor, row.target) == ("admin", "phase:3")


@pytest.mark.parametrize(
    "opens, closes, message",
    [
        ("2030-02-01", "2030-01-01", "پایان باید بعد از آغاز باشد."),
        ("tomorrow", "2030-01-01", "«آغاز» تاریخ درستی نیست"),
        ("1406-13-01", "1406-12-01", "«آغاز» تاریخ درستی نیست"),
        ("", "2030-01-01", "«آغاز» تاریخ درستی نیست"),
    ],
)
def test_bad_phase_dates_get_a_message(signed_in, programme, db, opens, closes, message):
    response = post(signed_in("admin"), "/console/quotas/phases/3",
                    {"opens": opens, "closes": closes}, follow_redirects=True)  # fmt: skip
    assert response.status_code == 200 and message in response.text
    db.rollback()
    assert db.get(Phase, 3) is None


def test_overlapping_phases_are_refused_as_by_the_cli(signed_in, programme, db, now):
    phase1 = db.get(Phase, 1)
    opens = phase1.opens_at.strftime("%Y-%m-%d")
    response = post(signed_in("admin"), "/console/quotas/phases/3",
                    {"opens": opens, "closes": "2099-01-01"}, follow_redirects=True)  # fmt: skip
    assert "با مرحلهٔ دیگری هم‌پوشانی دارند" in response.text
    assert audit(db, "phase.set") == []
