"""The registrations pages: search, filters, sorting, counts and totals, pages, one
application, reveal (post/redirect/get), cancel."""

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


def test_the_list_pages_newest_first(signed_in, many):
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


def test_the_next_page_keeps_the_filters_and_the_order(signed_in, many):
    page = signed_in("admin").get("/console/registrations?association=08&phase=1&sort=oldest").text
    assert re.search(r'href="[^"]*association=08[^"]*phase=1[^"]*page=2" rel="next"', page)
    assert "sort=oldest" in re.search(r'href="([^"]*)" rel="next"', page).group(1)
    assert "صفحهٔ ۱ از ۲" in page


def test_the_total_counts_every_match_not_just_the_page(signed_in, many):
    client = signed_in("admin")
    assert "۵۵ درخواست" in client.get("/console/registrations").text
    assert "۱۵ درخواست" in client.get("/console/registrations?status=waitlisted").text


@pytest.mark.parametrize(
    "sort, first",
    [("newest", -1), ("oldest", 0)],
)
def test_the_list_sorts_as_asked(signed_in, many, sort, first):
    page = signed_in("admin").get(f"/console/registrations?sort={sort}").text
    assert codes_on(page)[0] == many[first].tracking_code


@pytest.fixture
def people(db, programme):
    """Three pensioners with their applications, to search among."""
    found = {}
    for national_id, name, phone in (
        ("0012345679", "علی رضایی", "+989121111111"),
        ("0084575948", "مریم احمدی", "+989122222222"),
        ("0499370899", "حسن کریمی", "+989123333333"),
    ):
        add_pensioner(db, national_id, full_name=name, mobile=phone)
        found[name] = add_application(db, national_id, association_code="08", phase=1,
                                      status="approved", phone=phone)  # fmt: skip
    return found


def persian(text: str) -> str:
    return text.translate(FA)


@pytest.mark.parametrize(
    "query, who",
    [
        ("مریم", "مریم احمدی"),
        ("احمدی", "مریم احمدی"),
        ("0084575948", "مریم احمدی"),
        (persian("0084575948"), "مریم احمدی"),
        ("84575948", "مریم احمدی"),  # a national ID without its leading zeros
        ("09123333333", "حسن کریمی"),
        (persian("0912 333 3333"), "حسن کریمی"),
        ("+98 912 111 1111", "علی رضایی"),
    ],
)
def test_search_finds_by_name_national_id_or_phone_in_any_digit_script(
    signed_in, people, query, who
):
    page = signed_in("admin").get("/console/registrations", query_string={"q": query}).text
    assert codes_on(page) == [people[who].tracking_code]


def test_search_finds_a_tracking_code_in_persian_digits(signed_in, people):
    code = people["حسن کریمی"].tracking_code
    page = signed_in("admin").get("/console/registrations", query_string={"q": persian(code)})
    assert codes_on(page.text) == [code]


def test_a_number_that_is_nothing_searchable_says_so(signed_in, people):
    page = signed_in("admin").get("/console/registrations?q=12345").text
    assert "نه کد پیگیری است" in page


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
        ("page=-1", "صفحه نامعتبر است."),
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
    response = post(client, f"/console/registrations/{code}/reveal")
    assert response.headers["Location"] == f"/console/registrations/{code}"  # post/redirect/get
    for _ in range(2):  # a reload shows it again and is not audited again
        revealed = client.get(f"/console/registrations/{code}").text
        assert "۰۰۱۲۳۴۵۶۷۹" in revealed and "این نمایش ثبت شد" in revealed
    db.rollback()
    rows = db.scalars(select(AuditEvent).where(AuditEvent.action == "national_id_revealed"))
    assert [(row.actor, row.target) for row in rows] == [("tehran", code)]


def test_staff_see_full_names_and_operators_masked_ones(signed_in, applications):
    staff = signed_in("tehran").get("/console/registrations").text
    assert 'data-field="name">علی رضایی<' in staff
    operator = signed_in("operator").get("/console/registrations").text
    assert 'data-field="name">ع*** ر***<' in operator and "علی رضایی" not in operator


def test_history_lines_are_words_not_codes(signed_in, db, applications):
    from gateway.store.applications import add_event

    application = applications["08"]
    add_event(db, application.id, "decided", "status=approved association_code=08 phase=1")
    add_event(db, application.id, "carried_over", "phase 1 -> 2")
    db.commit()
    page = signed_in("admin").get(f"/console/registrations/{application.tracking_code}").text
    history = page[page.index('class="history"') :]
    assert "status=" not in history and "carried_over" not in history.split("title=")[0]
    assert "وضعیت:</span> <bdi>پذیرفته" in history and "تهران (۰۸)" in history
    assert "انتقال به صف مرحلهٔ بعد" in history and "۱ ← ۲" in history


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
