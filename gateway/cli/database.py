"""`smsgw db upgrade` and `smsgw demo-data`: the schema, and a synthetic programme to try."""

from __future__ import annotations

import click

from gateway.cli.context import load_cli_settings, with_app
from gateway.platform import services


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration (safe to run again)."""
    from gateway.platform.db import engine_options
    from gateway.store.migrate import upgrade_database

    settings = load_cli_settings()
    upgrade_database(settings.sqlalchemy_url, engine_options(settings, statement_timeout=False))
    click.echo("database is up to date")


@click.command("demo-data")
@click.option("--pensioners", default=10_000, show_default=True, type=click.IntRange(0))
@with_app
def demo_data(app, pensioners: int) -> None:
    """Synthetic registry, the 31 associations, 4 phases (the first open now) and quotas.

    Development and test only: in production it would mix made-up pensioners (from a
    public seed) into the real registry.
    """
    from gateway.programme.demo_data import seed_demo_data

    if services.settings().is_production:
        raise click.ClickException(
            "demo-data is refused in production: it would add synthetic pensioners "
            "to the real registry (set GATEWAY_ENV=development on a trial machine)"
        )
    with services.database().session(write=True) as session:
        seed_demo_data(session, pensioners, services.settings().TIMEZONE)
    click.echo(f"demo data ready ({pensioners} pensioners)")


COMMANDS = (db, demo_data)
