"""`smsgw payments import`: the bank's results (paid / failed) for approved applications."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from gateway.cli.context import cli_actor, with_app
from gateway.cli.programme import FILE_ARGUMENT, REJECTS_OPTION, echo_import_summary, file_progress
from gateway.platform import services

logger = logging.getLogger(__name__)


@click.group()
def payments() -> None:
    """The bank's payment results."""


@payments.command("import")
@FILE_ARGUMENT
@REJECTS_OPTION
@click.option("--strict", is_flag=True, help="Import nothing if any row is bad (exit 1).")
@with_app
def payments_import(app, file: Path, rejects: Path | None, strict: bool) -> None:
    """Mark approved applications paid or payment_failed from the bank's CSV.

    Each change texts the pensioner once; a file imported again changes and sends
    nothing (its rows count as unchanged). Bad rows are listed with their line and
    reason and written to the rejects file.
    """
    from gateway.platform.logs import log_event
    from gateway.programme.payments import import_payments
    from gateway.programme.staff_files import FileError

    rejects = rejects or file.with_suffix(".rejects.csv")
    with file_progress(file, passes=1) as progress:
        try:
            report = import_payments(
                services.current(), file, rejects, cli_actor(), strict=strict, progress=progress
            )
        except FileError as exc:
            raise click.ClickException(str(exc)) from None
    log_event(
        logger, "payments_imported", imported=report.imported, unchanged=report.unchanged,
        rejected=report.rejected,
    )  # fmt: skip
    echo_import_summary(report, strict)


COMMANDS = (payments,)
