"""Console sign-in and sign-out, the signed-in user, permissions and association scope."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import Blueprint, abort, redirect, render_template, request, url_for

from gateway.console import roles
from gateway.console.i18n import LANGUAGES, t
from gateway.console.passwords import check_password, hash_password
from gateway.console.session import end_session, get_session, request_state, start_session
from gateway.console.throttle import clear_account, record_failure, seconds_to_wait
from gateway.platform import services
from gateway.store import users as store
from gateway.store.audit import add_audit_event
from gateway.store.models import User

bp = Blueprint("console_auth", __name__, url_prefix="/console")
MAX_NEXT = 2000
PASSWORD_PAGE = "console_password.index"


@functools.cache
def _no_user_hash() -> str:
    """Verified against when the username is unknown, so both cases take the same time;
    made on the first sign-in, not at import (argon2 costs every command a second)."""
    return hash_password("no such user, no such password")


@dataclass(frozen=True)
class ConsoleUser:
    """The signed-in console user, as the pages need it."""

    id: int
    username: str
    role: str
    association_code: str | None
    must_change_password: bool = False

    def may(self, permission: str) -> bool:
        return roles.may(self.role, permission)


def current_user() -> ConsoleUser | None:
    """The signed-in user (read again from the database on each request), or None.

    A disabled user is signed out at their next request.
    """
    state = request_state()
    if "user" not in state:
        data = get_session() or {}
        row = services.request_session().get(User, data["user_id"]) if data.get("user_id") else None
        if row is not None and row.disabled_at is None:
            state["user"] = ConsoleUser(
                row.id, row.username, row.role, row.association_code, row.must_change_password
            )
        else:
            state["user"] = None
    return state["user"]


def association_scope() -> str | None:
    """The association a user is limited to (staff); None for every other role."""
    user = current_user()
    return user.association_code if user and roles.needs_association(user.role) else None


def require(permission: str | None = None, *, password_page: bool = False):
    """Anonymous -> the sign-in page; a password to change -> that page first;
    signed in without `permission` -> 403. No permission: any signed-in user."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            user = current_user()
            if user is None:
                return redirect(url_for("console_auth.login", next=_here()))
            if user.must_change_password and not password_page:
                return redirect(url_for(PASSWORD_PAGE))
            if permission is not None and not user.may(permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def _here() -> str:
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")


def safe_next(target: str | None) -> str:
    """A console path on this site, or the console's home.

    Printable ASCII only: a tab, newline or backslash could turn `/%09/evil.example/`
    into `//evil.example/` in a browser, or break the Location header.
    """
    if (
        target
        and len(target) <= MAX_NEXT
        and (target == "/console" or target.startswith(("/console/", "/console?")))
        and all(33 <= ord(c) < 127 and c != "\\" for c in target)
    ):
        return target
    return url_for("console_home.index")


def _audit(actor: str, action: str, **details) -> None:
    with services.database().session(write=True) as session:
        add_audit_event(session, actor, action, None, **details)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("console/login.html", next=safe_next(request.args.get("next")))
    username = request.form.get("username", "").strip()[:64]
    password = request.form.get("password", "")
    address = request.remote_addr or "-"
    wait = seconds_to_wait(username, address)
    if wait:
        _audit(username or "-", "login.blocked", address=address, wait=wait)
        return _login_error(t("auth.wait", seconds=_seconds(wait)), 429)
    user = store.find_user(services.request_session(), username) if username else None
    good = check_password(user.password_hash if user else _no_user_hash(), password)
    if user is None or not good:
        record_failure(username, address)
        _audit(username or "-", "login.failed", address=address)
        return _login_error(t("auth.failed"), 401)
    clear_account(username, address)
    if user.disabled_at is not None:
        _audit(user.username, "login.disabled", address=address)
        return _login_error(t("auth.disabled"), 403)
    with services.database().session(write=True) as session:
        store.record_sign_in(session, user.id)
        add_audit_event(session, user.username, "login", None, address=address)
    start_session({"user_id": user.id})
    request_state().pop("user", None)
    if user.must_change_password:
        return redirect(url_for(PASSWORD_PAGE))
    return redirect(safe_next(request.form.get("next")))


def _seconds(wait: int) -> str:
    from gateway.console.filters import digits

    return digits(wait)


def _login_error(message: str, status: int):
    next_path = safe_next(request.form.get("next"))
    page = render_template("console/login.html", error=message, next=next_path)
    return page, status


@bp.post("/logout")
def logout():
    user = current_user()
    if user is not None:
        _audit(user.username, "logout")
    end_session()
    return redirect(url_for("console_auth.login"))


@bp.post("/lang")
def switch_language():
    """Switch the console between Persian and English (a cookie, for anyone)."""
    lang = request.form.get("lang", "")
    if lang in LANGUAGES:
        request_state()["new_lang"] = lang
    return redirect(safe_next(request.form.get("next")))
