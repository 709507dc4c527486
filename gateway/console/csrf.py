"""CSRF protection for the console: a per-session token in every form and fetch."""

from __future__ import annotations

import hmac

from flask import abort, request

from gateway.console.session import CSRF_COOKIE, anonymous_csrf_token, get_session

UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


def csrf_token() -> str:
    """The session's token; before sign-in, the token of the sign-in form's cookie."""
    data = get_session()
    return data["csrf"] if data else anonymous_csrf_token()


def csrf_protect() -> None:
    """before_request of every console blueprint: 400 on a missing or wrong token."""
    if request.method not in UNSAFE_METHODS:
        return
    data = get_session()
    expected = data["csrf"] if data else request.cookies.get(CSRF_COOKIE, "")
    sent = request.form.get(FIELD) or request.headers.get(HEADER) or ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, description="csrf")
