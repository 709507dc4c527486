"""A user's own password: changed at will, and first of all after someone else set it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from gateway.console.accounts import MIN_PASSWORD, UserError, change_own_password
from gateway.console.auth import current_user, require
from gateway.console.filters import digits
from gateway.console.i18n import add_strings, t
from gateway.console.passwords import check_password
from gateway.platform import services
from gateway.store.models import User

bp = Blueprint("console_password", __name__, url_prefix="/console/password")
add_strings(
    {
        "password.title": ("تغییر گذرواژه", "Change your password"),
        "password.forced": (
            "گذرواژهٔ شما را کس دیگری گذاشته است؛ پیش از ادامه گذرواژهٔ خودتان را بگذارید.",
            "Someone else set your password: choose your own before going on.",
        ),
        "password.current": ("گذرواژهٔ کنونی", "Current password"),
        "password.new": ("گذرواژهٔ تازه", "New password"),
        "password.wrong_current": ("گذرواژهٔ کنونی درست نیست.", "The current password is wrong."),
        "password.same": (
            "گذرواژهٔ تازه باید با کنونی فرق داشته باشد.",
            "The new password must differ from the current one.",
        ),
        "password.changed": ("گذرواژه عوض شد.", "Password changed."),
    }
)


def _page(error: str | None = None, status: int = 200):
    page = render_template("console/password.html", error=error, min=digits(MIN_PASSWORD))
    return page, status


@bp.get("")
@require(password_page=True)
def index():
    return _page()


@bp.post("")
@require(password_page=True)
def change():
    """Check the current password, then store the new one (audited)."""
    form = request.form
    current, new = form.get("current", ""), form.get("password", "")
    if new != form.get("password2", ""):
        return _page(t("users.mismatch"), 400)
    with services.database().session(write=True) as session:
        user = session.get(User, current_user().id)
        if not check_password(user.password_hash, current):
            return _page(t("password.wrong_current"), 400)
        if check_password(user.password_hash, new):
            return _page(t("password.same"), 400)
        try:
            change_own_password(session, user, new)
        except UserError:
            return _page(t("users.bad.password", n=digits(MIN_PASSWORD)), 400)
    flash(t("password.changed"), "ok")
    return redirect(url_for("console_home.index"))
