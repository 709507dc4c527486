"""The gateway's Flask app: settings -> extensions -> blueprints."""

from __future__ import annotations

import redis
from flask import Flask, jsonify
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from config.settings import Settings, load_settings
from gateway.db import Database, close_request_session
from gateway.logs import configure_logging
from gateway.metrics import init_metrics
from gateway.redis_conn import connect_redis, redis_url
from gateway.sessions import PhoneBusy


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app; raises config.settings.ConfigError when the settings cannot work."""
    settings = settings or load_settings()
    configure_logging(settings.LOG_LEVEL)
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config.update(SECRET_KEY=settings.SECRET_KEY, MAX_CONTENT_LENGTH=1024 * 1024)
    app.extensions["settings"] = settings
    if settings.TRUSTED_PROXIES:
        # Behind N load balancers: the client's address, scheme and host come from their
        # X-Forwarded-* headers (sign-in throttle, audit, Twilio's signed URL).
        n = settings.TRUSTED_PROXIES
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)
    app.extensions["database"] = Database(settings.sqlalchemy_url)
    app.extensions["redis"] = connect_redis(redis_url(settings))
    app.teardown_appcontext(close_request_session)
    init_metrics(app)
    register_blueprints(app)
    app.register_error_handler(HTTPException, _http_error)
    for unavailable in (PhoneBusy, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
                        OperationalError):  # fmt: skip
        app.register_error_handler(unavailable, _try_again_later)
    app.register_error_handler(Exception, _unexpected_error)
    return app


def register_blueprints(app: Flask) -> None:
    from gateway import health, home
    from gateway.channels import register_channels
    from gateway.console import register_console

    app.register_blueprint(health.bp)
    app.register_blueprint(home.bp)
    register_channels(app)
    register_console(app)


def _http_error(exc: HTTPException):
    return jsonify(error=exc.name), exc.code


def _try_again_later(exc: Exception):
    """A dependency is down or the phone is busy: 503, so the carrier delivers again later.

    Nothing was acknowledged, so nothing is lost; a message already stored is deduplicated
    by its carrier id when it comes back.
    """
    from flask import current_app

    current_app.logger.warning("unavailable: %s", type(exc).__name__)
    response = jsonify(error="temporarily unavailable")
    response.headers["Retry-After"] = "5"
    return response, 503


def _unexpected_error(exc: Exception):
    """Never a stack trace to the caller: log it, answer a short 500."""
    from flask import current_app

    current_app.logger.exception("unhandled error: %s", type(exc).__name__)
    return jsonify(error="internal error"), 500
