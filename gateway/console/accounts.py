"""Console users: creating one, the same way from the CLI and from the console."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from gateway.console.passwords import hash_password
from gateway.store import users as store
from gateway.store.models import ROLES, Association, User

MIN_PASSWORD = 10
_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


class UserError(ValueError):
    """A user that cannot be created; `field` names the input at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def create_user(
    session: Session, username: str, role: str, association: str | None, password: str
) -> User:
    """Check and add a user (argon2 hash); raises UserError with a short reason."""
    username, association = username.strip(), (association or "").strip() or None
    if not _USERNAME.match(username):
        raise UserError("username", "use 1-64 letters, digits or . _ - @")
    if role not in ROLES:
        raise UserError("role", f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise UserError("password", f"use at least {MIN_PASSWORD} characters")
    if store.find_user(session, username):
        raise UserError("username", f"user {username!r} exists already")
    if association and session.get(Association, association) is None:
        raise UserError("association", f"no association {association!r}")
    return store.add_user(
        session,
        username=username,
        password_hash=hash_password(password),
        role=role,
        association_code=association,
    )
