"""The support inbox in the console: who sees which question, replies, assignment, closing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from flows.messages import render
from gateway.programme.jobs import get_queue
from gateway.store.models import AuditEvent, Message, SupportItem
from tests.console.conftest import post
from tests.console.pensioners import register, text_in
from tests.factories import add_pensioner, opt_out
from workers.jobs import send_sms

TEHRAN_PHONE, TABRIZ_PHONE = "+989121000008", "+989121000001"


@pytest.fixture
def questions(db, users):
    """Two registered pensioners, of 08 and of 01, who then each asked a question:
    {association code: the support item}."""
    for phone, code, nid in (
        (TEHRAN_PHONE, "08", "0012345679"),
        (TABRIZ_PHONE, "01", "0084575948"),
    ):
        add_pensioner(db, nid, association_code=code)
        register(phone, nid)
        text_in(phone, f"سوال از کانون {code}")
    db.rollback()
    return {item.association_code: item for item in db.scalars(select(SupportItem))}


def shown_items(client, show: str = "waiting") -> set[str]:
    page = client.get(f"/console/support?show={show}").text
    return set(re.findall(r'data-item="(\d+)" data-association', page))


def item_of(db, item_id: int) -> SupportItem:
    db.rollback()
    db.expire_all()
    return db.get(SupportItem, item_id)


def audited(db, action: str) -> list[AuditEvent]:
    db.rollback()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def replies(db) -> list[Message]:
    db.rollback()
    return list(db.scalars(select(Message).where(Message.kind == "support_reply")))


def test_association_staff_see_their_own_pensioners_questions_only(signed_in, questions):
    tehran, tabriz = questions["08"], questions["01"]
    staff = signed_in("tehran")
    assert shown_items(staff) == {str(tehran.id)}
    assert staff.get(f"/console/support/{tabriz.id}").status_code == 404
    assert post(staff, f"/console/support/{tabriz.id}/reply", {"text": "x"}).status_code == 404
    assert staff.get(f"/console/support/{tehran.id}").status_code == 200


@pytest.mark.parametrize("username", ["operator", "admin", "office"])
def test_operators_admins_and_head_office_see_every_question(signed_in, questions, username):
    assert shown_items(signed_in(username)) == {str(item.id) for item in questions.values()}


def test_the_list_shows_the_latest_question_with_its_numbers_masked_for_operators(
    signed_in, questions
):
    text_in(TEHRAN_PHONE, "مستمری من 1234567 نیامده")  # 7 digits: a question, not an ID
    page = signed_in("operator").get("/console/support").text
    assert "سوال از کانون 01" in page and "مستمری من" in page
    assert "1234567" not in page and "سوال از کانون 08" not in page  # the latest only


def test_the_question_page_shows_the_transcript_and_the_view_is_audited(signed_in, questions, db):
    item = questions["08"]
    page = signed_in("tehran").get(f"/console/support/{item.id}").text
    assert "سوال از کانون 08" in page  # staff read the question whole
    assert page.count("data-message-id=") == 10  # the dialog, its replies, the question, ack
    assert "+989121000008" not in page  # the phone stays masked
    assert [e.target for e in audited(db, "support.view")] == [str(item.id)]


def test_operators_read_the_words_with_the_numbers_masked(signed_in, questions, db):
    text_in(TEHRAN_PHONE, "کد ملی من 0012345679 است")
    page = signed_in("operator").get(f"/console/support/{questions['08'].id}").text
    assert "کد ملی من" in page and "0012345679" not in page


def test_a_reply_is_queued_as_a_direct_sms_and_closes_the_question(signed_in, questions, db, redis):
    item = questions["08"]
    staff = signed_in("tehran")
    response = post(staff, f"/console/support/{item.id}/reply", {"text": "پاسخ شما: هفته بعد"})
    assert response.status_code == 302
    [reply] = replies(db)
    assert (reply.phone, reply.text, reply.status) == (TEHRAN_PHONE, "پاسخ شما: هفته بعد", "queued")
    assert f"send_sms-{reply.id}" in get_queue("sms", redis).job_ids
    assert item_of(db, item.id).status == "answered"
    [event] = audited(db, "support.reply")
    assert (event.actor, event.target) == ("tehran", str(item.id))


def test_a_second_submit_of_the_same_reply_sends_nothing(signed_in, questions, db):
    item, staff = questions["08"], signed_in("tehran")
    post(staff, f"/console/support/{item.id}/reply", {"text": "پاسخ"})
    again = post(staff, f"/console/support/{item.id}/reply", {"text": "پاسخ"})
    assert again.status_code == 409 and "پیش‌تر پاسخ گرفته" in again.text
    assert len(replies(db)) == 1


def test_a_message_that_came_after_the_page_opened_stops_the_reply_and_keeps_the_draft(
    signed_in, questions, db
):
    item, staff = questions["08"], signed_in("tehran")
    seen = str(item.last_message_id)
    text_in(TEHRAN_PHONE, "یک سوال دیگر هم دارم")
    path = f"/console/support/{item.id}/reply"
    page = post(staff, path, {"text": "پاسخ من", "seen": seen})
    assert page.status_code == 409 and "پیام تازه‌ای" in page.text
    assert ">پاسخ من</textarea>" in page.text and "یک سوال دیگر هم دارم" in page.text
    assert replies(db) == [] and item_of(db, item.id).status == "open"
    latest = str(item_of(db, item.id).last_message_id)
    assert post(staff, path, {"text": "پاسخ من", "seen": latest}).status_code == 302
    assert [r.text for r in replies(db)] == ["پاسخ من"]


def test_a_canned_reply_goes_in_the_pensioners_language(signed_in, questions, db):
    text_in(TABRIZ_PHONE, "EN")
    item = questions["01"]
    post(signed_in("tabriz"), f"/console/support/{item.id}/reply", {"canned": "canned_send_status"})
    [reply] = replies(db)
    assert reply.text == render("canned_send_status", "en")


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"text": "   "}, "متن پاسخ خالی است."),
        ({"text": "", "canned": "no_such_key"}, "متن پاسخ خالی است."),
        ({"text": "ا" * 700}, "بیش از ۶۷۰ نویسه"),
    ],
)
def test_a_bad_reply_is_refused_with_a_message_and_stores_nothing(
    signed_in, questions, db, form, message
):
    item = questions["08"]
    page = post(signed_in("tehran"), f"/console/support/{item.id}/reply", form)
    assert page.status_code == 409 and message in page.text
    assert replies(db) == [] and item_of(db, item.id).status == "open"


def test_a_reply_reaches_a_phone_that_sent_stop(signed_in, questions, db):
    item = questions["08"]
    text_in(TEHRAN_PHONE, "STOP")
    post(signed_in("tehran"), f"/console/support/{item.id}/reply", {"text": "پاسخ مستقیم"})
    [reply] = replies(db)
    send_sms(reply.id)
    db.rollback()
    assert db.get(Message, reply.id, populate_existing=True).status == "sent"


def test_other_messages_to_a_phone_that_sent_stop_are_still_suppressed(db, questions):
    from tests.factories import add_queued_message

    opt_out(db, "+989120000000")
    message = add_queued_message(db, phone="+989120000000")
    send_sms(message.id)
    db.rollback()
    assert db.get(Message, message.id, populate_existing=True).status == "suppressed"


def test_assign_to_me_then_the_mine_filter_shows_it(signed_in, questions, db):
    item, staff = questions["08"], signed_in("tehran")
    assert shown_items(staff, "mine") == set()
    post(staff, f"/console/support/{item.id}/assign", {"user": "me"})
    assert item_of(db, item.id).status == "assigned"
    assert shown_items(staff, "mine") == {str(item.id)}
    assert shown_items(staff, "open") == set()
    assert shown_items(staff, "assigned") == {str(item.id)}
    assert [e.actor for e in audited(db, "support.assign")] == ["tehran"]


def test_a_question_cannot_go_to_a_user_of_another_association(signed_in, questions, db, users):
    from gateway.store.users import find_user

    tabriz = find_user(db, "tabriz")
    item = questions["08"]
    page = post(
        signed_in("admin"), f"/console/support/{item.id}/assign", {"user": str(tabriz.id)},
        follow_redirects=True,
    )  # fmt: skip
    assert "نمی‌تواند این پرسش را ببیند" in page.text
    assert item_of(db, item.id).assigned_to_id is None
    office = find_user(db, "office")
    post(signed_in("admin"), f"/console/support/{item.id}/assign", {"user": str(office.id)})
    assert item_of(db, item.id).assigned_to_id == office.id


def test_close_without_an_sms_is_audited_and_moves_it_to_answered(signed_in, questions, db):
    item, staff = questions["08"], signed_in("tehran")
    post(staff, f"/console/support/{item.id}/answered")
    assert item_of(db, item.id).status == "answered" and replies(db) == []
    assert shown_items(staff) == set() and shown_items(staff, "answered") == {str(item.id)}
    assert len(audited(db, "support.answered")) == 1


@pytest.mark.parametrize("path", ["abc", "0", "99999999999", "1.5"])
def test_a_bad_question_id_is_a_404(signed_in, questions, path):
    assert signed_in("admin").get(f"/console/support/{path}").status_code == 404


def test_the_monitor_counts_unanswered_questions_and_the_oldest_wait(signed_in, questions, db):
    from datetime import timedelta

    item = questions["08"]
    item.created_at -= timedelta(minutes=90)
    db.commit()
    operator = signed_in("operator")
    assert operator.get("/console/api/monitor").json["support"]["open"] == 2
    assert operator.get("/console/api/monitor").json["support"]["oldest_minutes"] >= 90
    post(signed_in("tehran"), f"/console/support/{item.id}/answered")
    support = operator.get("/console/api/monitor").json["support"]
    assert support["open"] == 1 and support["oldest_minutes"] < 90


def test_control_characters_in_a_reply_are_dropped_not_stored(signed_in, questions, db):
    item = questions["08"]
    post(signed_in("tehran"), f"/console/support/{item.id}/reply", {"text": "پاسخ\x00 کامل\x07"})
    [reply] = replies(db)
    assert reply.text == "پاسخ کامل"


@pytest.mark.parametrize("show", ["%00", "x" * 500, "answered%00"])
def test_an_odd_filter_shows_the_unanswered_questions(signed_in, questions, show):
    assert shown_items(signed_in("admin"), show) == {str(i.id) for i in questions.values()}


def test_a_question_with_no_association_is_for_unscoped_users_only(signed_in, questions, db):
    register("+989121000099", "0000534722")  # not in the registry: no association
    text_in("+989121000099", "چرا جواب نمی‌دهید؟")
    db.rollback()
    lost = db.scalar(select(SupportItem).where(SupportItem.phone == "+989121000099"))
    assert lost.association_code is None
    assert str(lost.id) in shown_items(signed_in("office"))
    assert str(lost.id) not in shown_items(signed_in("tehran"))
    assert signed_in("tehran").get(f"/console/support/{lost.id}").status_code == 404
