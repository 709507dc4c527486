"""Every role's pages in Chromium, on an office screen and a phone: nothing off-screen, no
cut text, no raw code on the Persian pages; the screenshots in docs/screenshots come from here."""

from __future__ import annotations

import pytest
from rq import SimpleWorker
from sqlalchemy import select

from gateway.programme.jobs import get_queue
from gateway.store.applications import add_event
from gateway.store.audit import add_audit_event
from gateway.store.models import Application
from tests.console.browser_checks import page_problems
from tests.console.conftest import ARTIFACTS, SCREENS, browser_sign_in, needs_chromium
from tests.console.pensioners import decide_all, national_id, send_all, text_in
from tests.console.test_monitor import refuse
from tests.factories import add_application, add_pensioner

pytestmark = needs_chromium
NAMES = ["علی رضایی", "مریم احمدی نژاد", "حسن کریمی", "زهرا موسوی", "محمدحسین صادقی‌پور"]
LONG_TEXT = "سلام، من پیامک ثبت‌نام وام را فرستادم ولی پاسخی نیامد " * 4 + "x" * 80


def register_by_sms(phone: str, nid: str) -> None:
    for text in ("وام", nid, "123456", "1"):
        text_in(phone, text)


@pytest.fixture
def world(app, db, users, redis):
    """A programme in use: registrations through the real dialog, decisions, result SMS,
    a waitlist, a rejection, a cancellation with its history, a failed job, audit rows."""
    nids = [national_id(n) for n in range(len(NAMES))]
    for nid, name in zip(nids, NAMES, strict=True):
        add_pensioner(db, nid, full_name=name, association_code="08")
    for n, nid in enumerate(nids):
        register_by_sms(f"+98912100{n:04d}", nid)
    text_in("+989121000000", LONG_TEXT)
    register_by_sms("+989121009999", national_id(99))  # not in the registry: rejected
    send_all(decide_all(db))
    db.rollback()  # a fresh snapshot before writing (SQLite)
    other = add_application(db, national_id(50), association_code="01", phase=1,
                            status="approved", channel="ussd")  # fmt: skip
    add_event(db, other.id, "carried_over", "phase 1 -> 2")
    filters = {"association": "08", "phase": 1, "status": None}
    add_audit_event(db, "admin", "export.requested", "registrations-1405-09-08.csv",
                    format="csv", filters=filters)  # fmt: skip
    db.commit()
    queue = get_queue("sms", redis)
    queue.enqueue(refuse, "09121234567", job_id="send_sms-77")
    SimpleWorker([queue], connection=redis).work(burst=True)
    db.rollback()
    return {
        "code": db.scalar(
            select(Application.tracking_code).where(Application.association_code == "08")
        ),
        "nid": nids[1],
    }


def open_conversation(page, base: str, world: dict) -> None:
    page.goto(f"{base}/console/conversations")
    page.fill("input[name=q]", world["nid"])
    page.click("form[role=search] button[type=submit]")
    page.wait_for_selector(".transcript .chat li")


def open_monitor(page, base: str, world: dict) -> None:
    page.goto(f"{base}/console/monitor")
    page.wait_for_selector("#failed-jobs tbody tr td.actions button")
    page.wait_for_selector("#funnel tbody tr")


def open_path(path: str):
    def go(page, base: str, world: dict) -> None:
        page.goto(base + path.format(**world))

    return go


PAGES = {
    "home": open_path("/console/"),
    "registrations": open_path("/console/registrations"),
    "registration": open_path("/console/registrations/{code}"),
    "quotas": open_path("/console/quotas"),
    "exports": open_path("/console/exports"),
    "users": open_path("/console/users"),
    "audit": open_path("/console/audit"),
    "messages": open_path("/console/messages"),
    "simulator": open_path("/console/simulator"),
    "conversation": open_conversation,
    "monitor": open_monitor,
    "not-found": open_path("/console/no-such-page"),
}
ROLE_PAGES = {
    "admin": list(PAGES),
    "operator": ["monitor", "conversation", "messages", "registrations", "registration",
                 "quotas", "simulator"],
    "tehran": ["registrations", "registration", "quotas", "exports"],
    "office": ["registrations", "registration", "quotas", "exports"],
}  # fmt: skip
# The screenshots the README shows: (user, page) -> file name stem.
DOCUMENTED = {
    ("tehran", "registrations"): "registrations",
    ("operator", "conversation"): "conversation",
    ("operator", "monitor"): "monitor",
    ("admin", "quotas"): "quotas",
    ("admin", "users"): "users",
    ("operator", "simulator"): "simulator",
}


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("username", ROLE_PAGES)
def test_every_page_of_a_role_fits_the_screen_and_shows_words_not_codes(
    browser, live, world, username, screen
):
    page = browser_sign_in(browser, live, username, SCREENS[screen])
    found = {}
    for name in ROLE_PAGES[username]:
        PAGES[name](page, live, world)
        problems = page_problems(page)
        if problems:
            found[name] = problems
        stem = DOCUMENTED.get((username, name), f"{username}-{name}")
        page.screenshot(path=str(ARTIFACTS / f"console-{stem}-{screen}.png"), full_page=True)
    assert found == {}


def test_the_checks_catch_a_raw_code_a_cut_text_content_off_screen_and_a_dot(browser, live, users):
    page = browser_sign_in(browser, live, "admin", SCREENS["phone"])
    page.goto(f"{live}/console/registrations")
    assert page_problems(page) == []
    page.evaluate("""() => {
      const add = (html) => document.querySelector("main").insertAdjacentHTML("beforeend", html);
      add('<p>وضعیت: waitlisted</p>');
      add('<p>مرحلهٔ ۱ · باز</p>');
      add('<div class="table-wrap"><table><tr><td class="nowrap">' + "x".repeat(300) +
          '</td></tr></table></div>');
    }""")
    problems = " | ".join(page_problems(page))
    assert 'raw code "waitlisted"' in problems and "· beside a digit" in problems
    assert "off-screen: td.nowrap" in problems
