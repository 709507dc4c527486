"""`smsgw users create`: console users from the command line."""

from __future__ import annotations

import click

from gateway.cli.context import with_app
from gateway.platform import services
from gateway.store.models import ROLES


@click.group()
def users() -> None:
    """Console users."""


@users.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--association", default=None, help="Association code (staff of one association).")
@click.password_option(prompt="Password", help="Asked for when not given.")
@with_app
def users_create(app, username: str, role: str, association: str | None, password: str):
    """Create a console user."""
    from gateway.console.accounts import UserError, create_user

    try:
        with services.database().session(write=True) as session:
            create_user(session, username, role, association, password)
    except UserError as exc:
        if exc.field in ("password", "association"):
            hint = "password" if exc.field == "password" else "--association"
            raise click.BadParameter(str(exc), param_hint=hint) from None
        raise click.ClickException(str(exc)) from None
    click.echo(f"user {username} created ({role}{', ' + association if association else ''})")


COMMANDS = (users,)
