"""Console sign-in: sessions only after sign-in, the throttle, safe `next`, CSRF, language."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from gateway.console import throttle
from gateway.console.session import COOKIE, CSRF_COOKIE, IDLE_SECONDS, LANG_COOKIE
from gateway.store.models import AuditEvent, User
from tests.console.conftest import PASSWORD, csrf_of, post, sign_in, token


def address(n: int) -> dict:
    return {"environ_base": {"REMOTE_ADDR": f"10.0.{n // 250}.{n % 250 + 1}"}}


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


def test_the_sign_in_page_writes_nothing_to_redis(client, users, redis):
    for _ in range(3):
        response = client.get("/console/login")
        assert response.status_code == 200
    assert redis.dbsize() == 0
    assert client.get_cookie(COOKIE) is None and client.get_cookie(CSRF_COOKIE) is not None


def test_sign_in_sets_an_http_only_lax_cookie_audits_and_records_the_time(client, users, db, redis):
    response = sign_in(client, "tehran")
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert IDLE_SECONDS - 5 < redis.ttl(session_key(client)) <= IDLE_SECONDS
    assert [e.actor for e in audit_rows(db, "login")] == ["tehran"]
    assert db.scalar(select(User.last_sign_in_at).where(User.username == "tehran")) is not None
    assert client.get("/console/").headers["Location"] == "/console/registrations"


def test_a_planted_session_id_is_useless_after_sign_in(client, users, redis):
    planted = "p" * 40
    redis.set(f"smsgw:console:session:{planted}", json.dumps({"user_id": 1, "csrf": "x" * 30}))
    client.set_cookie(COOKIE, planted)
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


@pytest.mark.parametrize(
    "scope, failures, wait",
    [
        (throttle.ACCOUNT, 3, 0),
        (throttle.ACCOUNT, 4, 2),
        (throttle.ACCOUNT, 6, 8),
        (throttle.ACCOUNT, 9, 60),
        (throttle.ACCOUNT, 500, 60),
        (throttle.ACCOUNT_FROM_ADDRESS, 9, 64),
        (throttle.ACCOUNT_FROM_ADDRESS, 14, 900),
        (throttle.ADDRESS, 49, 0),
        (throttle.ADDRESS, 50, 900),
    ],
)
def test_waits_grow_with_failures_up_to_each_scopes_cap(scope, failures, wait):
    assert throttle.wait_after(failures, scope) == wait


def test_a_wait_refuses_even_the_right_password_and_says_how_long(client, users, db):
    for _ in range(4):
        assert sign_in(client, "tehran", "wrong").status_code == 401
    locked = sign_in(client, "tehran")
    assert locked.status_code == 429 and "ثانیهٔ دیگر" in locked.text
    assert [json.loads(e.details)["wait"] for e in audit_rows(db, "login.blocked")] == [2]


def test_attempts_during_a_wait_are_not_counted(client, users, redis):
    for _ in range(4):
        sign_in(client, "tehran", "wrong")
    for _ in range(5):
        assert sign_in(client, "tehran", "wrong").status_code == 429
    assert redis.get("smsgw:console:signin:count:account:tehran") == b"4"


def test_a_stranger_guessing_from_many_addresses_holds_an_account_back_a_minute_at_most(
    app, users, redis
):
    stranger = app.test_client()
    for n in range(40):
        redis.delete("smsgw:console:signin:wait:account:admin")  # as if each wait had passed
        sign_in(stranger, "admin", "guess", **address(n))
    with app.test_request_context():
        assert 0 < throttle.seconds_to_wait("admin", "192.168.1.1") <= 60
    redis.delete("smsgw:console:signin:wait:account:admin")
    assert sign_in(app.test_client(), "admin", **address(999)).status_code == 302


def test_one_address_guessing_one_account_waits_up_to_15_minutes(app, client, users, redis):
    for _ in range(14):
        redis.delete("smsgw:console:signin:wait:account:tehran")
        redis.delete("smsgw:console:signin:wait:pair:tehran|127.0.0.1")
        sign_in(client, "tehran", "wrong")
    assert 890 < redis.ttl("smsgw:console:signin:wait:pair:tehran|127.0.0.1") <= 900
    redis.delete("smsgw:console:signin:wait:account:tehran")
    assert sign_in(app.test_client(), "tehran", **address(7)).status_code == 302


def test_colleagues_behind_one_address_are_not_locked_out_by_one_persons_typos(app, client, users):
    for n in range(12):
        sign_in(client, f"typo{n}", "wrong")
    assert sign_in(app.test_client(), "admin").status_code == 302


def test_fifty_failures_from_one_address_lock_that_address_for_every_user(app, client, users):
    for n in range(50):
        sign_in(client, f"user{n}", "wrong")
    assert sign_in(app.test_client(), "admin").status_code == 429
    assert sign_in(app.test_client(), "admin", **address(3)).status_code == 302


def test_a_good_sign_in_clears_the_accounts_count(app, client, users, redis):
    for _ in range(3):
        sign_in(client, "tehran", "wrong")
    assert sign_in(client, "tehran").status_code == 302
    assert redis.get("smsgw:console:signin:count:account:tehran") is None
    other = app.test_client()
    for _ in range(3):
        assert sign_in(other, "tehran", "wrong").status_code == 401
    assert sign_in(other, "tehran").status_code == 302


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


@pytest.mark.parametrize("form_token", [None, "a-token-of-another-browser-xxxxx"])
def test_sign_in_without_the_forms_csrf_token_is_refused(client, users, form_token):
    client.get("/console/login")
    form = {"username": "admin", "password": PASSWORD}
    if form_token:
        form["csrf_token"] = form_token
    assert client.post("/console/login", data=form).status_code == 400


def test_the_csrf_header_works_for_fetch(signed_in):
    client = signed_in("admin")
    headers = {"X-CSRF-Token": token(client, "/console/users")}
    assert client.post("/console/lang", data={"lang": "en"}, headers=headers).status_code == 302
    assert 'lang="en" dir="ltr"' in client.get("/console/users").text


def test_language_switch_before_sign_in_is_a_cookie_and_stays_after(client, users):
    page = client.get("/console/login")
    client.post("/console/lang", data={"lang": "en", "csrf_token": csrf_of(page.text)})
    assert client.get_cookie(LANG_COOKIE).value == "en"
    assert "Sign in" in client.get("/console/login").text
    sign_in(client, "admin")
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


NEXT_TARGETS = [
    "//evil.example/",
    "https://evil.example/",
    "/\\evil.example",
    "/\t/evil.example/",
    "/ /evil.example/",
    "/console/\r\nSet-Cookie: x=1",
    "javascript:alert(1)",
    "/webhooks/ussd",
]


@pytest.mark.parametrize("target", NEXT_TARGETS)
def test_sign_in_never_redirects_off_the_console(client, users, target):
    page = client.get("/console/login", query_string={"next": target})
    assert page.status_code == 200
    form = {"username": "admin", "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    response = client.post("/console/login", data={**form, "next": target})
    assert response.headers["Location"] == "/console/"


def test_the_encoded_tab_trick_of_the_issue_lands_on_the_console(client, users):
    page = client.get("/console/login?next=/%09/evil.example/")
    assert 'name="next" value="/console/"' in page.text


def test_sign_in_goes_on_to_the_console_page_asked_for(client, users):
    page = client.get("/console/login?next=/console/quotas%3Fx%3D1")
    form = {"username": "admin", "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    response = client.post("/console/login", data={**form, "next": "/console/quotas?x=1"})
    assert response.headers["Location"] == "/console/quotas?x=1"


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
        for n in range(50):
            sign_in(client, f"user{n}", "wrong", **first)
        assert sign_in(client, "admin", **first).status_code == 429
        other = client.application.test_client()
        assert sign_in(other, "admin", **second).status_code == 302  # not the balancer's lock
