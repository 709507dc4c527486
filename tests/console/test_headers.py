"""Every console response carries the security headers; pages are never cached; errors are
the console's own HTML pages."""

from __future__ import annotations

import pytest

from tests.console.conftest import sign_in

PAGES = [
    "/console/login",
    "/console/registrations",
    "/console/users",
    "/console/monitor",
    "/console/api/monitor",
    "/console/no-such-page",
]


@pytest.mark.parametrize("path", PAGES)
def test_console_responses_carry_the_security_headers_and_no_store(signed_in, path):
    response = signed_in("admin").get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers  # not in development


def test_static_files_are_cacheable_but_not_sniffed(client):
    response = client.get("/static/console/console.css")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers.get("Cache-Control") != "no-store"


@pytest.mark.parametrize(
    "path",
    ["/static/console/fonts/Vazirmatn-Regular.woff2", "/static/console/favicon.svg",
     "/static/console/fonts/OFL.txt"],
)  # fmt: skip
def test_the_font_its_licence_and_the_favicon_ship_with_the_package(client, path):
    assert client.get(path).status_code == 200


def test_no_template_has_inline_script_or_style():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "gateway" / "templates" / "console"
    for template in folder.glob("*.html"):
        text = template.read_text()
        for banned in ("style=", "<style", "onclick=", "onsubmit=", "<script>"):
            assert banned not in text, f"{template.name}: {banned}"


@pytest.mark.parametrize(
    "path, status, words",
    [
        ("/console/no-such-page", 404, "این صفحه پیدا نشد"),
        ("/console/registrations/12345678", 404, "این صفحه پیدا نشد"),
        ("/console/users", 403, "دسترسی ندارید"),
        ("/console/registrations?q=" + "9" * 3000, 414, "نشانی بیش از اندازه بلند است"),
    ],
)
def test_errors_are_the_consoles_own_pages(signed_in, path, status, words):
    response = signed_in("tehran").get(path)
    assert response.status_code == status
    assert response.mimetype == "text/html" and words in response.text
    assert 'dir="rtl"' in response.text


def test_paths_outside_the_console_keep_the_apps_json_errors(client):
    response = client.get("/no-such-path")
    assert response.status_code == 404 and response.is_json


def test_in_production_hsts_and_every_cookie_is_secure(database_url, redis_url, users, tmp_path):
    from config.settings import load_settings
    from gateway import create_app

    settings = load_settings(
        {}, GATEWAY_ENV="production", DATABASE_URL=database_url, REDIS_URL=redis_url,
        INSTANCE_PATH=str(tmp_path), SECRET_KEY="x" * 32, TWILIO_AUTH_TOKEN="t",
        HTTP_SMS_TOKEN="h", USSD_TOKEN="u", SMS_PROVIDER="http", HTTP_SMS_SEND_URL="http://x.ir",
    )  # fmt: skip
    production = create_app(settings)
    client = production.test_client()
    page = client.get("/console/login")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    cookies = page.headers.getlist("Set-Cookie")
    assert cookies and all("Secure" in c and "SameSite=Lax" in c for c in cookies)
    signed = sign_in(client, "admin").headers.getlist("Set-Cookie")
    assert signed and all("Secure" in c and "HttpOnly" in c for c in signed)
    assert production.config["SESSION_COOKIE_SECURE"]
    assert production.config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.parametrize(
    ("path", "opened"),
    [("/console/login", True), ("/webhooks/twilio/sms", False), ("/healthz", False)],
)
def test_flasks_cookie_session_opens_on_console_pages_only(app, path, opened):
    """Flash messages need it on the console; a webhook does not unsign a cookie per message."""
    from flask import session
    from flask.sessions import NullSession

    with app.test_request_context(path):
        assert isinstance(session._get_current_object(), NullSession) is not opened
