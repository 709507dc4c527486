"""Server-side console sessions: a random id in a cookie, the data as JSON in Redis."""

from __future__ import annotations

import json
import secrets

from flask import request
from flask.wrappers import Response

from gateway.platform import services

COOKIE = "smsgw_console"
IDLE_SECONDS = 8 * 3600  # a signed-in session ends after 8 hours without a request
ANONYMOUS_SECONDS = 3600  # the language and CSRF token of someone not signed in yet
_KEY = "smsgw:console:session:{}"


def request_state() -> dict:
    """This request's console state; not `g`, which an app context may share across requests."""
    return request.environ.setdefault("smsgw.console", {})


def _redis():
    return services.redis_client()


def _ttl(data: dict) -> int:
    return IDLE_SECONDS if data.get("user_id") else ANONYMOUS_SECONDS


def get_session(create: bool = False) -> dict | None:
    """This request's session data (its expiry refreshed), or a new one when `create`."""
    state = request_state()
    if "session" in state:
        return state["session"]
    sid = request.cookies.get(COOKIE, "")
    data = None
    if 20 <= len(sid) <= 64:
        raw = _redis().get(_KEY.format(sid))
        if raw is not None:
            data = json.loads(raw)
            _redis().expire(_KEY.format(sid), _ttl(data))
    if data is None:
        if not create:
            return None
        sid, data = secrets.token_urlsafe(32), {"lang": "fa", "csrf": secrets.token_urlsafe(32)}
        state["new_sid"] = sid
        _write(sid, data)
    state["sid"], state["session"] = sid, data
    return data


def save_session(data: dict) -> None:
    """Store changed session data under this request's session id."""
    state = request_state()
    state["session"] = data
    _write(state["sid"], data)


def _write(sid: str, data: dict) -> None:
    _redis().set(_KEY.format(sid), json.dumps(data), ex=_ttl(data))


def rotate_session(data: dict) -> None:
    """A new id for new privileges (sign-in): the old id, maybe planted, stops working."""
    old = request_state().get("sid")
    if old:
        _redis().delete(_KEY.format(old))
    sid = secrets.token_urlsafe(32)
    data = {**data, "csrf": secrets.token_urlsafe(32)}
    request_state().update(sid=sid, new_sid=sid)
    save_session(data)


def end_session() -> None:
    """Forget the session in Redis and in the browser."""
    state = request_state()
    sid = state.pop("sid", None) or request.cookies.get(COOKIE, "")
    if sid:
        _redis().delete(_KEY.format(sid))
    state.pop("session", None)
    state["ended"] = True


def set_session_cookie(response: Response) -> Response:
    """after_request: send a new session id, or delete an ended one."""
    state = request_state()
    if state.get("new_sid"):
        secure = services.settings().is_production
        response.set_cookie(
            COOKIE, state["new_sid"], httponly=True, samesite="Lax", secure=secure, path="/"
        )
    elif state.get("ended"):
        response.delete_cookie(COOKIE, path="/")
    return response
