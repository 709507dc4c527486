"""Console users' lifecycle, the same from the CLI and the console: create, change role or
association, reset a password, disable and enable; every change is audited."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from gateway.console.passwords import hash_password
from gateway.console.roles import ROLE_TABLE, needs_association
from gateway.platform.dates import utcnow
from gateway.store import users as store
from gateway.store.audit import add_audit_event
from gateway.store.models import Association, User

MIN_PASSWORD = 10
_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


class UserError(ValueError):
    """A change that cannot be made; `field` names the input at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def check_password_rule(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError("password", f"use at least {MIN_PASSWORD} characters")


def check_role(session: Session, role: str, association: str | None) -> str | None:
    """The association a user of `role` keeps: required for staff, none for every other role."""
    association = (association or "").strip() or None
    if role not in ROLE_TABLE:
        raise UserError("role", f"role must be one of {', '.join(ROLE_TABLE)}")
    if not needs_association(role):
        if association is not None:
            raise UserError("association", f"a {role} user has no association")
        return None
    if association is None:
        raise UserError(
            "association", "staff need --association CODE (head-office staff: --role head_office)"
        )
    if session.get(Association, association) is None:
        raise UserError("unknown_association", f"no association {association!r}")
    return association


def create_user(
    session: Session,
    username: str,
    role: str,
    association: str | None,
    password: str,
    actor: str,
    must_change_password: bool = False,
) -> User:
    """Check and add a user (argon2 hash); raises UserError with a short reason.
    `must_change_password`: the password was chosen for them, they choose their own."""
    username = username.strip()
    if not _USERNAME.match(username):
        raise UserError("username", "use 1-64 letters, digits or . _ - @")
    association = check_role(session, role, association)
    check_password_rule(password)
    if store.find_user(session, username):
        raise UserError("username", f"user {username!r} exists already")
    user = store.add_user(
        session,
        username=username,
        password_hash=hash_password(password),
        role=role,
        association_code=association,
        must_change_password=must_change_password,
    )
    audit(session, actor, "user.created", user, role=role, association=association)
    return user


def change_role(
    session: Session, user: User, role: str, association: str | None, actor: str
) -> bool:
    """Give `user` a role (and the association it needs); False when nothing changed."""
    association = check_role(session, role, association)
    if (user.role, user.association_code) == (role, association):
        return False
    before = {"role": user.role, "association": user.association_code}
    user.role, user.association_code = role, association
    audit(session, actor, "user.role_changed", user, role=role, association=association,
          was=before)  # fmt: skip
    return True


def reset_password(session: Session, user: User, password: str, actor: str) -> None:
    """A new password set by `actor`: the user must choose their own at the next sign-in."""
    check_password_rule(password)
    user.password_hash = hash_password(password)
    user.must_change_password = True
    audit(session, actor, "user.password_reset", user)


def change_own_password(session: Session, user: User, password: str) -> None:
    """The user's own new password (ends a forced change)."""
    check_password_rule(password)
    user.password_hash = hash_password(password)
    user.must_change_password = False
    audit(session, user.username, "user.password_changed", user)


def set_disabled(session: Session, user: User, disabled: bool, actor: str) -> bool:
    """Disable (sessions end, sign-in refused) or enable again; False when already so."""
    if (user.disabled_at is not None) == disabled:
        return False
    user.disabled_at = utcnow() if disabled else None
    audit(session, actor, "user.disabled" if disabled else "user.enabled", user)
    return True


def audit(session: Session, actor: str, action: str, user: User, **details) -> None:
    add_audit_event(session, actor, action, user.username, **details)
