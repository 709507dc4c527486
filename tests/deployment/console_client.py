"""A staff member's browser over real HTTP: cookies, the CSRF token of each form, no JS."""

from __future__ import annotations

import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request

from tests.console.conftest import csrf_of


class ConsoleBrowser:
    """One cookie jar for every node: cookies of 127.0.0.1 go to each port, so a session
    opened on one node is sent to the others (sessions live in the shared Redis)."""

    def __init__(self):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, url: str) -> tuple[int, bytes]:
        try:
            with self.opener.open(url, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def submit(self, page_url: str, action_url: str, form: dict) -> int:
        """Open the page, post its form with the page's CSRF token; the final status."""
        _, page = self.get(page_url)
        data = urllib.parse.urlencode({**form, "csrf_token": csrf_of(page.decode())}).encode()
        try:
            with self.opener.open(action_url, data=data, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as err:
            return err.code

    def sign_in(self, base: str, username: str, password: str) -> int:
        login = base + "/console/login"
        return self.submit(login, login, {"username": username, "password": password})
