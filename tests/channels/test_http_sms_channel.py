"""Kannel-style HTTP SMS adapter table: tokens, GET and POST, encodings, ids and retries."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from flows.messages import render
from gateway.store.models import Application, Message
from tests.factories import add_queued_message

TOKEN = "kannel-secret"
WELCOME = render("welcome_ask_national_id", "fa")
PATH = "/webhooks/http/sms"


@pytest.fixture
def settings_overrides():
    return {"HTTP_SMS_TOKEN": TOKEN}


def count(db, *where):
    db.rollback()
    return db.scalar(select(func.count()).select_from(Message).where(*where))


@pytest.mark.parametrize(
    ("label", "query", "status", "body"),
    [
        ("valid GET", f"token={TOKEN}&from=09121234567&to=7070&text=%D9%88%D8%A7%D9%85&id=k1",
         200, WELCOME),
        ("E.164 sender with + as %2B", f"token={TOKEN}&from=%2B989121234567&text=LOAN&id=k2",
         200, WELCOME),
        ("wrong token", "token=nope&from=09121234567&text=LOAN&id=k3", 403, None),
        ("missing token", "from=09121234567&text=LOAN&id=k4", 403, None),
        ("missing sender", f"token={TOKEN}&text=LOAN&id=k5", 400, "missing sender"),
        ("missing text", f"token={TOKEN}&from=09121234567&id=k6", 200, WELCOME),
        ("landline sender", f"token={TOKEN}&from=02112345678&text=LOAN&id=k7", 200, ""),
        ("+ for space in the text",
         f"token={TOKEN}&from=09121234567&text=%D8%AB%D8%A8%D8%AA+%D9%86%D8%A7%D9%85&id=k8",
         200, WELCOME),
    ],
)  # fmt: skip
def test_get_table(client, label, query, status, body):
    response = client.get(f"{PATH}?{query}")
    assert response.status_code == status, label
    if body is not None:
        assert response.get_data(as_text=True) == body, label
    if status == 200:
        assert response.content_type == "text/plain; charset=utf-8"


def test_post_form_works_like_get(client):
    form = {"token": TOKEN, "from": "09121234567", "to": "7070", "text": "وام", "id": "p1"}
    response = client.post(PATH, data=form)
    assert response.status_code == 200
    assert response.get_data(as_text=True) == WELCOME


def test_persian_digits_in_the_text_are_read(client):
    client.get(PATH, query_string={"token": TOKEN, "from": "09121234567", "text": "وام", "id": "a"})
    response = client.get(
        PATH,
        query_string={"token": TOKEN, "from": "09121234567", "text": "۰۰۰۰۵۳۴۷۲۲", "id": "b"},
    )
    assert response.get_data(as_text=True) == render("ask_pension_number", "fa")


def test_a_retried_id_acts_once_and_gets_the_same_body(client, db):
    query = {"token": TOKEN, "from": "09121234567", "text": "0000534722 728762975", "id": "r1"}
    client.get(PATH, query_string=query)
    confirm = {**query, "text": "1", "id": "r2"}
    first = client.get(PATH, query_string=confirm).get_data(as_text=True)
    second = client.get(PATH, query_string=confirm).get_data(as_text=True)
    assert first == second and "کد پیگیری" in first
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Application)) == 1
    assert count(db, Message.direction == "in") == 2


def test_no_id_same_phone_and_text_within_seconds_is_one_message(client, db):
    query = {"token": TOKEN, "from": "09121234567", "text": "0000534722"}
    first = client.get(PATH, query_string=query).get_data(as_text=True)
    second = client.get(PATH, query_string=query).get_data(as_text=True)
    assert first == second == render("ask_pension_number", "fa")
    assert count(db, Message.direction == "in") == 1


def test_no_id_after_the_dedupe_window_is_a_new_message(client, db, redis):
    query = {"token": TOKEN, "from": "09121234567", "text": "help"}
    client.get(PATH, query_string=query)
    for key in redis.scan_iter("smsgw:http-dedupe:*"):
        redis.delete(key)  # as if the window had passed
    client.get(PATH, query_string=query)
    assert count(db, Message.direction == "in") == 2


class TestOtherFieldNames:
    @pytest.fixture
    def settings_overrides(self):
        return {
            "HTTP_SMS_TOKEN": TOKEN,
            "HTTP_SMS_FIELDS": ("from=sender", "text=message", "token=key"),
        }

    def test_an_aggregator_with_its_own_field_names_needs_no_code(self, client):
        response = client.post(PATH, data={"key": TOKEN, "sender": "09121234567", "message": "وام"})
        assert response.status_code == 200
        assert response.get_data(as_text=True) == WELCOME

    def test_the_default_names_are_then_not_read(self, client):
        response = client.post(PATH, data={"token": TOKEN, "from": "09121234567", "text": "وام"})
        assert response.status_code == 403


def test_dlr_needs_the_token(client):
    assert client.get("/webhooks/http/dlr?id=1&status=delivered").status_code == 403


def test_dlr_without_id_is_a_400(client):
    assert client.get(f"/webhooks/http/dlr?token={TOKEN}&status=1").status_code == 400


def test_dlr_for_an_unknown_message_answers_200_so_kannel_does_not_fetch_it_again(client):
    response = client.get(f"/webhooks/http/dlr?token={TOKEN}&id=999999&status=1")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "OK")


def test_dlr_for_our_message_answers_200_and_marks_it_delivered(client, db):
    message = add_queued_message(db)
    db.execute(
        update(Message)
        .where(Message.id == message.id)
        .values(status="sent", channel="http", provider_id=str(message.id))
    )
    db.commit()
    report = {"token": TOKEN, "id": message.id, "status": "1"}
    response = client.post("/webhooks/http/dlr", data=report)
    assert (response.status_code, response.get_data(as_text=True)) == (200, "OK")
    db.rollback()
    assert db.get(Message, message.id, populate_existing=True).status == "delivered"


@pytest.mark.parametrize(
    ("label", "sender", "texts", "coding"),
    [
        ("Persian reply is UCS-2", "09121234567", ["وام"], "2"),
        ("English reply is GSM-7", "09121234567", ["EN"], "0"),
        ("English help is GSM-7", "09121234567", ["EN", "HELP"], "0"),
        ("Persian after FA again", "09121234567", ["EN", "FA"], "2"),
        ("no reply, no header", "02112345678", ["وام"], None),
    ],
)  # fmt: skip
def test_every_reply_names_its_coding_for_kannel(client, label, sender, texts, coding):
    for n, text in enumerate(texts):
        query = {"token": TOKEN, "from": sender, "text": text, "id": f"{label}-{n}"}
        response = client.get(PATH, query_string=query)
    assert response.headers.get("X-Kannel-Coding") == coding, label
    assert bool(response.get_data()) == (coding is not None), label


class TestCodingHeaderSetting:
    @pytest.fixture
    def settings_overrides(self, header):
        return {"HTTP_SMS_TOKEN": TOKEN, "HTTP_SMS_CODING_HEADER": header}

    @pytest.mark.parametrize("header", ["X-Sms-Coding"])
    def test_another_aggregator_reads_the_coding_under_its_own_header(self, client, header):
        query = {"token": TOKEN, "from": "09121234567", "text": "وام", "id": "h1"}
        response = client.get(PATH, query_string=query)
        assert response.headers.get(header) == "2"
        assert "X-Kannel-Coding" not in response.headers

    @pytest.mark.parametrize("header", [""])
    def test_an_empty_setting_sends_no_coding_header(self, client, header):
        query = {"token": TOKEN, "from": "09121234567", "text": "وام", "id": "h2"}
        response = client.get(PATH, query_string=query)
        assert response.get_data(as_text=True) == WELCOME
        assert not [name for name, _ in response.headers if "coding" in name.lower()]
