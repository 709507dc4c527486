"""Operators in a real browser (Chromium through Playwright) against the live app."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gateway.store.models import Application
from tests.channels.live import TwilioPhone, post_form
from tests.channels.twilio_client import TOKEN
from tests.console.conftest import ARTIFACTS, browser_sign_in, needs_chromium
from tests.console.pensioners import add_registry, register

HTTP_TOKEN = "kannel-secret"

pytestmark = needs_chromium
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
HTTP_TOKEN = "kannel-shared-secret"


@pytest.fixture
def settings_overrides():
    # Every channel a test calls has its secret set and sent (webhooks refuse without one).
    return {"TWILIO_AUTH_TOKEN": TOKEN, "HTTP_SMS_TOKEN": HTTP_TOKEN}


def shown(page, selector: str) -> int:
    """The raw number behind a cell the monitor drew (it shows Persian digits)."""
    return int(page.get_attribute(selector, "data-value"))


def test_the_monitor_counts_move_while_messages_arrive(browser, live, db):
    nid = add_registry(db, 1)[0]
    page = browser_sign_in(browser, live, "operator")  # operators land on the monitor
    started = "#funnel td[data-step=started] + td"
    page.wait_for_selector(started)
    assert shown(page, started) == 0
    twilio = TwilioPhone(live, "09121000001")
    for body in ("وام", nid, "123456", "1"):
        assert twilio.send(body)
    form = {"from": "09121000002", "to": "7070", "text": "وام", "id": "kannel-1",
            "token": HTTP_TOKEN}  # fmt: skip
    assert post_form(f"{live}/webhooks/http/sms", form)[0] == 200
    # No reload: the page polls every 5 s and redraws.
    # Selectors, not wait_for_function: the console's CSP forbids evaluating strings.
    page.wait_for_selector("#funnel td[data-step=confirmed] + td[data-value='1']", timeout=15000)
    assert shown(page, started) == 2
    assert page.locator("#chart-in polyline[data-series=twilio]").count() == 1
    assert "پیامک (Twilio): ۴" in page.inner_text("#legend-in")
    assert shown(page, "#queues tbody tr:first-child td:nth-child(2)") == 1  # decisions waits
    assert page.is_visible("#warnings [data-kind=no_workers]")
    page.screenshot(path=str(ARTIFACTS / "console-monitor.png"), full_page=True)


def test_find_a_conversation_by_national_id(browser, live, db):
    nid = add_registry(db, 1)[0]
    register("+989121000003", nid)
    code = db.scalar(select(Application.tracking_code))
    page = browser_sign_in(browser, live, "operator")  # operators land on the monitor
    page.click("a[href='/console/conversations']")
    page.fill("input[name=q]", nid.translate(PERSIAN))  # typed on a Persian keyboard
    page.click("form[role=search] button[type=submit]")
    page.wait_for_selector(f"[data-tracking-code='{code}']")
    assert page.locator(".transcript .chat li").count() == 8
    assert nid not in page.content()  # masked for operators, even in the search box
    assert page.inner_text("[data-field=national_id]") == ("00" + "*" * 6 + nid[-2:]).translate(
        PERSIAN
    )
    page.screenshot(path=str(ARTIFACTS / "console-conversation.png"), full_page=True)


def test_run_a_registration_in_the_simulator(browser, live, db):
    nid = add_registry(db, 1)[0]
    page = browser_sign_in(browser, live, "operator")  # operators land on the monitor
    page.click("a[href='/console/simulator']")
    page.fill("#sim-phone", "09121000004")
    for n, text in enumerate(("وام", nid, "123456", "1"), start=1):
        page.fill("#sim-text", text)
        page.click("#sim-send")
        page.locator("#sim-chat li.out").nth(n - 1).wait_for()
    code = db.scalar(select(Application.tracking_code))
    assert code.translate(PERSIAN) in page.inner_text("#sim-chat li.out:last-child")
    page.check("input[name=sim-mode][value=ussd]")
    page.click("#sim-dial")
    page.locator("#sim-chat li.out").nth(4).wait_for()
    assert "۱" in page.inner_text("#sim-chat li.out:last-child")  # the USSD main menu
    page.screenshot(path=str(ARTIFACTS / "console-simulator.png"), full_page=True)
