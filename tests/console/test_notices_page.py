"""Broadcast notices from the console: the count first, then a confirmation; admins, and
association staff for their own association only."""

from __future__ import annotations

import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import select

from gateway.store.models import AuditEvent, Message, Notice
from tests.console.conftest import post
from tests.factories import add_application, add_pensioner

TEXT = "جلسه توجیهی وام شنبه ساعت ۱۰ در کانون."


@pytest.fixture
def applicants(db, programme):
    """Approved: two phones in 08 (one of them twice), one in 01."""
    for national_id, phone, code in (
        ("0000000001", "+989121111111", "08"), ("0000000002", "+989121111111", "08"),
        ("0000000003", "+989122222222", "08"), ("0000000004", "+989123333333", "01"),
    ):  # fmt: skip
        add_pensioner(db, national_id, association_code=code)
        add_application(db, national_id, phone=phone, association_code=code, phase=1,
                        status="approved")  # fmt: skip


def run_notice_jobs(redis) -> None:
    """What `smsgw worker --queues exports --burst` does, in this process."""
    SimpleWorker([Queue("exports", connection=redis)], connection=redis).work(burst=True)


def notice_phones(db) -> list[str]:
    db.rollback()
    stmt = select(Message.phone).where(Message.kind == "notice").order_by(Message.phone)
    return list(db.scalars(stmt))


@pytest.mark.parametrize(("username", "status"), [
    ("admin", 200), ("tehran", 200), ("office", 403), ("operator", 403),
])  # fmt: skip
def test_admins_and_association_staff_open_the_notices_page(signed_in, username, status):
    assert signed_in(username).get("/console/notices").status_code == status


def test_the_count_comes_first_and_nothing_is_sent_before_the_confirmation(
    signed_in, applicants, db, redis
):
    client = signed_in("admin")
    form = {"status": "approved", "association": "", "phase": "", "text": TEXT}
    preview = post(client, "/console/notices/preview", form)
    assert preview.status_code == 200
    assert 'data-audience="3"' in preview.text and "به ۳ شماره می‌رسد" in preview.text
    assert notice_phones(db) == [] and db.scalars(select(Notice)).all() == []
    sent = post(client, "/console/notices", form, follow_redirects=True)
    assert "ارسال پیامک همگانی در نوبت است" in sent.text
    assert Queue("exports", connection=redis).job_ids == ["send_notice-1"]
    run_notice_jobs(redis)
    assert notice_phones(db) == ["+989121111111", "+989122222222", "+989123333333"]
    (event,) = db.scalars(select(AuditEvent).where(AuditEvent.action == "notice.sent"))
    assert event.actor == "admin" and TEXT in event.details
    page = client.get("/console/notices").text
    assert 'data-notice="1"' in page and 'data-code="queued">در صف ارسال</span>: ۳' in page


def test_association_staff_reach_only_their_association_whatever_they_send(
    signed_in, applicants, db, redis
):
    client = signed_in("tehran")
    form = {"status": "approved", "association": "01", "text": TEXT}
    assert 'data-audience="2"' in post(client, "/console/notices/preview", form).text
    post(client, "/console/notices", form)
    run_notice_jobs(redis)
    assert notice_phones(db) == ["+989121111111", "+989122222222"]
    assert db.scalar(select(Notice.association_code)) == "08"
    assert 'data-notice="1"' not in signed_in("tabriz").get("/console/notices").text


def test_confirming_twice_reaches_no_one_twice(signed_in, applicants, db, redis):
    client = signed_in("admin")
    form = {"status": "approved", "association": "08", "text": TEXT}
    post(client, "/console/notices", form)
    run_notice_jobs(redis)
    post(client, "/console/notices", form)
    run_notice_jobs(redis)
    assert notice_phones(db) == ["+989121111111", "+989122222222"]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"status": "approved", "text": "  "}, "متن پیامک خالی است"),
        ({"status": "approved", "text": "ب" * 200}, "متن بیش از دو پیامک است"),
        ({"status": "approved", "text": "سلام\x00"}, "نویسه‌ای نادیدنی"),
        ({"status": "", "text": TEXT}, "وضعیت"),
        ({"status": "nonsense", "text": TEXT}, "وضعیت"),
        ({"status": "approved", "phase": "x", "text": TEXT}, "مرحله"),
    ],
)
def test_a_bad_form_is_a_short_message_and_sends_nothing(signed_in, applicants, db, form, message):
    client = signed_in("admin")
    for path in ("/console/notices/preview", "/console/notices"):
        response = post(client, path, form)
        assert response.status_code == 400 and message in response.text
    assert db.scalars(select(Notice)).all() == []


def test_filters_that_match_nobody_say_so(signed_in, applicants):
    form = {"status": "paid", "text": TEXT}
    response = post(signed_in("admin"), "/console/notices/preview", form)
    assert (
        "هیچ شماره‌ای با این فیلترها نیست" in response.text and "data-audience" not in response.text
    )
