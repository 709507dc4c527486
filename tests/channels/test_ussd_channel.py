"""USSD session tables: menus, back, resend, tries, status, resume after a drop, tokens."""

from __future__ import annotations

import json
import threading
import time

import pytest
from sqlalchemy import func, select

from flows.messages import render
from flows.segments import count_segments
from gateway.store.models import Application

TOKEN, HTTP_TOKEN = "ussd-secret", "kannel-secret"
PHONE = "+989121234567"
NATIONAL_ID, PENSION = "0000534722", "728762975"
MENU = render("ussd_menu", "fa")
BACK = "\n" + render("ussd_back_hint", "fa")


@pytest.fixture
def settings_overrides():
    return {"USSD_TOKEN": TOKEN, "HTTP_SMS_TOKEN": HTTP_TOKEN}


def dial(client, session_id: str, text: str, phone: str = PHONE, token: str = TOKEN):
    form = {"sessionId": session_id, "serviceCode": "*4040#", "phoneNumber": phone,
            "text": text, "token": token}  # fmt: skip
    response = client.post("/webhooks/ussd", data=form)
    return response.status_code, response.get_data(as_text=True)


def run(client, session_id: str, inputs: list[str], phone: str = PHONE) -> list[str]:
    """Dial, then send each input as a gateway does: everything so far joined by `*`."""
    screens = [dial(client, session_id, "", phone)[1]]
    for n in range(1, len(inputs) + 1):
        screens.append(dial(client, session_id, "*".join(inputs[:n]), phone)[1])
    return screens


# Each row: inputs after dialing, and what the last screen must be (exact or startswith).
TABLE = [
    ("register to the end", ["1", NATIONAL_ID, PENSION, "1"], "END درخواست شما ثبت شد"),
    ("help", ["3"], "END " + render("ussd_help", "fa")),
    ("status with no application", ["2"], "END " + render("status_none", "fa")),
    ("a wrong menu choice shows the menu again", ["9"],
     "CON " + render("ussd_bad_choice", "fa") + "\n" + MENU),
    ("back from the first question to the menu", ["1", "0"], "CON " + MENU),
    ("back from the pension question", ["1", NATIONAL_ID, "0"],
     "CON " + render("ask_national_id", "fa") + BACK),
    ("back from the confirmation", ["1", NATIONAL_ID, PENSION, "0"],
     "CON " + render("ask_pension_number", "fa") + BACK),
    ("edit at the confirmation asks the ID again", ["1", NATIONAL_ID, PENSION, "2"],
     "CON " + render("ask_national_id", "fa") + BACK),
    ("a wrong ID explains", ["1", "123"], "CON " + render("bad_national_id", "fa") + BACK),
    ("the third wrong ID ends the session", ["1", "1", "2", "3"],
     "END " + render("ussd_too_many_tries", "fa")),
    ("both numbers in one answer", ["1", f"{NATIONAL_ID} {PENSION}"], "CON کد ملی: ۰۰۰۰۵۳۴۷۲۲"),
    ("a * typed inside an answer is part of it", ["1", "0000*534722"],
     "CON " + render("ask_pension_number", "fa") + BACK),
]  # fmt: skip


@pytest.mark.parametrize(("label", "inputs", "expected"), TABLE, ids=[r[0] for r in TABLE])
def test_session_table(client, label, inputs, expected):
    screens = run(client, f"s-{label}", inputs)
    assert screens[0] == "CON " + MENU
    assert screens[-1].startswith(expected), (label, screens[-1])


def test_every_screen_fits_80_persian_characters(client):
    screens = run(client, "fit", ["1", NATIONAL_ID, PENSION, "1"])
    screens += run(client, "fit2", ["2"])
    for screen in screens:
        assert len(screen.split(" ", 1)[1]) <= 80, screen


def test_a_repeated_request_gets_the_same_screen_and_acts_once(client, db):
    run(client, "rep", ["1", NATIONAL_ID, PENSION])
    text = "*".join(["1", NATIONAL_ID, PENSION, "1"])
    first = dial(client, "rep", text)
    second = dial(client, "rep", text)
    assert first == second
    assert first[1].startswith("END ")
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Application)) == 1


def test_dialing_again_after_a_drop_offers_to_continue(client):
    run(client, "drop-1", ["1", NATIONAL_ID])  # the session drops here
    assert dial(client, "drop-2", "")[1] == "CON " + render("ussd_resume", "fa")
    status, screen = dial(client, "drop-2", "1")
    assert status == 200
    assert screen == "CON " + render("ask_pension_number", "fa") + BACK
    screens = [dial(client, "drop-2", t)[1] for t in ("1*" + PENSION, f"1*{PENSION}*1")]
    assert screens[-1].startswith("END درخواست شما ثبت شد")


