"""How a dialog turn is stored: a step with no effect is one statement that commits by
itself; a step with effects is one transaction with them; a message whose first try
failed is answered, once, when the carrier delivers it again."""

from __future__ import annotations

import os
import re

import psycopg
import pytest
from sqlalchemy import func, select

from flows.messages import render
from gateway.store import messages
from gateway.store.models import Application, Message

TOKEN = "kannel-secret"
PATH = "/webhooks/http/sms"
PHONE = "09121234567"
NATIONAL_ID, PENSION = "0000534722", "728762975"
DIALOG = ("وام", NATIONAL_ID, PENSION, "1")
needs_postgresql = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL only (TEST_DATABASE_URL unset)"
)


@pytest.fixture
def settings_overrides():
    return {"HTTP_SMS_TOKEN": TOKEN}


def send(client, text: str, message_id: str):
    query = {"token": TOKEN, "from": PHONE, "text": text, "id": message_id}
    return client.get(PATH, query_string=query)


def stored(db, message_id: str) -> tuple[Message, list[Message]]:
    """The inbound message with this carrier id, and the replies stored for it."""
    db.rollback()
    inbound = db.scalars(select(Message).where(Message.external_id == message_id)).one()
    replies = db.scalars(select(Message).where(Message.reply_to_id == inbound.id)).all()
    return inbound, replies


# The dialog's messages before the one whose first try fails; that message; its answer
# (a pattern); its state; the applications there are once it is answered.
RETRIED = [
    (DIALOG[:1], NATIONAL_ID, re.escape(render("ask_pension_number", "fa")), "ask_pension_number",
     0),
    (DIALOG[:3], "1", "کد پیگیری", "start", 1),
]  # fmt: skip


@pytest.mark.parametrize(("before", "text", "answer", "state", "applications"), RETRIED)
def test_a_message_whose_first_try_failed_is_answered_once_when_delivered_again(
    client, db, monkeypatch, before, text, answer, state, applications
):
    for number, earlier in enumerate(before):
        assert send(client, earlier, f"m{number}").status_code == 200
    real_insert = messages.insert_turn

    def insert_that_fails(session, inbound, reply):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(messages, "insert_turn", insert_that_fails)
    assert send(client, text, "retried").status_code == 500  # the carrier delivers it again
    inbound, replies = stored(db, "retried")
    assert (inbound.status, replies) == ("received", [])

    monkeypatch.setattr(messages, "insert_turn", real_insert)
    again = send(client, text, "retried")
    assert again.status_code == 200 and re.search(answer, again.get_data(as_text=True))
    inbound, replies = stored(db, "retried")
    assert (inbound.status, inbound.state) == ("handled", state)
    assert [reply.text for reply in replies] == [again.get_data(as_text=True)]
    assert db.scalar(select(func.count()).select_from(Application)) == applications

    third = send(client, text, "retried")  # a redelivery now gets the same answer, nothing new
    assert third.get_data(as_text=True) == again.get_data(as_text=True)
    assert len(stored(db, "retried")[1]) == 1
    assert db.scalar(select(func.count()).select_from(Application)) == applications


@needs_postgresql
def test_a_step_without_effects_is_one_statement_and_one_with_effects_one_transaction(
    client, db, monkeypatch
):
    """Every statement the driver runs, and whether its connection was in autocommit."""
    ran: list[tuple[str, bool]] = []
    execute = psycopg.Cursor.execute

    def noted(cursor, query, *args, **kwargs):
        statement = query if isinstance(query, str) else query.decode()
        if not re.search(r"\b(stat_counters|phases)\b", statement):  # the console's counters
            ran.append((statement.split()[0], cursor.connection.autocommit))
        return execute(cursor, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", noted)
    turns = []
    for number, text in enumerate(DIALOG):
        ran.clear()
        assert send(client, text, f"t{number}").status_code == 200
        turns.append(list(ran))
    monkeypatch.undo()
    opening, national_id, pension, confirm = turns
    assert opening == [("SELECT", True), ("WITH", True)]  # the phone's history, then the turn
    assert national_id == pension == [("WITH", True)]
    # The application, its check for a live one and the turn commit together, or not at all.
    assert [statement for statement, _ in confirm] == ["SELECT", "INSERT", "WITH"]
    assert {autocommit for _, autocommit in confirm} == {False}
    assert db.scalar(select(func.count()).select_from(Application)) == 1
