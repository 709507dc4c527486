"""Staff and admins in a real browser (Chromium through Playwright) against the live app."""

from __future__ import annotations

import openpyxl
from rq import Queue, SimpleWorker
from sqlalchemy import select

from gateway.programme.bank_export import EXPORT_COLUMNS, XLSX_HEADERS
from gateway.store.models import Quota
from tests.console.conftest import ARTIFACTS, PASSWORD, SCREENS, browser_sign_in, needs_chromium
from tests.factories import add_application, add_pensioner

pytestmark = needs_chromium


def run_jobs(redis, queue: str) -> None:
    SimpleWorker([Queue(queue, connection=redis)], connection=redis).work(burst=True)


def test_sign_in_and_see_registrations_right_to_left_on_a_phone(browser, live, applications):
    page = browser.new_page(viewport=SCREENS["phone"])
    page.goto(f"{live}/console/login")
    page.fill("input[name=username]", "tehran")
    page.fill("input[name=password]", "wrong password")
    page.click("main button[type=submit]")
    assert "درست نیست" in page.inner_text("[role=alert]")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live}/console/registrations")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.locator("tbody tr[data-tracking-code]").count() == 1  # association 08 only
    assert page.evaluate("document.documentElement.scrollWidth") <= SCREENS["phone"]["width"] + 1
    page.screenshot(path=str(ARTIFACTS / "console-registrations-phone.png"), full_page=True)


def test_export_and_download_an_xlsx(browser, live, applications, redis, tmp_path):
    page = browser_sign_in(browser, live, "admin", accept_downloads=True)
    page.click("a[href='/console/exports']")
    page.select_option("select[name=format]", "xlsx")
    page.click("form.filters button[type=submit]")
    assert "در نوبت" in page.inner_text("tbody")
    run_jobs(redis, "exports")
    link = page.wait_for_selector("a[download]", timeout=15_000)  # the page polls, reloads
    page.screenshot(path=str(ARTIFACTS / "console-exports.png"), full_page=True)
    with page.expect_download() as download:
        link.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("registrations-") and saved.suffix == ".xlsx"
    rows = list(openpyxl.load_workbook(saved).active.iter_rows(values_only=True))
    assert rows[0] == tuple(XLSX_HEADERS[c][0] for c in EXPORT_COLUMNS) and len(rows) == 3


def test_raise_a_quota_and_the_waitlisted_application_is_approved(
    browser, live, db, programme, redis
):
    add_pensioner(db, "0012345679")
    waiting = add_application(
        db, "0012345679", association_code="08", phase=1, status="waitlisted", waitlist_position=1
    )
    quota = db.scalar(select(Quota).where(Quota.association_code == "08", Quota.phase == 1))
    quota.used, quota.waitlisted = 2, 1
    db.commit()
    page = browser_sign_in(browser, live, "admin", accept_downloads=True)
    page.click("a[href='/console/quotas']")
    page.locator("tr[data-quota='08-1'] input.limit").fill("3")
    page.click("#limits-1 button[type=submit]")
    assert "در حال پیشروی" in page.inner_text(".flash")
    run_jobs(redis, "decisions")
    page.goto(f"{live}/console/registrations/{waiting.tracking_code}")
    assert page.inner_text("[data-field=status]") == "پذیرفته"
    page.goto(f"{live}/console/quotas")
    assert "۳ / ۳" in page.inner_text("tr[data-quota='08-1']")
    page.screenshot(path=str(ARTIFACTS / "console-quotas.png"), full_page=True)
