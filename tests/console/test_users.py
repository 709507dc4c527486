"""Console users' lifecycle: roles as data, least privilege by default, edit, reset, disable."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gateway.console import roles
from gateway.store.models import ROLES, AuditEvent, User
from tests.console.conftest import PASSWORD, post, sign_in

NEW_PASSWORD = "a brand new passphrase"


def user_row(db, username: str) -> User:
    db.rollback()
    return db.scalar(select(User).where(User.username == username))


def user_id(db, username: str) -> int:
    return user_row(db, username).id


def actions(db, target: str) -> list[str]:
    db.rollback()
    stmt = select(AuditEvent.action).where(AuditEvent.target == target).order_by(AuditEvent.id)
    return list(db.scalars(stmt))


def test_every_stored_role_has_a_row_in_the_role_table():
    assert set(roles.ROLE_TABLE) == set(ROLES) == set(roles.FORM_ORDER)


@pytest.mark.parametrize(
    "role, association",
    [("staff", None), ("operator", "08"), ("head_office", "08"), ("admin", "01"), ("root", None)],
)
def test_the_database_refuses_a_user_whose_role_and_association_disagree(
    db, programme, role, association
):
    db.add(User(username="x", password_hash="h", role=role, association_code=association))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def test_the_add_user_form_lists_the_least_privilege_first_and_asks_for_an_association(
    signed_in,
):
    page = signed_in("admin").get("/console/users").text
    form = page[page.index('name="role"') :]
    assert form.index('value="staff" selected') < form.index('value="head_office"')
    assert form.index('value="operator"') < form.index('value="admin"')
    assert "بدون کانون" not in page and "انتخاب کنید" in page


def test_a_user_made_in_the_console_chooses_their_own_password_at_first_sign_in(app, signed_in, db):
    form = {"username": "isfahan", "role": "staff", "association": "08",
            "password": PASSWORD, "password2": PASSWORD}  # fmt: skip
    assert post(signed_in("admin"), "/console/users", form).status_code == 302
    client = app.test_client()
    assert sign_in(client, "isfahan").headers["Location"] == "/console/password"
    assert client.get("/console/registrations").headers["Location"] == "/console/password"
    page = client.get("/console/password").text
    assert 'href="/console/registrations"' not in page  # no nav until it is changed
    change = {"current": PASSWORD, "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert post(client, "/console/password", change).status_code == 302
    assert client.get("/console/registrations").status_code == 200
    assert not user_row(db, "isfahan").must_change_password
    assert actions(db, "isfahan") == ["user.created", "user.password_changed"]


@pytest.mark.parametrize(
    "form, message",
    [
        ({"current": "wrong one!", "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
         "گذرواژهٔ کنونی درست نیست"),
        ({"current": PASSWORD, "password": "short", "password2": "short"}, "دست‌کم ۱۰ نویسه"),
        ({"current": PASSWORD, "password": NEW_PASSWORD, "password2": "other"}, "یکی نیستند"),
        ({"current": PASSWORD, "password": PASSWORD, "password2": PASSWORD}, "فرق داشته باشد"),
    ],
)  # fmt: skip
def test_a_bad_password_change_says_why_and_changes_nothing(signed_in, db, form, message):
    before = user_row(db, "tehran").password_hash
    client = signed_in("tehran")
    response = post(client, "/console/password", form)
    assert response.status_code == 400 and message in response.text
    assert user_row(db, "tehran").password_hash == before


def test_an_admin_changes_a_role_and_association_and_it_is_audited(signed_in, db):
    client = signed_in("admin")
    url = f"/console/users/{user_id(db, 'tehran')}/role"
    assert post(client, url, {"role": "staff", "association": "01"}).status_code == 302
    assert post(client, url, {"role": "head_office", "association": ""}).status_code == 302
    row = user_row(db, "tehran")
    assert (row.role, row.association_code) == ("head_office", None)
    assert actions(db, "tehran") == ["user.role_changed", "user.role_changed"]


def test_a_role_change_that_would_leave_staff_without_an_association_is_refused(signed_in, db):
    client = signed_in("admin")
    url = f"/console/users/{user_id(db, 'tehran')}/role"
    page = post(client, url, {"role": "staff", "association": ""}, follow_redirects=True).text
    assert "کارشناس کانون باید کانون داشته باشد" in page
    assert user_row(db, "tehran").association_code == "08"


def test_a_reset_password_works_once_and_must_be_changed(app, signed_in, db):
    admin = signed_in("admin")
    url = f"/console/users/{user_id(db, 'tehran')}/password"
    temporary = {"password": "temporary 12345", "password2": "temporary 12345"}
    assert post(admin, url, temporary).status_code == 302
    client = app.test_client()
    assert sign_in(client, "tehran", PASSWORD).status_code == 401
    assert sign_in(client, "tehran", "temporary 12345").headers["Location"] == "/console/password"
    assert "user.password_reset" in actions(db, "tehran")


def test_disabling_a_user_ends_their_session_and_refuses_sign_in_until_enabled(app, signed_in, db):
    staff = signed_in("tehran")
    admin = signed_in("admin")
    base = f"/console/users/{user_id(db, 'tehran')}"
    assert post(admin, f"{base}/disable").status_code == 302
    assert staff.get("/console/registrations").headers["Location"].startswith("/console/login")
    refused = sign_in(app.test_client(), "tehran")
    assert refused.status_code == 403 and "غیرفعال" in refused.text
    assert post(admin, f"{base}/enable").status_code == 302
    assert sign_in(app.test_client(), "tehran").status_code == 302
    assert actions(db, "tehran")[-2:] == ["user.disabled", "user.enabled"]


@pytest.mark.parametrize("action, form", [("disable", {}), ("role", {"role": "operator"})])
def test_an_admin_cannot_disable_or_demote_themselves(signed_in, db, action, form):
    client = signed_in("admin")
    page = post(client, f"/console/users/{user_id(db, 'admin')}/{action}", form,
                follow_redirects=True).text  # fmt: skip
    assert "حساب خودتان" in page
    row = user_row(db, "admin")
    assert row.role == "admin" and row.disabled_at is None


def test_the_users_page_shows_the_last_sign_in_and_never(signed_in, db):
    signed_in("tehran")
    page = signed_in("admin").get("/console/users").text
    tehran = page[page.index('data-user="tehran"') :]
    tabriz = page[page.index('data-user="tabriz"') :]
    assert "<time" in tehran[: tehran.index("</tr>")]
    assert "هرگز" in tabriz[: tabriz.index("</tr>")]


def test_head_office_staff_see_every_association_and_association_staff_only_theirs(
    signed_in, applications
):
    office = signed_in("office").get("/console/registrations").text
    assert 'data-total="2"' in office
    tehran = signed_in("tehran").get("/console/registrations").text
    assert 'data-total="1"' in tehran
