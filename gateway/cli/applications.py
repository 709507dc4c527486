"""`smsgw applications show|cancel`: support staff's view of one application."""

from __future__ import annotations

import click

from gateway.cli.context import cli_actor, with_app
from gateway.platform import services
from gateway.platform.masking import mask_digits, mask_phone


@click.group()
def applications() -> None:
    """Look up and cancel applications."""


@applications.command("show")
@click.argument("tracking_code")
@click.option("--reveal", is_flag=True, help="Show the national ID and pension number (audited).")
@with_app
def show(app, tracking_code: str, reveal: bool) -> None:
    """Print an application, its decision history and its messages."""
    from gateway.store import applications as store
    from gateway.store import messages as message_store
    from gateway.store.audit import add_audit_event

    database = services.database()
    with database.session(write=reveal) as session:
        found = store.find_application(session, tracking_code)
        if found is None:
            raise click.ClickException(f"no application {tracking_code}")
        if reveal:
            add_audit_event(session, cli_actor(), "national_id_revealed", tracking_code)
        hide = (lambda v: v) if reveal else mask_digits
        click.echo(f"application {found.tracking_code}  ({found.channel}, {found.lang})")
        for label, value in (
            ("national ID", hide(found.national_id)),
            ("pension number", hide(found.pension_number)),
            ("phone", mask_phone(found.phone)),
            ("association", found.association_code or "-"),
            ("phase", found.phase or "-"),
            ("status", found.status),
            ("reason", found.reason or "-"),
            ("flags", found.flags or "-"),
            ("waitlist position", found.waitlist_position or "-"),
            ("created at", found.created_at.isoformat(timespec="seconds")),
            (
                "decided at",
                found.decided_at.isoformat(timespec="seconds") if found.decided_at else "-",
            ),
        ):
            click.echo(f"  {label + ':':19}{value}")
        click.echo("history:")
        for event in store.application_events(session, found.id):
            click.echo(f"  {event.at:%Y-%m-%d %H:%M:%S}  {event.event:13} {event.detail}")
        click.echo("messages:")
        for message in message_store.application_messages(session, found.id):
            click.echo(
                f"  #{message.id} {message.kind} {message.status} via {message.channel}"
                f" attempts={message.attempts} {message.error_code or ''}"
            )
            click.echo(f"    {message.text}")
            for event in message_store.message_events(session, message.id):
                extra = " ".join(filter(None, [event.error_code, event.detail]))
                click.echo(f"    {event.at:%Y-%m-%d %H:%M:%S}  {event.status:11} {extra}")


@applications.command("cancel")
@click.argument("tracking_code")
@click.option(
    "--reason", "note", required=True,
    help="Why, in plain words: the pensioner reads it by SMS (its first 60 characters); "
    "kept whole in the history and audit log.",
)  # fmt: skip
@with_app
def cancel(app, tracking_code: str, note: str) -> None:
    """Cancel an application: its place goes to the head of the waitlist, and the
    pensioner is texted the reason."""
    from gateway.programme.cancellation import CancelError, cancel_application

    try:
        cancelled = cancel_application(services.current(), tracking_code, note, cli_actor())
    except CancelError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"application {cancelled.tracking_code} cancelled")


COMMANDS = (applications,)
