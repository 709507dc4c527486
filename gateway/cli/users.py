"""`smsgw users ...`: console users' lifecycle from the command line (audited as `cli:USER`)."""

from __future__ import annotations

import click

from gateway.cli.context import cli_actor, with_app
from gateway.platform import services
from gateway.store.models import ROLES


@click.group()
def users() -> None:
    """Console users."""


def _fail(exc) -> None:
    """A UserError as click reports it: a bad option (exit 2) or a plain error (exit 1)."""
    hints = {"password": "password", "association": "--association", "role": "--role",
             "unknown_association": "--association"}  # fmt: skip
    if exc.field in hints:
        raise click.BadParameter(str(exc), param_hint=hints[exc.field]) from None
    raise click.ClickException(str(exc)) from None


def _find(session, username: str):
    from gateway.store.users import find_user

    user = find_user(session, username)
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    return user


@users.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--association", default=None, help="Association code (required for staff).")
@click.password_option(prompt="Password", help="Asked for when not given.")
@with_app
def users_create(app, username: str, role: str, association: str | None, password: str):
    """Create a console user (staff of one association need --association)."""
    from gateway.console.accounts import UserError, create_user

    try:
        with services.database().session(write=True) as session:
            create_user(session, username, role, association, password, cli_actor())
    except UserError as exc:
        _fail(exc)
    click.echo(f"user {username} created ({role}{', ' + association if association else ''})")


@users.command("list")
@with_app
def users_list(app):
    """Every user: role, association, state, last sign-in."""
    from gateway.platform.dates import iso_utc
    from gateway.store.users import list_users

    with services.database().session() as session:
        for user in list_users(session):
            state = "disabled" if user.disabled_at else "active"
            state += ", must change password" if user.must_change_password else ""
            last = iso_utc(user.last_sign_in_at) or "never"
            click.echo(
                f"{user.username}\t{user.role}\t{user.association_code or '-'}\t{state}\t{last}"
            )


@users.command("set-role")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--association", default=None, help="Association code (required for staff).")
@with_app
def users_set_role(app, username: str, role: str, association: str | None):
    """Change a user's role (and association)."""
    from gateway.console.accounts import UserError, change_role

    try:
        with services.database().session(write=True) as session:
            changed = change_role(session, _find(session, username), role, association,
                                  cli_actor())  # fmt: skip
    except UserError as exc:
        _fail(exc)
    click.echo(f"user {username}: {role}" if changed else f"user {username}: unchanged")


@users.command("reset-password")
@click.argument("username")
@click.password_option(prompt="Temporary password", help="Asked for when not given.")
@with_app
def users_reset_password(app, username: str, password: str):
    """Set a temporary password; the user must choose their own at the next sign-in."""
    from gateway.console.accounts import UserError, reset_password

    try:
        with services.database().session(write=True) as session:
            reset_password(session, _find(session, username), password, cli_actor())
    except UserError as exc:
        _fail(exc)
    click.echo(f"user {username}: temporary password set (to be changed at next sign-in)")


@users.command("disable")
@click.argument("username")
@with_app
def users_disable(app, username: str):
    """Disable a user: their sessions end and sign-in is refused."""
    _set_disabled(username, True)


@users.command("enable")
@click.argument("username")
@with_app
def users_enable(app, username: str):
    """Enable a disabled user again."""
    _set_disabled(username, False)


def _set_disabled(username: str, disabled: bool) -> None:
    from gateway.console.accounts import set_disabled

    with services.database().session(write=True) as session:
        changed = set_disabled(session, _find(session, username), disabled, cli_actor())
    word = "disabled" if disabled else "enabled"
    click.echo(f"user {username} {word}" if changed else f"user {username} was already {word}")


COMMANDS = (users,)
