"""`smsgw notices send|list`: broadcast an SMS to the phones of matching applications."""

from __future__ import annotations

from pathlib import Path

import click

from gateway.cli.context import cli_actor, with_app
from gateway.platform import services
from gateway.store.models import STATUSES


@click.group()
def notices() -> None:
    """Broadcast notices to applicants."""


@notices.command("send")
@click.option("--status", required=True, type=click.Choice(STATUSES), help="Applications in it.")
@click.option("--association", help="Only this association's applications.")
@click.option("--phase", type=click.IntRange(1), help="Only this phase.")
@click.option(
    "--text-file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The SMS text, UTF-8 (at most 2 SMS).",
)  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Print the count of phones; send nothing.")
@with_app
def notices_send(app, status, association, phase, text_file: Path, dry_run: bool) -> None:
    """Text every phone whose application matches, once per notice (STOP honoured).

    The same text and filters again resume the same notice: a phone reached already is
    not reached again, so a run killed half-way is finished by running it again.
    """
    from gateway.programme.broadcasts import (
        NoticeError,
        check_text,
        find_audience,
        send_notice,
        start_notice,
    )
    from gateway.store.registrations import RegistrationFilters
    from gateway.store.registry import association_codes

    current = services.current()
    with current.database.session() as session:
        if association is not None and association not in association_codes(session):
            raise click.BadParameter(f"no association {association!r}", param_hint="--association")
    try:
        text = check_text(text_file.read_text("utf-8-sig"))
    except (NoticeError, UnicodeDecodeError) as exc:
        raise click.BadParameter(str(exc), param_hint="--text-file") from None
    filters = RegistrationFilters(association, phase, status)
    audience = find_audience(current, filters)
    click.echo(f"{len(audience.phones)} phones ({audience.opted_out} of them sent STOP)")
    if dry_run:
        click.echo("dry run: nothing sent")
        return
    notice = start_notice(current, text, filters, cli_actor())
    count = send_notice(
        current, notice.id, cli_actor(),
        progress=lambda done, total: click.echo(f"  {done}/{total} phones queued"),
    )  # fmt: skip
    click.echo(f"notice {notice.id}: {count} phones reached (see smsgw notices list)")


@notices.command("list")
@with_app
def notices_list(app) -> None:
    """The latest notices with their filters and how far their SMS have got."""
    from gateway.store import notices as store

    with services.database().session() as session:
        found = store.recent_notices(session, None)
        progress = store.notice_progress(session, [notice.id for notice in found])
    for notice in found:
        states = ", ".join(f"{k} {v}" for k, v in sorted(progress[notice.id].items()))
        where = (
            f"status={notice.status} association={notice.association_code or 'all'} "
            f"phase={notice.phase or 'all'}"
        )
        click.echo(f"#{notice.id} {notice.created_at:%Y-%m-%d %H:%M} by {notice.actor}: {where}")
        click.echo(f"    {notice.recipients} phones: {states or 'none yet'}")


COMMANDS = (notices,)
