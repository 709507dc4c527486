"""`smsgw registry|quotas|phases|export`: the programme's data in and out."""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from gateway.cli.context import cli_actor, with_app
from gateway.platform import services
from gateway.store.models import STATUSES

logger = logging.getLogger(__name__)


FILE_ARGUMENT = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
REJECTS_OPTION = click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where the bad rows go (default: FILE.rejects.csv).",
)


@contextmanager
def file_progress(path: Path, passes: int):
    """A progress bar by bytes read when stdout is a terminal; else no callback."""
    if not sys.stdout.isatty():
        yield None
        return
    size = path.stat().st_size * passes
    with click.progressbar(length=size, label=f"reading {path.name}") as bar:
        yield lambda position: bar.update(position - bar.pos)


def echo_import_summary(report, strict: bool = False) -> None:
    """The first rejects with line and reason, `imported N, rejected M (see FILE)`, the
    association codes no quotas file has named yet; and, when no row was imported (or
    found done already), a non-zero exit whose last line is the most frequent reason."""
    for line, reason in report.first_rejects:
        click.echo(f"line {line}: {reason}")
    if report.rejected > len(report.first_rejects):
        click.echo(f"... and {report.rejected - len(report.first_rejects)} more")
    see = f" (see {report.rejects_path})" if report.rejected else ""
    done = f", unchanged {report.unchanged} (done already)" if report.unchanged else ""
    click.echo(f"imported {report.imported}{done}, rejected {report.rejected}{see}")
    if report.unnamed:
        codes = ", ".join(f"{code} ({rows} rows)" for code, rows in report.unnamed.items())
        click.echo(
            f"warning: no quotas file has named these association codes yet (a typo?): {codes}"
        )
    if report.imported or report.unchanged:
        return
    why = "--strict, " if strict and report.rejected else ""
    if report.top_reason is None:
        raise click.ClickException("nothing imported: the file has no rows")
    kind, rows = report.top_reason
    raise click.ClickException(
        f"nothing imported ({why}{report.rejected} bad rows); most frequent reason "
        f"({rows} rows): {kind}"
    )


@click.group()
def registry() -> None:
    """The pensioner registry."""


@registry.command("import")
@FILE_ARGUMENT
@click.option("--strict", is_flag=True, help="Import nothing if any row is bad (exit 1).")
@REJECTS_OPTION
@with_app
def registry_import(app, file: Path, strict: bool, rejects: Path | None) -> None:
    """Import or update pensioners from a CSV (upsert by national ID).

    Bad rows are listed with their line and reason, written to the rejects file and
    skipped; the good ones are imported (exit 0). With --strict, one bad row means
    nothing is imported (exit 1). A national ID twice in the file: the later row wins.
    """
    from gateway.platform.logs import log_event
    from gateway.programme.registry_import import import_registry
    from gateway.programme.staff_files import FileError

    settings = services.settings()
    digits = (settings.PENSION_NUMBER_MIN_DIGITS, settings.PENSION_NUMBER_MAX_DIGITS)
    rejects = rejects or file.with_suffix(".rejects.csv")
    with file_progress(file, passes=2 if strict else 1) as progress:
        try:
            report = import_registry(
                services.database(), file, rejects, cli_actor(), strict=strict,
                pension_digits=digits, progress=progress,
            )  # fmt: skip
        except FileError as exc:
            raise click.ClickException(str(exc)) from None
    log_event(logger, "registry_imported", imported=report.imported, rejected=report.rejected)
    echo_import_summary(report, strict)


@click.group()
def quotas() -> None:
    """Quotas of each association per phase."""


@quotas.command("import")
@FILE_ARGUMENT
@REJECTS_OPTION
@with_app
def quotas_import(app, file: Path, rejects: Path | None) -> None:
    """Set associations' names and quota limits; raised quotas promote their waitlists."""
    from redis.exceptions import RedisError

    from gateway.platform.logs import log_event
    from gateway.programme.quotas import import_quotas
    from gateway.programme.staff_files import FileError
    from gateway.programme.waitlist import queue_promotion

    try:
        report = import_quotas(
            services.database(), file, rejects or file.with_suffix(".rejects.csv"), cli_actor()
        )
    except FileError as exc:
        raise click.ClickException(str(exc)) from None
    log_event(logger, "quotas_imported", imported=report.imported, raised=len(report.raised))
    echo_import_summary(report)
    try:
        for code, phase in report.raised:
            queue_promotion(services.redis_client(), code, phase)
    except RedisError as exc:
        raise click.ClickException(
            f"quotas saved, but the waitlist promotion could not be queued ({exc})"
        ) from None
    if report.raised:
        click.echo(f"waitlist promotion queued for {len(report.raised)} raised quota(s)")


@click.group()
def phases() -> None:
    """Registration phases."""


