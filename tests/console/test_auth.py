"""Console sign-in: sessions in Redis, the throttle, CSRF, language, audit rows."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from gateway.console.session import COOKIE, IDLE_SECONDS
from gateway.console.throttle import LOCK_SECONDS
from gateway.store.models import AuditEvent
from tests.console.conftest import PASSWORD, csrf_of, post, sign_in, token

OTHER_ADDRESS = {"environ_base": {"REMOTE_ADDR": "10.0.0.9"}}


def audit_rows(db, action):
    db.rollback()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def session_key(client) -> str:
    return f"smsgw:console:session:{client.get_cookie(COOKIE).value}"


def test_anonymous_console_pages_redirect_to_the_sign_in_page(client, users):
    response = client.get("/console/registrations?status=approved")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/login?next=")
    assert "status%3Dapproved" in response.headers["Location"]


def test_sign_in_sets_an_http_only_lax_cookie_and_audits(client, users, db, redis):
    response = sign_in(client, "tehran")
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert IDLE_SECONDS - 5 < redis.ttl(session_key(client)) <= IDLE_SECONDS
    assert [e.actor for e in audit_rows(db, "login")] == ["tehran"]
    assert client.get("/console/").headers["Location"] == "/console/registrations"


def test_sign_in_gives_a_new_session_id_so_a_planted_one_is_useless(client, users, redis):
    client.get("/console/login")
    planted = client.get_cookie(COOKIE).value
    sign_in(client, "admin")
    assert client.get_cookie(COOKIE).value != planted
    assert redis.get(f"smsgw:console:session:{planted}") is None


@pytest.mark.parametrize("username, password", [("tehran", "wrong password"), ("nobody", "x")])
def test_a_wrong_password_or_unknown_user_gets_one_message_and_an_audit_row(
    client, users, db, username, password
):
    response = sign_in(client, username, password)
    assert response.status_code == 401
    assert "نام کاربری یا گذرواژه درست نیست" in response.text
    assert [e.actor for e in audit_rows(db, "login.failed")] == [username]
    assert client.get("/console/registrations").status_code == 302


def test_five_failures_lock_the_user_for_15_minutes_even_from_another_address(client, users, redis):
    for _ in range(5):
        assert sign_in(client, "tehran", "wrong").status_code == 401
    locked = sign_in(app_client := client.application.test_client(), "tehran", **OTHER_ADDRESS)
    assert locked.status_code == 429 and "۱۵ دقیقه" in locked.text
    assert app_client.get("/console/registrations", **OTHER_ADDRESS).status_code == 302
    assert LOCK_SECONDS - 5 < redis.ttl("smsgw:console:signin-failures:user:tehran") <= 900


def test_five_failures_lock_the_address_for_every_user(client, users, db):
    for name in ("a", "b", "c", "d", "e"):
        sign_in(client, name, "wrong")
    assert sign_in(client, "admin").status_code == 429
    assert len(audit_rows(db, "login.blocked")) == 1
    assert sign_in(client.application.test_client(), "admin", **OTHER_ADDRESS).status_code == 302


def test_a_good_sign_in_clears_the_users_failures(client, users):
    for _ in range(4):
        sign_in(client, "tehran", "wrong")
    assert sign_in(client, "tehran").status_code == 302
    other = client.application.test_client()
    for _ in range(4):
        sign_in(other, "tehran", "wrong", **OTHER_ADDRESS)
    assert sign_in(other, "tehran", **OTHER_ADDRESS).status_code == 302


def test_sign_out_ends_the_session_in_redis(signed_in, db, redis):
    client = signed_in("admin")
    key = session_key(client)
    assert post(client, "/console/logout").status_code == 302
    assert redis.get(key) is None
    assert client.get("/console/users").status_code == 302
    assert [e.actor for e in audit_rows(db, "logout")] == ["admin"]


def test_an_expired_session_sends_back_to_the_sign_in_page(signed_in, redis):
    client = signed_in("admin")
    redis.delete(session_key(client))
    assert client.get("/console/users").headers["Location"].startswith("/console/login")


@pytest.mark.parametrize("sent", [None, "", "forged-token"])
def test_posts_without_the_right_csrf_token_are_refused(signed_in, sent):
    client = signed_in("admin")
    data = {"lang": "en"} if sent is None else {"lang": "en", "csrf_token": sent}
    response = client.post("/console/lang", data=data)
    assert response.status_code == 400
    assert 'lang="fa"' in client.get("/console/users").text


def test_sign_in_without_a_csrf_token_is_refused(client, users):
    form = {"username": "admin", "password": PASSWORD}
    assert client.post("/console/login", data=form).status_code == 400


def test_the_csrf_header_works_for_fetch(signed_in):
    client = signed_in("admin")
    headers = {"X-CSRF-Token": token(client, "/console/users")}
    assert client.post("/console/lang", data={"lang": "en"}, headers=headers).status_code == 302
    assert 'lang="en" dir="ltr"' in client.get("/console/users").text


def test_language_switch_turns_the_page_left_to_right_with_latin_digits(signed_in, applications):
    client = signed_in("admin")
    code = applications["08"].tracking_code
    persian = client.get("/console/registrations").text
    assert (
        'dir="rtl"' in persian
        and code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) in persian
    )
    post(client, "/console/lang", {"lang": "en", "next": "/console/registrations"})
    english = client.get("/console/registrations").text
    assert 'dir="ltr"' in english and f">{code}<" in english and "Registrations" in english


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil"])
def test_sign_in_never_redirects_off_site(client, users, target):
    page = client.get("/console/login")
    form = {"username": "admin", "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    response = client.post("/console/login", data={**form, "next": target})
    assert response.headers["Location"] == "/console/"


def test_the_cookie_is_secure_in_production(database_url, redis_url, tmp_path):
    from config.settings import load_settings
    from gateway import create_app

    settings = load_settings(
        {}, GATEWAY_ENV="production", DATABASE_URL=database_url, REDIS_URL=redis_url,
        INSTANCE_PATH=str(tmp_path), SECRET_KEY="x" * 32, TWILIO_AUTH_TOKEN="t",
        HTTP_SMS_TOKEN="h", USSD_TOKEN="u", SMS_PROVIDER="http", HTTP_SMS_SEND_URL="http://x.ir",
    )  # fmt: skip
    response = create_app(settings).test_client().get("/console/login")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE))
    assert "Secure" in cookie


def test_audit_details_of_a_failed_sign_in_hold_the_address_only(client, users, db):
    sign_in(client, "tehran", "a secret guess")
    (row,) = audit_rows(db, "login.failed")
    assert json.loads(row.details) == {"address": "127.0.0.1"}


class TestBehindALoadBalancer:
    @pytest.fixture
    def settings_overrides(self):
        return {"TRUSTED_PROXIES": 1}

    def test_the_throttle_counts_the_forwarded_client_address(self, client, users):
        balancer = {"environ_base": {"REMOTE_ADDR": "10.0.0.2"}}
        first = {"headers": {"X-Forwarded-For": "5.6.7.8"}, **balancer}
        second = {"headers": {"X-Forwarded-For": "9.9.9.9"}, **balancer}
        for name in ("a", "b", "c", "d", "e"):
            sign_in(client, name, "wrong", **first)
        assert sign_in(client, "admin", **first).status_code == 429
        other = client.application.test_client()
        assert sign_in(other, "admin", **second).status_code == 302  # not the balancer's lock
