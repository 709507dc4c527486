"""End to end through Debian's Kannel 1.4.5, configured as docs/KANNEL.md says.

bearerbox + smsbox, `fakesmsc` as the operator's SMS centre, the gateway under gunicorn
(`smsgw web`) and one `smsgw worker` with SMS_PROVIDER=kannel, on the test's database and
Redis. Every message a phone gets is read back at fakesmsc and decoded as a phone would.
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.parse
from collections import Counter

import pytest
from sqlalchemy import select

from flows.messages import render
from gateway.store.models import Application, Message, MessageEvent
from tests.factories import add_pensioner
from tests.helpers import free_port, running_web, venv_bin
from tests.kannel.cutting_proxy import CuttingProxy
from tests.kannel.fakesmsc import FakeSmsc
from tests.kannel.kannel import (
    SENDSMS_USER,
    KannelSetup,
    missing_programs,
    running_kannel,
    wait_until,
)

pytestmark = pytest.mark.slow
if missing_programs():
    pytest.skip(
        f"Kannel is not installed ({', '.join(missing_programs())} missing): "
        "apt-get install kannel kannel-extras",
        allow_module_level=True,
    )

TOKEN = "kannel-http-secret"
SENDSMS_PASSWORD = "sendsms-secret"
PHONE = "+989121234567"
LANDLINE = "+982112345678"
NATIONAL_ID = "0000534722"
PENSION_NUMBER = "728762975"
QUEUE_DELAY = 10  # the doc's http-queue-delay: how long Kannel waits before it asks again


@pytest.fixture
def stack(request, app, db, programme, cli_env, tmp_path):
    """Kannel, fakesmsc, the cutting proxy, the gateway's web and worker processes."""
    add_pensioner(db, NATIONAL_ID, pension_number=PENSION_NUMBER, mobile=PHONE)
    web_port = free_port()
    base = f"http://127.0.0.1:{web_port}"
    proxy = CuttingProxy(base, cut_text="1")
    request.addfinalizer(proxy.stop)
    setup = KannelSetup(tmp_path, proxy.url, TOKEN, SENDSMS_PASSWORD)
    env = {
        **cli_env,
        "HTTP_SMS_TOKEN": TOKEN,
        "SMS_PROVIDER": "kannel",
        "KANNEL_SENDSMS_URL": setup.sendsms_url,
        "KANNEL_USERNAME": SENDSMS_USER,
        "KANNEL_PASSWORD": SENDSMS_PASSWORD,
        "PUBLIC_BASE_URL": base,
        "SMS_FROM": "7070",
    }
    with running_kannel(setup), running_web(env, tmp_path / "web.log", port=web_port):
        smsc = FakeSmsc(setup.ports["smsc"])
        wait_until(lambda: "(online" in setup.status(), "fakesmsc did not connect")
        with open(tmp_path / "worker.log", "w") as log:
            worker = subprocess.Popen(
                [venv_bin("smsgw"), "worker"], env={**os.environ, **env}, stdout=log, stderr=log
            )
        try:
            yield setup, smsc, proxy
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
            smsc.stop()


def stored_replies(db, phone: str) -> list[str]:
    """The replies the gateway stored for the phone's messages, in order."""
    db.rollback()
    inbound = select(Message.id).where(Message.phone == phone, Message.direction == "in")
    return db.scalars(
        select(Message.text).where(Message.reply_to_id.in_(inbound)).order_by(Message.id)
    ).all()


