"""The operators' and staff's web console: one blueprint per area, registered here.

May import: everything below it (dialog for the simulator, programme, store, monitoring).
"""

from __future__ import annotations

import importlib
import logging

from flask import Blueprint, Flask, abort, jsonify, render_template, request
from flask.sessions import SecureCookieSessionInterface
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from gateway.platform.logs import log_exception

# Modules of gateway.console, each with a blueprint `bp`; add an area with one line.
# An area may also define NAV = [(path, i18n key, permission), ...] (see roles.py).
AREAS: tuple[str, ...] = (
    "home",
    "auth",
    "password",
    "registrations",
    "quotas",
    "exports",
    "report",
    "payments",
    "notices",
    "users",
    "audit",
    "monitor",
    "conversations",
    "support",
    "messages",
    "simulator",
    "api",
)

logger = logging.getLogger(__name__)
_MESSAGES = (400, 403, 404, 414, 503)
MAX_QUERY = 2048  # longer query strings get the console's 414 page, not a proxy's bare one
_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OperationalError)


class ConsoleCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session (flash messages) on the console's pages only: a
    webhook or a health check, which never flashes, does not unsign a cookie per request."""

    def open_session(self, app: Flask, request):
        if not request.path.startswith("/console"):
            return self.make_null_session(app)
        return super().open_session(app, request)


def register_console(app: Flask) -> None:
    """Register every console area's blueprint, each behind CSRF and with HTML errors."""
    from gateway.console.csrf import csrf_protect
    from gateway.console.session import set_cookies
    from gateway.platform import services
    from gateway.platform.services import close_request_session

    # Flask's own session cookie (it carries flash messages) gets the console's flags.
    with app.app_context():
        production = services.settings().is_production
    app.config.update(
        SESSION_COOKIE_SECURE=production,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
    )
    app.session_interface = ConsoleCookieSessions()
    app.after_request(_headers_for_console_paths)
    for code in (404, 405):  # raised while routing, before any console blueprint is chosen
        app.register_error_handler(code, _routing_error)
    nav = []
    for area in AREAS:
        module = importlib.import_module(f"gateway.console.{area}")
        bp: Blueprint = module.bp
        if not bp._got_registered_once:  # blueprints are module-level: set up once
            bp.before_request(_refuse_long_queries)
            bp.before_request(csrf_protect)
            bp.after_request(set_cookies)
            bp.register_error_handler(Exception, _console_error)
            bp.teardown_request(close_request_session)  # tests share one app context
        app.register_blueprint(bp)
        nav.extend(getattr(module, "NAV", ()))
    app.extensions["console_nav"] = nav
    _register_templating(app)


def _register_templating(app: Flask) -> None:
    from gateway.console.auth import current_user
    from gateway.console.csrf import csrf_token
    from gateway.console.filters import register_filters
    from gateway.console.i18n import current_lang, t

    register_filters(app)
    app.jinja_env.globals.update(
        t=t,
        csrf_token=csrf_token,
        current_user=current_user,
        current_lang=current_lang,
        console_nav=console_nav,
    )


def console_nav() -> list[tuple[str, str]]:
    """(path, i18n key) of the pages the signed-in user may open, in AREAS order."""
    from flask import current_app

    from gateway.console.auth import current_user

    user = current_user()
    if user is None or user.must_change_password:
        return []
    return [
        (path, key)
        for path, key, permission in current_app.extensions["console_nav"]
        if user.may(permission)
    ]


def _refuse_long_queries() -> None:
    if len(request.query_string) > MAX_QUERY:
        abort(414)


def _headers_for_console_paths(response):
    """Security headers on console pages and its static files (which may be cached)."""
    from gateway.console.headers import add_security_headers

    if request.path.startswith("/console"):
        return add_security_headers(response)
    if request.path.startswith("/static/"):
        return add_security_headers(response, cache=True)
    return response


def _routing_error(exc: HTTPException):
    """Console paths get the console's page; every other path the app's JSON."""
    if request.path.startswith("/console"):
        return _console_error(exc)
    return jsonify(error=exc.name), exc.code


def _console_error(exc: Exception):
    """An HTML page with a short message: never a stack trace."""
    from gateway.console.i18n import t

    if isinstance(exc, HTTPException):
        status = exc.code or 500
    elif isinstance(exc, _UNAVAILABLE):
        status = 503
        logger.warning("console unavailable: %s", type(exc).__name__)
    else:
        status = 500
        log_exception(logger, "console_error", exc, path=request.path)
    if status in _MESSAGES:
        key = f"error.{status}"
    else:
        key = "error.500" if status >= 500 else "error.400"
    if (
        request.path.startswith("/console/api/")
        or request.accept_mimetypes.best == "application/json"
    ):
        return jsonify(error=t(key)), status
    return render_template("console/error.html", message=t(key), status=status), status
