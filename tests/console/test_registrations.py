"""The registrations pages: filters, counts, keyset pages, one application, reveal, cancel."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from gateway.store.models import Application, AuditEvent, Quota
from tests.console.conftest import post
from tests.factories import add_application, add_pensioner, fresh

FA = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def codes_on(page: str) -> list[str]:
    return re.findall(r'href="/console/registrations/(\d{8})"', page)


@pytest.fixture
def many(db, programme):
    """55 applications of association 08: 40 approved, 15 waitlisted."""
    add_pensioner(db, "0012345679")
    return [
        add_application(db, f"00000{i:05d}", association_code="08", phase=1,
                        status="approved" if i < 40 else "waitlisted")
        for i in range(55)
    ]  # fmt: skip


def test_the_list_pages_by_id_newest_first(signed_in, many):
    client = signed_in("admin")
    first = client.get("/console/registrations")
    codes = codes_on(first.text)
    assert codes == [a.tracking_code for a in reversed(many)][:50]
    next_url = re.search(r'href="([^"]+)" rel="next"', first.text).group(1).replace("&amp;", "&")
    second = codes_on(client.get(next_url).text)
    assert second == [a.tracking_code for a in reversed(many)][50:]


def test_filters_narrow_the_list_and_counts_show_every_status(signed_in, many):
    page = signed_in("admin").get("/console/registrations?status=waitlisted").text
    assert len(codes_on(page)) == 15
    assert 'data-status="approved">پذیرفته: <b>۴۰</b>' in page
    assert 'data-status="waitlisted">در صف انتظار: <b>۱۵</b>' in page


def test_the_next_page_keeps_the_filters(signed_in, many):
    page = signed_in("admin").get("/console/registrations?association=08&phase=1").text
    assert re.search(r'href="[^"]*association=08[^"]*phase=1[^"]*before=\d+" rel="next"', page)


def test_date_filters_take_jalali_and_gregorian_days(signed_in, db, programme):
    add_application(db, "0012345679", created_at=datetime(2026, 11, 20, 10, tzinfo=UTC))
    add_application(db, "0084575948", created_at=datetime(2026, 11, 25, 10, tzinfo=UTC))
    client = signed_in("admin")
    jalali = client.get("/console/registrations?since=1405-08-29&until=1405-08-29").text
    gregorian = client.get("/console/registrations?since=2026-11-25").text
    assert len(codes_on(jalali)) == 1 and len(codes_on(gregorian)) == 1
    assert codes_on(jalali) != codes_on(gregorian)


@pytest.mark.parametrize(
    "query, message",
    [
        ("phase=abc", "«مرحله» باید یک عدد درست باشد."),
        ("since=yesterday", "«از تاریخ» تاریخ درستی نیست"),
        ("status=gone", "«وضعیت» مقدار درستی ندارد."),
        ("before=-1", "صفحه نامعتبر است."),
    ],
)
def test_bad_filters_get_a_short_message_not_an_error(signed_in, many, query, message):
    response = signed_in("admin").get(f"/console/registrations?{query}")
    assert response.status_code == 200 and message in response.text


def test_dates_are_jalali_with_the_iso_value_on_hover(signed_in, db, programme):
    add_application(db, "0012345679", created_at=datetime(2026, 11, 25, 5, 0, tzinfo=UTC))
    page = signed_in("admin").get("/console/registrations").text
    assert '<time datetime="2026-11-25T05:00:00Z" title="2026-11-25T05:00:00Z">' in page
    assert "۱۴۰۵/۰۹/۰۴ ۰۸:۳۰</time>" in page


def test_staff_reveal_the_national_id_and_an_audit_row_is_written(signed_in, applications, db):
    code = applications["08"].tracking_code
    client = signed_in("tehran")
    assert "۰۰۱۲۳۴۵۶۷۹" not in client.get(f"/console/registrations/{code}").text
    revealed = post(client, f"/console/registrations/{code}/reveal").text
    assert "۰۰۱۲۳۴۵۶۷۹" in revealed and "این نمایش ثبت شد" in revealed
    db.rollback()
    row = db.scalar(select(AuditEvent).where(AuditEvent.action == "national_id_revealed"))
    assert (row.actor, row.target) == ("tehran", code)


def test_an_unknown_tracking_code_is_a_404_page(signed_in, programme):
    response = signed_in("admin").get("/console/registrations/99999999")
    assert response.status_code == 404 and "پیدا نشد" in response.text


def test_admin_cancel_frees_the_place_for_the_head_of_the_waitlist(signed_in, db, programme):
    add_pensioner(db, "0012345679")
    approved = add_application(db, "0012345679", association_code="08", phase=1, status="approved")
    waiting = add_application(
        db, "0084575948", association_code="08", phase=1, status="waitlisted", waitlist_position=1
    )
    quota = db.scalar(select(Quota).where(Quota.association_code == "08", Quota.phase == 1))
    quota.used, quota.limit, quota.waitlisted = 1, 1, 1
    db.commit()
    client = signed_in("admin")
    response = post(
        client, f"/console/registrations/{approved.tracking_code}/cancel",
        {"reason": "duplicate"}, follow_redirects=True,
    )  # fmt: skip
    assert "درخواست لغو شد" in response.text
    assert fresh(db, Application, approved.id).status == "cancelled"
    assert fresh(db, Application, waiting.id).status == "approved"
    row = db.scalar(select(AuditEvent).where(AuditEvent.action == "application_cancelled"))
    assert row.actor == "admin" and json.loads(row.details)["reason"] == "duplicate"


@pytest.mark.parametrize("reason, message", [("", "دلیل لغو را بنویسید"), ("no", "دلیل لغو")])
def test_cancel_needs_a_reason(signed_in, applications, db, reason, message):
    application = applications["08"]
    response = post(
        signed_in("admin"), f"/console/registrations/{application.tracking_code}/cancel",
        {"reason": reason}, follow_redirects=True,
    )  # fmt: skip
    assert message in response.text
    assert fresh(db, Application, application.id).status == "approved"


def test_cancelling_twice_says_it_cannot(signed_in, applications):
    client, code = signed_in("admin"), applications["08"].tracking_code
    post(client, f"/console/registrations/{code}/cancel", {"reason": "duplicate"})
    again = post(
        client, f"/console/registrations/{code}/cancel", {"reason": "again"}, follow_redirects=True
    )
    assert "این درخواست قابل لغو نیست" in again.text
