"""The conversation view: found by any phone format, national ID or tracking code; resend."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from gateway.platform.masking import mask_digits
from gateway.programme.jobs import get_queue
from gateway.store.models import Application, AuditEvent, Message
from tests.console.conftest import csrf_of
from tests.console.pensioners import add_registry, decide_all, register, send_all

PHONE = "+989121000001"


@pytest.fixture
def registered(db):
    """A pensioner who registered by SMS and got the result (sent) - their national ID."""
    nid = add_registry(db, 1)[0]
    register(PHONE, nid)
    send_all(decide_all(db))
    return nid


def search(client, query: str, by: str = "auto"):
    """Post the search form, as the page does (national IDs stay out of URLs)."""
    csrf = csrf_of(client.get("/console/conversations").text)
    data = {"q": query, "by": by, "csrf_token": csrf}
    return client.post("/console/conversations", data=data, follow_redirects=True)


def rows(page: str) -> int:
    return page.count("data-message-id=")


@pytest.mark.parametrize(
    "query",
    ["09121000001", "+98 912 100 0001", "۰۹۱۲۱۰۰۰۰۰۱", "00989121000001", "0912-100-0001"],
)
def test_a_phone_in_any_format_finds_the_whole_transcript(signed_in, registered, query):
    response = search(signed_in("operator"), query)
    assert response.status_code == 200
    assert rows(response.text) == 9  # 4 messages, 4 replies, the result SMS


def test_a_national_id_finds_the_application_and_its_history(signed_in, registered, db):
    page = search(signed_in("admin"), registered).text
    code = db.scalar(select(Application.tracking_code))
    assert f'data-tracking-code="{code}"' in page
    assert 'data-code="decided">تصمیم<' in page and "پذیرفته" in page  # the decision's history
    assert 'data-code="sent">ارسال شد<' in page  # the result SMS's MessageEvent history
    assert rows(page) == 9
    assert "/console/conversations?q" not in page and "q=" not in page  # never in a URL


def test_a_tracking_code_finds_the_conversation_and_the_lookup_is_audited(
    signed_in, registered, db
):
    code = db.scalar(select(Application.tracking_code))
    page = search(signed_in("operator"), code).text
    assert rows(page) == 9
    db.rollback()
    audit = db.scalar(select(AuditEvent).where(AuditEvent.action == "conversation.view"))
    assert (audit.actor, audit.target, json.loads(audit.details)) == (
        "operator", "tracking_code", {"phones": 1},
    )  # fmt: skip
    assert code not in audit.details


def test_operators_see_national_ids_and_phones_masked(signed_in, registered):
    page = search(signed_in("operator"), registered).text
    assert registered not in page and "9121000001" not in page
    assert mask_digits(registered).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) in page
    admin = search(signed_in("admin"), registered).text
    assert registered in admin  # typed by the pensioner, shown in the transcript


@pytest.mark.parametrize("query", ["hello", "12", "0000000000", "+98 912"])
def test_a_query_that_is_nothing_known_gets_a_short_message(signed_in, query):
    response = search(signed_in("operator"), query)
    assert response.status_code == 400
    assert "نه تلفن است" in response.text


def test_a_message_id_from_the_log_opens_its_conversation(signed_in, registered, db):
    message_id = db.scalar(select(func.min(Message.id)))
    page = signed_in("operator").get(f"/console/conversations?message={message_id}").text
    assert rows(page) == 9


def resend(client, application_id) -> object:
    page = search(client, PHONE).text
    anchor = re.search(r'name="message_id" value="(\d+)"', page).group(1)
    form = {
        "application_id": str(application_id),
        "message_id": anchor,
        "csrf_token": csrf_of(page),
    }
    return client.post("/console/conversations/resend", data=form)


def test_resend_stores_one_new_message_and_queues_one_job(signed_in, registered, db, redis):
    application = db.scalar(select(Application))
    before = db.scalars(select(Message).where(Message.kind == "result")).all()
    get_queue("sms", redis).empty()
    response = resend(signed_in("operator"), application.id)
    assert response.status_code == 302
    db.rollback()
    results = db.scalars(select(Message).where(Message.kind == "result").order_by(Message.id)).all()
    assert len(results) == len(before) + 1 == 2
    new = results[-1]
    assert (new.text, new.status, new.direction, new.phone) == (
        before[0].text, "queued", "out", PHONE,
    )  # fmt: skip
    assert get_queue("sms", redis).job_ids == [f"send_sms-{new.id}"]
    audit = db.scalar(select(AuditEvent).where(AuditEvent.action == "message.resend"))
    assert audit.actor == "operator" and json.loads(audit.details)["copied_from"] == before[0].id


def test_resend_without_a_result_sms_stores_nothing(signed_in, db, redis):
    nid = add_registry(db, 1)[0]
    register(PHONE, nid)  # pending: no result yet
    application = db.scalar(select(Application))
    response = resend(signed_in("operator"), application.id)
    assert response.status_code == 302
    db.rollback()
    assert db.scalar(select(func.count()).where(Message.kind == "result")) == 0
    page = signed_in("operator").get(response.headers["Location"]).text
    assert "transcript" in page


def test_resend_needs_the_csrf_token(signed_in, registered, db):
    application = db.scalar(select(Application))
    response = signed_in("admin").post(
        "/console/conversations/resend", data={"application_id": str(application.id)}
    )
    assert response.status_code == 400
    assert db.scalar(select(func.count()).where(Message.kind == "result")) == 1


def test_a_search_is_post_redirect_get_and_a_reload_is_not_audited_again(signed_in, registered, db):
    client = signed_in("operator")
    csrf = csrf_of(client.get("/console/conversations").text)
    posted = client.post("/console/conversations", data={"q": registered, "csrf_token": csrf})
    assert posted.status_code == 302
    location = posted.headers["Location"]
    assert location.startswith("/console/conversations?s=") and registered not in location
    for _ in range(2):
        page = client.get(location).text
        assert rows(page) == 9
    db.rollback()
    assert db.scalar(select(func.count()).where(AuditEvent.action == "conversation.view")) == 1


def test_the_search_box_starts_empty_so_a_masked_value_is_never_searched_again(
    signed_in, registered
):
    page = search(signed_in("operator"), registered).text
    assert 'name="q" type="search" dir="ltr" autocomplete="off" required maxlength="40">' in page
    assert "کد ملی: <" not in page and "۰۰******" in page.split('class="summary"')[1][:200]


def test_the_transcript_is_a_chat_and_resend_asks_first(signed_in, registered):
    page = search(signed_in("operator"), registered).text
    assert page.count('<li class="in"') == 4 and page.count('<li class="out"') == 5
    assert 'data-confirm="آخرین پیامک نتیجه دوباره' in page


def test_another_sessions_search_key_shows_nothing(signed_in, registered):
    client = signed_in("operator")
    search(client, registered)
    other = signed_in("admin").get("/console/conversations?s=whatever").text
    assert rows(other) == 0
