"""Console sign-in and sign-out, the signed-in user, roles and association scope."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import Blueprint, abort, redirect, render_template, request, url_for

from gateway.console.i18n import LANGUAGES, t
from gateway.console.passwords import check_password, hash_password
from gateway.console.session import (
    end_session,
    get_session,
    request_state,
    rotate_session,
    save_session,
)  # fmt: skip
from gateway.console.throttle import clear_user, is_locked, record_failure
from gateway.platform import services
from gateway.store import users as store
from gateway.store.audit import add_audit_event
from gateway.store.models import User

bp = Blueprint("console_auth", __name__, url_prefix="/console")
# Verified against when the username is unknown, so both cases take the same time.
_NO_USER_HASH = hash_password("no such user, no such password")


@dataclass(frozen=True)
class ConsoleUser:
    """The signed-in console user, as the pages need it."""

    id: int
    username: str
    role: str
    association_code: str | None


def current_user() -> ConsoleUser | None:
    """The signed-in user (read again from the database on each request), or None."""
    state = request_state()
    if "user" not in state:
        data = get_session() or {}
        row = services.request_session().get(User, data["user_id"]) if data.get("user_id") else None
        state["user"] = row and ConsoleUser(row.id, row.username, row.role, row.association_code)
    return state["user"]


def association_scope() -> str | None:
    """The association a staff user is limited to; None for admins, operators, head office."""
    user = current_user()
    return user.association_code if user and user.role == "staff" else None


def require_role(*roles: str):
    """Anonymous -> the sign-in page; signed in without one of `roles` -> 403 (admin may all)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            user = current_user()
            if user is None:
                return redirect(url_for("console_auth.login", next=_here()))
            if user.role != "admin" and user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def _here() -> str:
    query = request.query_string.decode()
    return request.path + (f"?{query}" if query else "")


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no `//host`, no scheme), else the console's home."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return url_for("console_home.index")


def _audit(actor: str, action: str, **details) -> None:
    with services.database().session(write=True) as session:
        add_audit_event(session, actor, action, None, **details)


@bp.route("/login", methods=["GET", "POST"])
def login():
    get_session(create=True)
    if request.method == "GET":
        return render_template("console/login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "").strip()[:64]
    password = request.form.get("password", "")
    address = request.remote_addr or "-"
    if is_locked(username, address):
        _audit(username or "-", "login.blocked", address=address)
        return _login_error("auth.locked", 429)
    user = store.find_user(services.request_session(), username) if username else None
    good = check_password(user.password_hash if user else _NO_USER_HASH, password)
    if user is None or not good:
        record_failure(username, address)
        _audit(username or "-", "login.failed", address=address)
        return _login_error("auth.failed", 401)
    clear_user(username)
    _audit(user.username, "login", address=address)
    rotate_session({"lang": get_session()["lang"], "user_id": user.id})
    request_state().pop("user", None)
    return redirect(_safe_next(request.form.get("next")))


def _login_error(key: str, status: int):
    page = render_template("console/login.html", error=t(key), next=request.form.get("next", ""))
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
    """Switch the console between Persian and English (kept in the session)."""
    data = get_session(create=True)
    lang = request.form.get("lang", "")
    if lang in LANGUAGES:
        save_session({**data, "lang": lang})
    return redirect(_safe_next(request.form.get("next")))
