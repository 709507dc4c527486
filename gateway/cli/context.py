"""What every `smsgw` command shares: the settings, and running inside the app."""

from __future__ import annotations

import functools
import getpass

import click
import redis
from sqlalchemy.exc import InterfaceError, OperationalError

from config.settings import ConfigError, Settings, load_settings


def load_cli_settings() -> Settings:
    """The settings, or a one-line error for the operator."""
    try:
        return load_settings()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def with_app(func):
    """Run the command inside an app context, with the app as first argument.

    With no REDIS_URL (nor REDIS_SENTINELS) the embedded Redis under instance/ is started
    for this command (it stops when the command does, unless `smsgw run` started it for everyone).
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from gateway import create_app
        from gateway.platform.embedded_redis import start_embedded_redis

        settings = load_cli_settings()
        if settings.embedded_redis:
            try:
                start_embedded_redis(settings.instance_path)
            except RuntimeError as exc:
                raise click.ClickException(str(exc)) from None
        app = create_app(settings)
        with app.app_context():
            try:
                return func(app, *args, **kwargs)
            except (OperationalError, InterfaceError) as exc:
                raise click.ClickException(_unavailable("database", exc)) from None
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                raise click.ClickException(_unavailable("Redis", exc)) from None

    return wrapper


def _unavailable(what: str, exc: Exception) -> str:
    """One line for a server that stopped answering (a restart, a network cut), not the
    driver's traceback: the command's own transaction was rolled back."""
    return f"the {what} did not answer ({type(exc).__name__}); try again when it does"


def cli_actor() -> str:
    """Who a command acts as, in the audit log."""
    return f"cli:{getpass.getuser()}"
