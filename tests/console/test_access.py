"""Who may do what: every console route of registrations, quotas, exports and users, by role
and by own / other association; anonymous visitors are sent to the sign-in page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gateway.platform import services
from gateway.programme.export_requests import recent_exports, request_export
from gateway.store.models import Application, Quota, User
from gateway.store.registrations import RegistrationFilters
from tests.console.conftest import post
from workers.jobs import export_registrations

ROLES = ("anonymous", "operator", "office", "tehran", "admin")
LOGIN = "login"  # a redirect to the sign-in page
# (method, path, form) -> expected status for ROLES; `own` is association 08 (tehran's),
# `other` is 01. A 404 for another association's row: staff never learn that it exists.
TABLE = [
    ("GET", "/console/registrations", None, (LOGIN, 200, 200, 200, 200)),
    ("GET", "/console/registrations/{own}", None, (LOGIN, 200, 200, 200, 200)),
    ("GET", "/console/registrations/{other}", None, (LOGIN, 200, 200, 404, 200)),
    ("POST", "/console/registrations/{own}/reveal", {}, (LOGIN, 403, 302, 302, 302)),
    ("POST", "/console/registrations/{other}/reveal", {}, (LOGIN, 403, 302, 404, 302)),
    ("GET", "/console/registrations/not-a-code", None, (LOGIN, 404, 404, 404, 404)),
    ("POST", "/console/registrations/{own}/cancel", {"reason": "duplicate"}, (
        LOGIN, 403, 403, 403, 302,
    )),
    ("GET", "/console/quotas", None, (LOGIN, 200, 200, 200, 200)),
    ("POST", "/console/quotas/phases/1/limits", {"limit-08": "5"}, (LOGIN, 403, 403, 403, 302)),
    ("POST", "/console/quotas/phases/2", {"opens": "2030-01-01", "closes": "2030-02-01"}, (
        LOGIN, 403, 403, 403, 302,
    )),
    ("GET", "/console/exports", None, (LOGIN, 403, 200, 200, 200)),
    ("POST", "/console/exports", {"format": "csv"}, (LOGIN, 403, 302, 302, 302)),
    ("GET", "/console/exports/{own_export}.json", None, (LOGIN, 403, 200, 200, 200)),
    ("GET", "/console/exports/{other_export}.json", None, (LOGIN, 403, 200, 404, 200)),
    ("GET", "/console/exports/{own_export}/download", None, (LOGIN, 403, 200, 200, 200)),
    ("GET", "/console/exports/{other_export}/download", None, (LOGIN, 403, 200, 404, 200)),
    ("GET", "/console/users", None, (LOGIN, 403, 403, 403, 200)),
    ("GET", "/console/users/{tehran_id}", None, (LOGIN, 403, 403, 403, 200)),
    ("POST", "/console/users/{tehran_id}/disable", {}, (LOGIN, 403, 403, 403, 302)),
    ("GET", "/console/monitor", None, (LOGIN, 200, 403, 403, 200)),
    ("GET", "/console/api/monitor", None, (LOGIN, 200, 403, 403, 200)),
    ("GET", "/console/messages", None, (LOGIN, 200, 403, 403, 200)),
    ("GET", "/console/conversations", None, (LOGIN, 200, 403, 403, 200)),
    ("GET", "/console/simulator", None, (LOGIN, 200, 403, 403, 200)),
    ("GET", "/console/audit", None, (LOGIN, 403, 403, 403, 200)),
    ("POST", "/console/users", {"username": "new1", "role": "operator",
                                "password": "long enough pw", "password2": "long enough pw"}, (
        LOGIN, 403, 403, 403, 302,
    )),
]  # fmt: skip
CASES = [
    pytest.param(role, method, path, form, expected[i], id=f"{role}-{method}-{path}")
    for method, path, form, expected in TABLE
    for i, role in enumerate(ROLES)
]


@pytest.fixture
def world(app, db, users, applications, redis):
    """Users, an application per association and a finished export per association."""
    exports = {}
    for code in ("08", "01"):
        info = request_export(
            services.current(), "admin", "csv", RegistrationFilters(association=code)
        )
        export_registrations(info["id"])
        exports[code] = info["id"]
    return {
        "tehran_id": db.scalar(select(User.id).where(User.username == "tehran")),
        "own": applications["08"].tracking_code,
        "other": applications["01"].tracking_code,
        "own_export": exports["08"],
        "other_export": exports["01"],
    }


def client_for(app, signed_in, role):
    return app.test_client() if role == "anonymous" else signed_in(role)


@pytest.mark.parametrize("role, method, path, form, expected", CASES)
def test_route_access_by_role_and_association(
    app, signed_in, world, role, method, path, form, expected
):
    client = client_for(app, signed_in, role)
    url = path.format(**world)
    response = client.get(url) if method == "GET" else post(client, url, form)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/console/login?next=")
    else:
        assert response.status_code == expected, response.text[:300]


@pytest.mark.parametrize("role", ["operator", "office", "tehran"])
def test_refused_changes_change_nothing(app, signed_in, world, db, role):
    client = signed_in(role)
    post(client, f"/console/registrations/{world['own']}/cancel", {"reason": "duplicate"})
    post(client, "/console/quotas/phases/1/limits", {"limit-08": "9"})
    post(client, "/console/users", {"username": "x1", "role": "admin", "password": "p" * 12,
                                    "password2": "p" * 12})  # fmt: skip
    db.rollback()
    statuses = set(db.scalars(select(Application.status)))
    assert statuses == {"approved"}
    assert (
        db.scalar(select(Quota.limit).where(Quota.association_code == "08", Quota.phase == 1)) == 2
    )
    assert db.scalar(select(User).where(User.username == "x1")) is None


def test_staff_of_an_association_see_only_theirs_in_lists_counts_and_quotas(signed_in, world):
    client = signed_in("tehran")
    page = client.get("/console/registrations?association=01").text
    own, other = (world[k].translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) for k in
                  ("own", "other"))  # fmt: skip
    assert own in page and other not in page
    assert 'data-status="approved">پذیرفته: <b>۱</b>' in page
    quotas = client.get("/console/quotas").text
    assert 'data-quota="08-1"' in quotas and 'data-quota="01-1"' not in quotas
    exports = client.get("/console/exports").text
    assert world["own_export"] in exports and world["other_export"] not in exports


def test_staff_of_an_association_asking_for_another_get_their_own(signed_in, world, redis):
    client = signed_in("tehran")
    post(client, "/console/exports", {"format": "csv", "association": "01"})
    newest = recent_exports(redis)[0]
    assert newest["actor"] == "tehran" and newest["association"] == "08"


def test_operators_see_masked_data_and_no_reveal(signed_in, world):
    page = signed_in("operator").get(f"/console/registrations/{world['own']}").text
    assert "۰۰******۷۹" in page and "۰۰۱۲۳۴۵۶۷۹" not in page
    assert "ع*** ر***" in page and "/reveal" not in page


def test_nav_shows_only_the_pages_of_the_role(signed_in, world):
    operator = signed_in("operator").get("/console/registrations").text
    assert 'href="/console/users"' not in operator and 'href="/console/exports"' not in operator
    admin = signed_in("admin").get("/console/registrations").text
    assert 'href="/console/users"' in admin and 'href="/console/exports"' in admin


def test_admins_create_users_with_the_cli_rules_and_an_audit_row(signed_in, world, db):
    client = signed_in("admin")
    form = {"username": "isfahan", "role": "staff", "association": "08",
            "password": "long enough pw", "password2": "long enough pw"}  # fmt: skip
    assert "کاربر isfahan ساخته شد" in post(client, "/console/users", form,
                                              follow_redirects=True).text  # fmt: skip
    db.rollback()
    user = db.scalar(select(User).where(User.username == "isfahan"))
    assert (user.role, user.association_code) == ("staff", "08")
    assert user.password_hash.startswith("$argon2")
    assert [e.target for e in audit_rows(db, "user.created")] == ["isfahan"]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"username": "tehran"}, "نام کاربری تکراری یا نادرست است"),
        ({"password": "short", "password2": "short"}, "گذرواژه دست‌کم ۱۰ نویسه باشد"),
        ({"password2": "something else"}, "دو گذرواژه یکی نیستند"),
        ({"association": "99"}, "این کانون وجود ندارد"),
        ({"association": ""}, "کارشناس کانون باید کانون داشته باشد"),
        ({"role": "operator"}, "نقش‌های دیگر کانون ندارند"),
        ({"role": "root"}, "نقش نادرست است"),
    ],
)
def test_bad_new_users_get_a_message(signed_in, world, db, change, message):
    form = {"username": "newbie", "role": "staff", "association": "08",
            "password": "long enough pw", "password2": "long enough pw", **change}  # fmt: skip
    response = post(signed_in("admin"), "/console/users", form)
    assert response.status_code == 400 and message in response.text
    db.rollback()
    assert db.scalar(select(User).where(User.username == "newbie")) is None


def audit_rows(db, action):
    from gateway.store.models import AuditEvent

    db.rollback()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))
