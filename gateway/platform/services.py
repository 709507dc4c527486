"""The app's services, reached through typed accessors instead of `current_app.extensions`."""

from __future__ import annotations

from dataclasses import dataclass

import redis
from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from config.settings import Settings
from gateway.platform.db import Database

_KEY = "smsgw"


@dataclass(frozen=True)
class Services:
    """What every request and job works with: settings, the database and Redis."""

    settings: Settings
    database: Database
    redis: redis.Redis


def install(app: Flask, services: Services) -> None:
    """Bind the services to the app (create_app does this once)."""
    app.extensions[_KEY] = services


def current() -> Services:
    """The services of the current app (inside a request, a job or a CLI command)."""
    return current_app.extensions[_KEY]


def settings() -> Settings:
    return current().settings


def database() -> Database:
    return current().database


def redis_client() -> redis.Redis:
    return current().redis


def request_session() -> Session:
    """The database session of this request (or app context), closed at teardown."""
    if "db_session" not in g:
        g.db_session = database().sessions()
    return g.db_session


def close_request_session(_exc=None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
