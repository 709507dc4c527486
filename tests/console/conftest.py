"""Fixtures for the console: users of each role, signed-in clients, a small programme."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from gateway.console.passwords import hash_password
from gateway.store import users as store
from tests.channels.live import serve

PASSWORD = "correct horse battery"
# username -> (role, association): admin, operator, head-office staff, staff of 08 and of 01.
USERS = {
    "admin": ("admin", None),
    "operator": ("operator", None),
    "office": ("head_office", None),
    "tehran": ("staff", "08"),
    "tabriz": ("staff", "01"),
}


@pytest.fixture(scope="session")
def password_hash() -> str:
    """One argon2 hash of PASSWORD for every test user (hashing is slow on purpose)."""
    return hash_password(PASSWORD)


@pytest.fixture
def users(app, db, programme, password_hash):
    """One console user per USERS row (the associations come from `programme`)."""
    for username, (role, association) in USERS.items():
        store.add_user(
            db, username=username, password_hash=password_hash,
            role=role, association_code=association,
        )  # fmt: skip
    db.commit()
    return USERS


def csrf_of(html: str) -> str:
    """The CSRF token of a rendered console page."""
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, username: str, password: str = PASSWORD, **environ):
    """Open the sign-in page and post the form, as a browser does; returns the response."""
    page = client.get("/console/login", **environ)
    form = {"username": username, "password": password, "csrf_token": csrf_of(page.text)}
    return client.post("/console/login", data=form, **environ)


@pytest.fixture
def signed_in(app, users):
    """signed_in(username) -> a test client signed in as that user."""

    def make(username: str):
        client = app.test_client()
        response = sign_in(client, username)
        assert response.status_code == 302, response.text
        return client

    return make


def token(client, path: str = "/console/login") -> str:
    """The client's CSRF token, read from a page it may open."""
    return csrf_of(client.get(path).text)


def post(client, path: str, data: dict | None = None, **kwargs):
    """POST a console form with the client's CSRF token, as the page's form would."""
    return client.post(path, data={**(data or {}), "csrf_token": token(client)}, **kwargs)


@pytest.fixture
def applications(db, programme):
    """An approved application in association 08 and one in 01, with their pensioners."""
    from tests.factories import add_application, add_pensioner

    found = {}
    for code, national_id in (("08", "0012345679"), ("01", "0084575948")):
        add_pensioner(db, national_id, association_code=code, full_name="علی رضایی")
        found[code] = add_application(
            db, national_id, association_code=code, phase=1, status="approved"
        )
    return found


CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="no /usr/bin/chromium")
# The two screens every console page is checked at: an office desktop and a phone.
SCREENS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def browser_sign_in(browser, base: str, username: str, viewport=SCREENS["desktop"], **options):
    """A Chromium page signed in to the console as `username`, on the page its role starts
    at (`options` go to the new page, e.g. accept_downloads)."""
    page = browser.new_page(viewport=viewport, **options)
    page.goto(f"{base}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/console/login" not in url)
    return page


@pytest.fixture
def browser():
    """Debian's Chromium through Playwright (a test tool's own browser download fails here)."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--no-first-run"],
        )  # fmt: skip
        yield browser
        browser.close()


@pytest.fixture
def live(app, users):
    """The app over real HTTP, with the console's users created."""
    with serve(app) as base:
        yield base