def test_start_again_after_a_drop_asks_the_id_anew(client):
    run(client, "again-1", ["1", NATIONAL_ID])
    dial(client, "again-2", "")
    _, screen = dial(client, "again-2", "2")
    assert screen == "CON " + render("welcome_ask_national_id", "fa") + BACK


def test_a_dropped_registration_can_be_finished_by_sms(client, db):
    run(client, "sms-1", ["1", NATIONAL_ID])
    form = {"token": HTTP_TOKEN, "from": PHONE, "text": PENSION, "id": "k-1"}
    assert "کد ملی: ۰۰۰۰۵۳۴۷۲۲" in client.post("/webhooks/http/sms", data=form).get_data(
        as_text=True
    )


@pytest.mark.parametrize("dialed_as", ["09121234567", "00989121234567", "+98 912 123 4567"])
def test_any_form_of_the_phone_is_offered_to_continue(client, dialed_as):
    run(client, "form-1", ["1", NATIONAL_ID])  # as +989121234567
    assert dial(client, "form-2", "", phone=dialed_as)[1] == "CON " + render("ussd_resume", "fa")


def test_a_gateway_that_reuses_a_session_id_never_shows_another_phone_its_screen(client):
    run(client, "reused", ["1", NATIONAL_ID])
    other = "+989351234567"
    assert dial(client, "reused", "", phone=other)[1] == "CON " + MENU
    assert dial(client, "reused", "1", phone=other)[1].startswith(
        "CON " + render("welcome_ask_national_id", "fa")
    )
    _, screen = dial(client, "reused", f"1*{NATIONAL_ID}*{PENSION}")
    assert screen.startswith("CON کد ملی: ۰۰۰۰۵۳۴۷۲۲")  # the first phone's own dialog


