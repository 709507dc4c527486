"""The bank payments upload and the notices page in a real browser (Chromium through
Playwright), on an office screen and on a phone: usable, nothing cut, no raw code."""

from __future__ import annotations

import pytest
from rq import Queue, SimpleWorker

from tests.console.browser_checks import page_problems
from tests.console.conftest import ARTIFACTS, SCREENS, browser_sign_in, needs_chromium

pytestmark = needs_chromium
TEXT = "جلسه توجیهی وام شنبه ساعت ۱۰ در کانون برگزار می‌شود."


@pytest.mark.parametrize("screen", SCREENS)
def test_head_office_uploads_the_bank_file_and_sees_counts_and_rejects(
    browser, live, applications, tmp_path, screen
):
    approved = applications["08"]
    bank = tmp_path / "bank.csv"
    bank.write_text(
        "\ufefftracking_code,national_id,result,paid_at,reference,reason\n"
        f"{approved.tracking_code},{approved.national_id},paid,1405/09/04 12:00,BNK-1,\n"
        "12345674,0000534722,paid,2026-11-25T08:30:00Z,BNK-2,\n",
        "utf-8",
    )
    page = browser_sign_in(browser, live, "office", SCREENS[screen])
    page.goto(f"{live}/console/payments")
    assert page_problems(page) == []
    page.set_input_files("input[type=file]", str(bank))
    page.click("main form button[type=submit]")
    page.wait_for_selector("[data-report]")
    assert page.get_attribute("[data-counts]", "data-counts") == "1,0,1"
    assert "no application '12345674'" in page.inner_text("tr[data-reject='3']")
    assert page_problems(page) == []
    page.screenshot(path=str(ARTIFACTS / f"console-payments-{screen}.png"), full_page=True)
    page.goto(f"{live}/console/registrations/{approved.tracking_code}")
    assert page.inner_text("[data-field=status]") == "پرداخت شده"


@pytest.mark.parametrize("screen", SCREENS)
def test_admin_counts_confirms_and_follows_a_notice(browser, live, applications, redis, screen):
    page = browser_sign_in(browser, live, "admin", SCREENS[screen])
    page.goto(f"{live}/console/notices")
    assert page_problems(page) == []
    page.select_option("select[name=status]", "approved")
    page.fill("textarea[name=text]", TEXT)
    page.click("#notice-form button[type=submit]")
    audience = page.wait_for_selector("[data-audience]")
    assert audience.get_attribute("data-audience") == "1"  # both applications: one phone
    assert page_problems(page) == []
    page.click("[data-audience] button[type=submit]")
    assert "در نوبت" in page.inner_text(".flash")
    SimpleWorker([Queue("exports", connection=redis)], connection=redis).work(burst=True)
    page.reload()
    assert "در صف ارسال: ۱" in page.inner_text("tr[data-notice] [data-progress]")
    assert page_problems(page) == []
    page.screenshot(path=str(ARTIFACTS / f"console-notices-{screen}.png"), full_page=True)
