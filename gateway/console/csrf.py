"""CSRF protection for the console: a per-session token in every form and fetch."""

from __future__ import annotations

import hmac

from flask import abort, request

from gateway.console.session import get_session

UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


def csrf_token() -> str:
    """The session's token (a session is started for it if there is none yet)."""
    return get_session(create=True)["csrf"]


def csrf_protect() -> None:
    """before_request of every console blueprint: 400 on a missing or wrong token."""
    if request.method not in UNSAFE_METHODS:
        return
    data = get_session()
    sent = request.form.get(FIELD) or request.headers.get(HEADER) or ""
    if data is None or not hmac.compare_digest(sent.encode(), data["csrf"].encode()):
        abort(400, description="csrf")
