"""The gateway's Flask app: settings -> services -> blueprints.

Folders, each a part of the architecture (see the README's architecture section):
platform (db, redis, logs, dates), store (models and SQL), monitoring (metrics, health,
the console's counters), outbound (providers, sending, delivery reports), programme
(decisions, quotas, waitlists, files, jobs), dialog (the one inbound path), channels
(carriers' webhooks), console (staff pages), cli (the `smsgw` command).
"""

from __future__ import annotations

import logging

import redis
from flask import Flask, jsonify
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from config.settings import Settings, load_settings
from gateway.dialog.sessions import PhoneBusy
from gateway.platform.db import Database, engine_options
from gateway.platform.logs import configure_logging, log_exception
from gateway.platform.redis_client import connect_redis
from gateway.platform.services import Services, close_request_session, install


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app; raises config.settings.ConfigError when the settings cannot work."""
    settings = settings or load_settings()
    configure_logging(settings.LOG_LEVEL)
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config.update(SECRET_KEY=settings.SECRET_KEY, MAX_CONTENT_LENGTH=1024 * 1024)
    if settings.TRUSTED_PROXIES:
        # Behind N load balancers: the client's address, scheme and host come from their
        # X-Forwarded-* headers (sign-in throttle, audit, Twilio's signed URL).
        n = settings.TRUSTED_PROXIES
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)
    services = Services(
        settings=settings,
        database=Database(settings.sqlalchemy_url, engine_options(settings)),
        redis=connect_redis(settings),
    )
    install(app, services)
    app.teardown_appcontext(close_request_session)
    register_blueprints(app, services)
    app.register_error_handler(HTTPException, _http_error)
    for unavailable in (PhoneBusy, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
                        OperationalError):  # fmt: skip
        app.register_error_handler(unavailable, _try_again_later)
    app.register_error_handler(Exception, _unexpected_error)
    return app


def register_blueprints(app: Flask, services: Services) -> None:
    from gateway.channels import register_channels
    from gateway.console import register_console
    from gateway.dialog import install_conversation
    from gateway.dialog.conversation import Conversation
    from gateway.monitoring import health
    from gateway.monitoring.metrics import init_metrics

    init_metrics(app)
    install_conversation(app, Conversation(services))
    app.register_blueprint(health.bp)
    register_channels(app, services.settings)
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
    """Never a stack trace to the caller, nor a value in the log: one safe line, a short 500."""
    from flask import request

    log_exception(logging.getLogger("smsgw.web"), "unhandled_error", exc, path=request.path)
    return jsonify(error="internal error"), 500