def test_sms_and_ussd_at_the_same_moment_leave_one_consistent_session(
    app, client, redis, monkeypatch, dialog_session
):
    """Two messages of one phone, one by SMS and one by USSD, race: each runs whole under
    the phone's lock, so the session is what one order or the other gives - never a mix."""
    from gateway.store import messages

    run(client, "race", ["1"])  # waiting for the national ID
    slow_insert = messages.insert_turn

    def insert_slowly(*args, **kwargs):
        found = slow_insert(*args, **kwargs)
        time.sleep(0.3)  # widen the window between reading the session and saving it
        return found

    monkeypatch.setattr(messages, "insert_turn", insert_slowly)
    results = {}

    def sms():
        form = {"token": HTTP_TOKEN, "from": PHONE, "text": NATIONAL_ID, "id": "race-sms"}
        results["sms"] = app.test_client().post("/webhooks/http/sms", data=form)

    def ussd():
        results["ussd"] = dial(app.test_client(), "race", f"1*{PENSION}")

    threads = [threading.Thread(target=sms), threading.Thread(target=ussd)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    session = dialog_session(PHONE).to_dict()
    sms_first = (session["state"], session["data"]) == (
        "confirm",
        {"national_id": NATIONAL_ID, "pension_number": PENSION},
    )
    ussd_first = (session["state"], session["data"], session["tries"]) == (
        "ask_pension_number",
        {"national_id": NATIONAL_ID},
        0,
    )
    assert sms_first or ussd_first, session
    sms_reply = results["sms"].get_data(as_text=True)
    assert sms_reply == render("ask_pension_number", "fa")
    expected = "CON کد ملی: ۰۰۰۰۵۳۴۷۲۲" if sms_first else "CON " + render("bad_national_id", "fa")
    assert results["ussd"][1].startswith(expected)


def test_after_the_idle_timeout_the_menu_is_shown_not_resume(client, redis, session_key):
    run(client, "old-1", ["1", NATIONAL_ID])
    key = session_key(PHONE)
    session = json.loads(redis.get(key))
    session["updated_at"] -= 31 * 60
    redis.set(key, json.dumps(session))
    assert dial(client, "old-2", "")[1] == "CON " + MENU


def test_status_of_a_registered_phone(client):
    run(client, "st-1", ["1", NATIONAL_ID, PENSION, "1"])
    screen = run(client, "st-2", ["2"])[-1]
    assert screen.startswith("END درخواست ") and "در حال بررسی" in screen


@pytest.mark.parametrize(
    ("label", "form", "status"),
    [
        ("wrong token", {"sessionId": "x", "phoneNumber": PHONE, "text": "", "token": "no"}, 403),
        ("missing token", {"sessionId": "x", "phoneNumber": PHONE, "text": ""}, 403),
        ("missing session", {"phoneNumber": PHONE, "text": "", "token": TOKEN}, 400),
        ("missing phone", {"sessionId": "x", "text": "", "token": TOKEN}, 400),
    ],
)
def test_adapter_table(client, label, form, status):
    response = client.post("/webhooks/ussd", data=form)
    assert response.status_code == status, label


def scheduled_reminders(redis):
    from rq import Queue
    from rq.job import Job

    registry = Queue("sms", connection=redis).scheduled_job_registry
    jobs = [Job.fetch(job_id, connection=redis) for job_id in registry.get_job_ids()]
    return [j for j in jobs if j.func_name.endswith("remind_unfinished")]


def silence(redis, session_key, seconds: float = 300) -> None:
    """As if the dialog's last turn had come `seconds` ago."""
    key = session_key(PHONE)
    state = json.loads(redis.get(key))
    state["updated_at"] -= seconds
    redis.set(key, json.dumps(state))


def reminders(db):
    from gateway.store.models import Message

    db.rollback()
    return db.scalars(select(Message).where(Message.kind == "reminder")).all()


def test_a_registration_dropped_mid_way_gets_one_sms_on_how_to_finish(
    client, db, redis, session_key
):
    from workers.jobs import remind_unfinished

    run(client, "drop-sms", ["1", NATIONAL_ID])  # then silence
    [job] = scheduled_reminders(redis)  # one per USSD session, not one per screen
    [reminder] = reminders(db)
    assert job.args == (reminder.id,)  # the job carries an id, never the phone
    assert (reminder.status, reminder.phone) == ("scheduled", PHONE)
    assert reminder.text == render("ussd_unfinished", "fa")
    remind_unfinished(reminder.id)  # too early: it looks again later
    assert [r.status for r in reminders(db)] == ["scheduled"]
    assert scheduled_reminders(redis)  # it looks again later
    silence(redis, session_key)
    remind_unfinished(reminder.id)
    remind_unfinished(reminder.id)  # a retried job sends nothing more
    assert [r.status for r in reminders(db)] == ["queued"]


def test_no_reminder_when_the_registration_went_on_by_sms(client, db, redis, session_key):
    from workers.jobs import remind_unfinished

    run(client, "drop-then-sms", ["1", NATIONAL_ID])
    silence(redis, session_key)
    form = {"token": HTTP_TOKEN, "from": PHONE, "text": PENSION, "id": "sms-after-drop"}
    client.post("/webhooks/http/sms", data=form)
    silence(redis, session_key)
    [reminder] = reminders(db)
    remind_unfinished(reminder.id)
    assert [r.status for r in reminders(db)] == ["cancelled"]


def test_no_reminder_after_a_finished_registration(client, db, redis):
    from workers.jobs import remind_unfinished

    run(client, "finished", ["1", NATIONAL_ID, PENSION, "1"])
    [reminder] = reminders(db)
    remind_unfinished(reminder.id)
    assert [r.status for r in reminders(db)] == ["cancelled"]


def test_a_new_ussd_session_replaces_the_reminder_of_the_dropped_one(client, db, redis):
    run(client, "first-drop", ["1", NATIONAL_ID])
    run(client, "second-try", ["1", "1"])  # dialed again: continue, then dropped again
    cancelled, scheduled = sorted(reminders(db), key=lambda r: r.status)
    assert (cancelled.status, scheduled.status) == ("cancelled", "scheduled")
    assert cancelled.updated_at > cancelled.created_at  # the cancel is dated
    text = render("ussd_unfinished", "fa")
    assert (scheduled.channel, scheduled.text, scheduled.kind, scheduled.attempts) == (
        "sms",
        text,
        "reminder",
        0,
    )
    assert scheduled.segments == count_segments(text).segments
    assert scheduled.updated_at == scheduled.created_at > cancelled.created_at


def test_after_redis_lost_everything_a_ussd_request_is_stored_and_answered_afresh(
    client, db, redis
):
    from gateway.store.models import Message

    run(client, "flushed", ["1", NATIONAL_ID])
    db.rollback()
    before = db.scalar(select(func.count()).where(Message.direction == "in"))
    redis.flushdb()  # a restart without persistence: screens and sessions are gone
    status, screen = dial(client, "flushed", f"1*{NATIONAL_ID}*{PENSION}")
    assert (status, screen) == (200, "CON " + MENU)  # a sane screen, not a stale one
    db.rollback()
    assert db.scalar(select(func.count()).where(Message.direction == "in")) == before + 1
