"""Console sessions: a random id in a cookie, the data as JSON in Redis, from sign-in on.

Nobody has a server session before signing in: the sign-in form's CSRF token and the
chosen language are cookies of their own, so anonymous visits write nothing to Redis.
"""

from __future__ import annotations

import json
import secrets

from flask import request
from flask.wrappers import Response

from gateway.platform import services

COOKIE = "smsgw_console"
CSRF_COOKIE = "smsgw_csrf"  # the sign-in form's token (double submit), before a session
LANG_COOKIE = "smsgw_lang"
IDLE_SECONDS = 8 * 3600  # a session ends after 8 hours without a request
LANG_SECONDS = 365 * 24 * 3600
_KEY = "smsgw:console:session:{}"


def request_state() -> dict:
    """This request's console state; not `g`, which an app context may share across requests."""
    return request.environ.setdefault("smsgw.console", {})


def _redis():
    return services.redis_client()


def get_session() -> dict | None:
    """This request's session data (its expiry refreshed), or None when not signed in."""
    state = request_state()
    if "session" not in state:
        sid = request.cookies.get(COOKIE, "")
        data = None
        if 20 <= len(sid) <= 64 and not state.get("ended"):
            raw = _redis().get(_KEY.format(sid))
            if raw is not None:
                data = json.loads(raw)
                _redis().expire(_KEY.format(sid), IDLE_SECONDS)
        state["sid"], state["session"] = sid, data
    return state["session"]


def start_session(data: dict) -> None:
    """A new session under a new id (sign-in): an old id, maybe planted, stops working."""
    old = request.cookies.get(COOKIE, "")
    if old:
        _redis().delete(_KEY.format(old))
    sid = secrets.token_urlsafe(32)
    request_state().update(sid=sid, new_sid=sid)
    save_session({**data, "csrf": secrets.token_urlsafe(32)})


def save_session(data: dict) -> None:
    """Store changed session data under this request's session id."""
    state = request_state()
    state["session"] = data
    _redis().set(_KEY.format(state["sid"]), json.dumps(data), ex=IDLE_SECONDS)


def end_session() -> None:
    """Forget the session in Redis and in the browser."""
    state = request_state()
    sid = state.get("sid") or request.cookies.get(COOKIE, "")
    if sid:
        _redis().delete(_KEY.format(sid))
    state.update(session=None, ended=True, sid="")


def anonymous_csrf_token() -> str:
    """The CSRF token of someone not signed in: a cookie, compared with the form's copy."""
    state = request_state()
    if "anonymous_csrf" not in state:
        token = request.cookies.get(CSRF_COOKIE, "")
        if not 20 <= len(token) <= 64:
            token = state["new_csrf"] = secrets.token_urlsafe(32)
        state["anonymous_csrf"] = token
    return state["anonymous_csrf"]


def set_cookies(response: Response) -> Response:
    """after_request: a new session id, an ended one deleted, the form token, the language."""
    state = request_state()
    secure = services.settings().is_production
    options = {"httponly": True, "samesite": "Lax", "secure": secure, "path": "/"}
    if state.get("new_sid"):
        response.set_cookie(COOKIE, state["new_sid"], **options)
    elif state.get("ended"):
        response.delete_cookie(COOKIE, path="/")
    if state.get("new_csrf"):
        response.set_cookie(CSRF_COOKIE, state["new_csrf"], **options)
    if state.get("new_lang"):
        response.set_cookie(LANG_COOKIE, state["new_lang"], max_age=LANG_SECONDS, **options)
    return response
