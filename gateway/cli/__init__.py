"""The `smsgw` command: one module per group of commands, added to the one group here.

run/serve (processes), database (schema, demo data), programme (registry, quotas,
phases, export), payments, notices, applications, users, simulate. May import anything in gateway.
"""

from __future__ import annotations

import click


@click.group(help="Pensioner loan registration gateway.")
def cli() -> None:
    pass


def main() -> None:
    cli(prog_name="smsgw")


def _register_commands() -> None:
    from gateway.cli import (
        applications,
        database,
        notices,
        payments,
        programme,
        run,
        serve,
        simulate,
        users,
    )

    for module in (
        run,
        serve,
        database,
        programme,
        payments,
        notices,
        applications,
        users,
        simulate,
    ):
        for command in module.COMMANDS:
            cli.add_command(command)


_register_commands()
