"""Console users (admins only): the list and a form to add one."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from gateway.console.accounts import MIN_PASSWORD, UserError, create_user
from gateway.console.auth import current_user, require_role
from gateway.console.filters import digits
from gateway.console.i18n import add_strings, t
from gateway.platform import services
from gateway.store.audit import add_audit_event
from gateway.store.models import ROLES
from gateway.store.registry import associations
from gateway.store.users import list_users

bp = Blueprint("console_users", __name__, url_prefix="/console/users")
NAV = [("/console/users", "nav.users", ())]
add_strings(
    {
        "users.title": ("کاربران کنسول", "Console users"),
        "users.add": ("افزودن کاربر", "Add a user"),
        "users.role": ("نقش", "Role"),
        "users.none": ("بدون کانون", "no association"),
        "users.created": ("کاربر {name} ساخته شد.", "User {name} created."),
        "users.bad.username": (
            "نام کاربری تکراری یا نادرست است (۱ تا ۶۴ حرف لاتین، رقم، . _ - @).",
            "Username taken or invalid (1-64 letters, digits, . _ - @).",
        ),
        "users.bad.role": ("نقش نادرست است.", "Unknown role."),
        "users.bad.password": (
            "گذرواژه دست‌کم {n} نویسه باشد.",
            "Use at least {n} characters for the password.",
        ),
        "users.bad.association": ("این کانون وجود ندارد.", "No such association."),
        "users.mismatch": ("دو گذرواژه یکی نیستند.", "The two passwords differ."),
        "users.repeat": ("تکرار گذرواژه", "Password again"),
    }
)


def _page(error: str | None = None, status: int = 200):
    session = services.request_session()
    page = render_template(
        "console/users.html",
        users=list_users(session),
        associations=associations(session),
        roles=ROLES,
        error=error,
        form=request.form,
    )
    return page, status


@bp.get("")
@require_role()
def index():
    return _page()


@bp.post("")
@require_role()
def create():
    """Add a user with the same checks as `smsgw users create` (audited)."""
    form = request.form
    if form.get("password", "") != form.get("password2", ""):
        return _page(t("users.mismatch"), 400)
    username = form.get("username", "")
    try:
        with services.database().session(write=True) as session:
            user = create_user(
                session, username, form.get("role", ""), form.get("association"),
                form.get("password", ""),
            )  # fmt: skip
            add_audit_event(
                session, current_user().username, "user.created", user.username,
                role=user.role, association=user.association_code,
            )  # fmt: skip
    except UserError as exc:
        return _page(t(f"users.bad.{exc.field}", n=digits(MIN_PASSWORD)), 400)
    flash(t("users.created", name=user.username), "ok")
    return redirect(url_for(".index"))