@phases.command("set")
@click.argument("number", type=click.IntRange(1))
@click.option("--opens", required=True, help="YYYY-MM-DD[THH:MM], programme time; Jalali too.")
@click.option("--closes", required=True, help="YYYY-MM-DD[THH:MM], programme time; Jalali too.")
@with_app
def phases_set(app, number: int, opens: str, closes: str) -> None:
    """Create a phase or move its dates (audited); overlapping phases are refused."""
    from gateway.platform.dates import parse_programme_datetime
    from gateway.programme.phases import PhaseError, set_phase

    timezone = services.settings().TIMEZONE
    moments = {}
    for hint, text in (("--opens", opens), ("--closes", closes)):
        try:
            moments[hint] = parse_programme_datetime(text, timezone)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint=hint) from None
    try:
        set_phase(services.database(), number, moments["--opens"], moments["--closes"], cli_actor())
    except PhaseError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"phase {number} set")


@phases.command("list")
@with_app
def phases_list(app) -> None:
    """Each phase: dates (Jalali and Gregorian, programme time), state, quota used/limit."""
    from gateway.programme.phases import phase_state
    from gateway.store.quotas import phases_with_quota_totals

    timezone = services.settings().TIMEZONE
    with services.database().session() as session:
        rows = phases_with_quota_totals(session)
    click.echo(f"phase  {'opens':<34}  {'closes':<34}  {'state':<8}  used/limit")
    for phase, limit, used in rows:
        opens, closes = (_both_calendars(m, timezone) for m in (phase.opens_at, phase.closes_at))
        state = phase_state(phase.opens_at, phase.closes_at)
        click.echo(f"{phase.number:<5}  {opens:<34}  {closes:<34}  {state:<8}  {used}/{limit}")


def _both_calendars(moment, timezone: str) -> str:
    """`1404/09/01 00:00 (2025-11-22 00:00)` in the programme time zone (`-`: no date yet)."""
    from zoneinfo import ZoneInfo

    from gateway.platform.dates import jalali_datetime

    if moment is None:
        return "-"
    gregorian = moment.astimezone(ZoneInfo(timezone))
    return f"{jalali_datetime(moment, timezone)} ({gregorian:%Y-%m-%d %H:%M})"


@click.command("export")
@click.option("--format", "fmt", required=True, type=click.Choice(["csv", "xlsx"]))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--association", help="Only this association's applications.")
@click.option("--phase", type=click.IntRange(1), help="Only this phase.")
@click.option("--status", type=click.Choice(STATUSES), help="Only this status.")
@with_app
def export(app, fmt: str, out: Path, association: str | None, phase, status) -> None:
    """Applications for the bank, one row each (CSV with BOM, or XLSX); audited."""
    from gateway.programme.bank_export import ExportError, export_registrations, record_export
    from gateway.store.registrations import RegistrationFilters
    from gateway.store.registry import association_codes

    database, filters = services.database(), RegistrationFilters(association, phase, status)
    with database.session() as session:
        if association is not None and association not in association_codes(session):
            raise click.BadParameter(f"no association {association!r}", param_hint="--association")
        try:
            timezone = services.settings().TIMEZONE
            result = export_registrations(session, out, fmt, filters, timezone)
        except (ExportError, OSError) as exc:
            raise click.ClickException(str(exc)) from None
    with database.session(write=True) as session:
        record_export(session, cli_actor(), fmt, filters, result)
    click.echo(f"exported {result.rows} rows to {out} (sha256 {result.sha256})")


@click.group()
def programme() -> None:
    """The programme as a whole."""


@programme.command("check")
@with_app
def programme_check(app) -> None:
    """Whether registrations can be taken now, and what is missing (exit 0 only when ready)."""
    from gateway.programme.readiness import check_programme

    report = check_programme(services.current())
    timezone = services.settings().TIMEZONE
    click.echo(f"Phases (programme time, {timezone})")
    for phase in report.phases:
        opens, closes = (_both_calendars(m, timezone) for m in (phase.opens, phase.closes))
        click.echo(f"  {phase.number:<3} {opens:<34}  {closes:<34}  {phase.state}")
    if not report.phases:
        click.echo("  (none)")
    click.echo("Associations: pensioners, then places used/limit per phase")
    for a in report.associations:
        places = "  ".join(
            f"phase {n}: {used}/{limit}" for n, (used, limit) in sorted(a.quotas.items())
        )
        click.echo(
            f"  {a.code:<6} {a.name or '(no name)':<24} {a.pensioners:>9}  {places or 'no quota'}"
        )
    if not report.associations:
        click.echo("  (none)")
    click.echo("Channels")
    for channel, has_secret in report.channels.items():
        click.echo(f"  {channel:<7} secret {'set' if has_secret else 'NOT SET'}")
    base = services.settings().PUBLIC_BASE_URL or "not set"
    click.echo(f"Outbound: SMS_PROVIDER={report.provider}, PUBLIC_BASE_URL={base}")
    click.echo(f"Workers seen in the last minute: {len(report.workers)}")
    for warning in report.warnings:
        click.echo(f"warning: {warning.english()}")
    for problem in report.problems:
        click.echo(f"problem: {problem.english()}")
    if not report.ready:
        raise click.ClickException(f"not ready: {len(report.problems)} problem(s) above")
    click.echo(f"ready: phase {report.open_phase} is open and registrations can be taken")


COMMANDS = (registry, quotas, phases, export, programme)