def test_a_persian_dialog_through_real_kannel_reaches_the_phone_exactly(stack, db):
    setup, smsc, proxy = stack
    dialog = [
        ("سلام", render("welcome_ask_national_id", "fa")),
        ("۰۰۰۰۵۳۴۷۲۲", render("ask_pension_number", "fa")),
        (PENSION_NUMBER, render("confirm", "fa", national_id=NATIONAL_ID,
                                pension_number=PENSION_NUMBER)),
    ]  # fmt: skip
    for n, (text, expected) in enumerate(dialog, start=1):
        smsc.send(PHONE, text, coding="ucs2" if n < 3 else "text")
        reply = smsc.wait_for(PHONE, n)[-1]
        assert (reply.coding, reply.text) == ("ucs-2", expected)

    # The confirmation's answer is lost on its way back: Kannel asks again after
    # http-queue-delay with the same id, and gets the stored reply.
    smsc.send(PHONE, "1", coding="text")
    got = smsc.wait_for(PHONE, 5, timeout=QUEUE_DELAY + 30)
    db.rollback()
    [application] = db.scalars(select(Application)).all()
    [result] = db.scalars(select(Message).where(Message.kind == "result")).all()
    confirmed = render("application_created", "fa", tracking_code=application.tracking_code)
    by_text = {sms.text: sms for sms in got[3:]}
    assert set(by_text) == {confirmed, result.text}
    assert by_text[result.text].coding == "ucs-2"  # the decision SMS, through sendsms
    assert by_text[confirmed].coding == "ucs-2"
    [cut_id] = proxy.cut_ids
    assert [q["id"] for q in proxy.requests if q.get("text") == "1"] == [cut_id, cut_id]
    assert stored_replies(db, PHONE) == [expected for _, expected in dialog] + [confirmed]

    # Two UCS-2 segments joined on the phone; an English reply as GSM-7.
    smsc.send(PHONE, "راهنما")
    help_text = smsc.wait_for(PHONE, 6)[-1]
    assert (help_text.coding, help_text.segments) == ("ucs-2", 2)
    assert help_text.text == render("help", "fa")
    smsc.send(PHONE, "EN", coding="text")
    english = smsc.wait_for(PHONE, 7)[-1]
    assert (english.coding, english.text) == ("text", render("lang_set", "en"))

    # A landline gets no dialog: the empty body sends nothing (omit-empty).
    smsc.send(LANDLINE, "سلام")
    smsc.send(PHONE, "FA", coding="text")
    assert smsc.wait_for(PHONE, 8)[-1].text == render("lang_set", "fa")
    assert smsc.messages_to(LANDLINE) == []

    # The decision's delivery report: applied once, and not fetched again after
    # http-queue-delay (Kannel fetches again anything but 200 or 202).
    wait_until(lambda: status_of(db, result.id) == "delivered", "no delivery report")
    time.sleep(QUEUE_DELAY + 3)
    reports = db.scalars(
        select(MessageEvent.detail).where(MessageEvent.message_id == result.id)
    ).all()
    reports = Counter((detail or "").split(" ignored")[0] for detail in reports)
    assert (reports["report 1"], reports["report 8"]) == (1, 1)

    assert len(smsc.messages_to(PHONE)) == 8  # nothing came twice, however late
    db.rollback()
    assert len(db.scalars(select(Application)).all()) == 1
    confirmations = db.scalars(
        select(Message).where(Message.direction == "in", Message.external_id == cut_id)
    ).all()
    assert len(confirmations) == 1

    # Kannel's logs (log-level 2 and the access-log format) keep no national ID or
    # pension number; the phone number appears only where a call failed (the cut one).
    for log in setup.logs:
        text = log.read_text(errors="replace")
        assert not [form for form in secret_forms() if form in text], log.name
        phone_lines = [line for line in text.splitlines() if PHONE[1:] in line]
        assert all("Couldn't fetch" in line for line in phone_lines), (log.name, phone_lines)


def status_of(db, message_id: int) -> str:
    db.rollback()
    return db.scalar(select(Message.status).where(Message.id == message_id))


def secret_forms() -> list[str]:
    """The national ID and pension number as they could appear in a log: as typed, in
    Persian digits, URL-encoded (as in a get-url) and as UCS-2 hex (as in Kannel's dumps)."""
    forms = []
    for digits in (NATIONAL_ID, PENSION_NUMBER):
        persian = digits.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
        forms += [digits, persian, urllib.parse.quote(persian)]
        forms.append(persian.encode("utf-16-be").hex().upper())
    return forms
