"""The support inbox and the programme report in a real browser (Chromium through Playwright),
against the live app, with real `smsgw worker` processes and an HTTP SMS provider sink."""

# ruff: noqa: F811 - the worker-process fixtures are imported, then named as arguments

from __future__ import annotations

import pytest
from sqlalchemy import select

from gateway.store.models import Message, SupportItem
from tests.channels.live import TwilioPhone
from tests.channels.twilio_client import TOKEN
from tests.console.browser_checks import page_problems
from tests.console.conftest import ARTIFACTS, SCREENS, browser_sign_in, needs_chromium
from tests.console.pensioners import national_id
from tests.factories import add_pensioner
from tests.workers.conftest import start_worker  # noqa: F401

pytestmark = [needs_chromium, pytest.mark.slow]
TEHRAN, TABRIZ = "09121000008", "09121000001"
QUESTION = "سلام، پول وام من کی واریز می‌شود؟"
ANSWER = "سلام. پرداخت مرحله یک از هفته آینده است."


@pytest.fixture
def settings_overrides(provider):
    return {"TWILIO_AUTH_TOKEN": TOKEN, "SMS_PROVIDER": "http", "HTTP_SMS_SEND_URL": provider.url}


@pytest.fixture
def asked(live, db, start_worker):
    """A pensioner of 08 and one of 01 register by SMS, are decided by a worker process,
    then each texts a question; returns their phones."""
    phones = {}
    for serial, (phone, code) in enumerate(((TEHRAN, "08"), (TABRIZ, "01"))):
        nid = national_id(serial)
        add_pensioner(db, nid, association_code=code)
        twilio = TwilioPhone(live, phone)
        for text in ("وام", nid, "123456", "1"):
            twilio.send(text)
        phones[code] = twilio
    assert start_worker().wait(timeout=120) == 0  # decisions and their result SMS
    for code, twilio in phones.items():
        assert "پشتیبانی" in twilio.send(f"{QUESTION} ({code})")
    return phones


def item_id(db, code: str) -> int:
    db.rollback()
    return db.scalar(select(SupportItem.id).where(SupportItem.association_code == code))


def test_a_question_reaches_its_associations_staff_and_their_reply_reaches_the_phone(
    browser,
    live,
    db,
    asked,
    start_worker,
    provider,
):
    page = browser_sign_in(browser, live, "tehran")
    page.click("a[href='/console/support']")
    rows = page.locator("#inbox tbody tr")
    assert rows.count() == 1 and rows.first.get_attribute("data-association") == "08"
    assert page_problems(page) == []
    rows.first.locator("a").click()
    assert f"{QUESTION} (08)" in page.inner_text(".transcript")
    assert page.get_attribute("html", "dir") == "rtl" and page_problems(page) == []
    page.click("#assign-me button")
    assert page.inner_text("[data-field=assignee]") == "tehran"
    page.fill("textarea[name=text]", ANSWER)
    page.click("#reply button[type=submit]")
    assert "در صف ارسال" in page.inner_text(".flash")
    assert page.inner_text("[data-field=status]") == "پاسخ داده شد"
    page.screenshot(path=str(ARTIFACTS / "console-support-item.png"), full_page=True)
    assert start_worker().wait(timeout=120) == 0
    sent = [r for r in provider.requests if r["text"] == ANSWER]
    assert [r["to"] for r in sent] == ["+989121000008"]  # once, to the asking phone
    db.rollback()
    reply = db.scalar(select(Message).where(Message.kind == "support_reply"))
    assert reply.status == "sent"
    other = page.goto(f"{live}/console/support/{item_id(db, '01')}")
    assert other.status == 404  # another association's question


def test_the_inbox_and_a_question_fit_a_phone_screen(browser, live, db, asked):
    page = browser_sign_in(browser, live, "operator", SCREENS["phone"])
    page.goto(f"{live}/console/support")
    assert page.locator("#inbox tbody tr").count() == 2  # operators see every association
    assert page_problems(page) == []
    page.screenshot(path=str(ARTIFACTS / "console-support-phone.png"), full_page=True)
    page.goto(f"{live}/console/support/{item_id(db, '01')}")
    page.select_option("select[name=canned]", "canned_send_status")
    assert page_problems(page) == []
    page.screenshot(path=str(ARTIFACTS / "console-support-item-phone.png"), full_page=True)


@pytest.mark.parametrize("name", SCREENS)
def test_the_report_shows_the_chart_and_the_table_on_every_screen(browser, live, db, asked, name):
    page = browser_sign_in(browser, live, "office", SCREENS[name])
    page.goto(f"{live}/console/report")
    assert page.locator(".report-chart li").count() == 2
    assert page.locator(".report-bar rect").count() >= 2
    assert page.inner_text("tr[data-row='08-1'] [data-field=open_support]") == "۱"
    assert page_problems(page) == []
    page.screenshot(path=str(ARTIFACTS / f"console-report-{name}.png"), full_page=True)
    with page.expect_download() as download:
        page.click("a[data-format=xlsx]")
    assert download.value.suggested_filename.endswith(".xlsx")


def test_staff_see_their_own_association_in_the_report(browser, live, db, asked):
    page = browser_sign_in(browser, live, "tabriz", SCREENS["phone"])
    page.goto(f"{live}/console/report")
    bars = page.locator(".report-chart li").all()
    assert [bar.get_attribute("data-association") for bar in bars] == ["01"]
    assert page_problems(page) == []
