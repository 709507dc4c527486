"""The `smsgw` command: run, web, worker, db, demo-data, users, simulate."""

from __future__ import annotations

import functools
import os
import secrets
import sys

import click

from config.settings import ConfigError, load_settings


def main() -> None:
    cli(prog_name="smsgw")


def _settings():
    try:
        return load_settings()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def with_app(func):
    """Run the command inside an app context, with the app as first argument."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from gateway import create_app

        app = create_app(_settings())
        with app.app_context():
            return func(app, *args, **kwargs)

    return wrapper


@click.group(help="Pensioner loan registration gateway.")
def cli() -> None:
    pass


@cli.command()
def run() -> None:
    """Start embedded Redis (when REDIS_URL is unset), the web server and one worker."""
    from gateway.runner import Supervisor, gunicorn_command, start_embedded_redis, web_environment

    settings = _settings()
    try:
        redis_server = start_embedded_redis(settings)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    supervisor = Supervisor()
    try:
        hint = _prepare_database()
        env = dict(os.environ)
        supervisor.start("web", gunicorn_command(), web_environment(settings, env))
        supervisor.start("worker", [sys.executable, "-m", "gateway.cli", "worker"], env)
        _print_banner(settings, hint)
        reason = supervisor.wait()
        click.echo(f"\nstopping ({reason}) ...")
    finally:
        supervisor.stop()
        if redis_server is not None:
            redis_server.stop()
    click.echo("stopped.")


@with_app
def _prepare_database(app) -> dict:
    """Migrate, seed demo data into an empty database, and return what to show the user."""
    from gateway import store
    from gateway.db import get_database
    from gateway.demo_data import seed_demo_data
    from gateway.migrate import upgrade_database

    settings = app.extensions["settings"]
    upgrade_database(settings.sqlalchemy_url)
    with get_database().session(write=True) as session:
        if store.count_pensioners(session) == 0:
            click.echo("empty database: seeding demo data (10,000 pensioners) ...")
            seed_demo_data(session, 10_000, settings.TIMEZONE)
        login = _ensure_demo_admin(session, settings.instance_path)
        sample = store.sample_pensioner(session)
        return {
            "login": login,
            "sample": (sample.national_id, sample.pension_number) if sample else None,
        }


def _ensure_demo_admin(session, instance) -> str:
    """A first admin for a fresh install; its password is kept in instance/ to show again."""
    from gateway import store
    from gateway.passwords import hash_password

    path = instance / "demo-admin.txt"
    if path.exists():
        return path.read_text().strip()
    if store.find_user(session, "admin") is not None:
        return "admin (password set earlier)"
    password = secrets.token_urlsafe(9)
    store.add_user(session, username="admin", password_hash=hash_password(password), role="admin")
    login = f"admin / {password}"
    path.write_text(login + "\n")
    path.chmod(0o600)
    return login


def _print_banner(settings, hint: dict) -> None:
    url = f"http://127.0.0.1:{settings.PORT}/"
    sample = hint["sample"]
    try_line = f"  then send: وام, then {sample[0]}, then {sample[1]}, then 1" if sample else ""
    click.echo(
        f"""
Gateway running at {url}   (Ctrl-C stops everything)
  console:        {url}console/   login: {hint["login"]}
  health:         {url}readyz   metrics: {url}metrics
  try the dialog: .venv/bin/smsgw simulate --phone 09121234567
{try_line}
"""
    )


@cli.command()
@click.option("--port", type=int, help="Port on 127.0.0.1 (default: $PORT or 8000).")
def web(port: int | None) -> None:
    """Run the web app under gunicorn."""
    from gateway.runner import gunicorn_command, web_environment

    settings = _settings()
    if not settings.REDIS_URL:
        from gateway.redis_conn import redis_url

        os.environ["REDIS_URL"] = redis_url(settings)
    env = web_environment(settings, dict(os.environ))
    if port:
        env["PORT"] = str(port)
    args = gunicorn_command()
    os.execvpe(args[0], args, env)


@cli.command()
@click.option(
    "--queues", default=None, help="Comma-separated queues, highest priority first (default: all)."
)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@with_app
def worker(app, queues: str | None, burst: bool) -> None:
    """Run an RQ worker (with the scheduler) inside the app context."""
    from workers import QUEUE_NAMES, get_queue
    from workers.reconciler import TICK_SECONDS, ReconcilingWorker

    names = [q.strip() for q in queues.split(",")] if queues else list(QUEUE_NAMES)
    try:
        redis = app.extensions["redis"]
        worker_queues = [get_queue(name, redis) for name in names]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--queues") from None
    # A SimpleWorker (no fork per job: jobs are short and idempotent) that also queues the
    # reconciler's tick; waking every TICK_SECONDS keeps that tick on time when idle.
    ReconcilingWorker(
        worker_queues,
        connection=redis,
        maintenance_interval=TICK_SECONDS - 5,
        worker_ttl=TICK_SECONDS + 10,
    ).work(with_scheduler=True, burst=burst)


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration (safe to run again)."""
    from gateway.migrate import upgrade_database

    upgrade_database(_settings().sqlalchemy_url)
    click.echo("database is up to date")


@cli.command("demo-data")
@click.option("--pensioners", default=10_000, show_default=True, type=click.IntRange(0))
@with_app
def demo_data(app, pensioners: int) -> None:
    """Synthetic registry, the 31 associations, 4 phases (the first open now) and quotas."""
    from gateway.db import get_database
    from gateway.demo_data import seed_demo_data

    with get_database().session(write=True) as session:
        seed_demo_data(session, pensioners, app.extensions["settings"].TIMEZONE)
    click.echo(f"demo data ready ({pensioners} pensioners)")


@cli.group()
def users() -> None:
    """Console users."""


@users.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "operator", "staff"]))
@click.option("--association", default=None, help="Association code (staff of one association).")
@click.password_option(prompt="Password", help="Asked for when not given.")
@with_app
def users_create(app, username: str, role: str, association: str | None, password: str):
    """Create a console user."""
    from gateway.db import get_database
    from gateway.users import UserError, create_user

    try:
        with get_database().session(write=True) as session:
            create_user(session, username, role, association, password)
    except UserError as exc:
        if exc.field in ("password", "association"):
            hint = "password" if exc.field == "password" else "--association"
            raise click.BadParameter(str(exc), param_hint=hint) from None
        raise click.ClickException(str(exc)) from None
    click.echo(f"user {username} created ({role}{', ' + association if association else ''})")


@cli.command()
@click.option("--phone", required=True, help="The pensioner's phone, any common format.")
@click.option(
    "--raw", is_flag=True, help="Print replies in logical order (for terminals that do bidi)."
)
@click.option("--channel", type=click.Choice(["sms", "ussd"]), default="sms", show_default=True)
@with_app
def simulate(app, phone: str, raw: bool, channel: str) -> None:
    """Chat with the dialog in the terminal, through the same path as a carrier."""
    from gateway.menus import UssdMenus
    from gateway.simulator import chat_sms, chat_ussd

    def read() -> str:
        return click.prompt("", prompt_suffix="you> ", default="", show_default=False)

    conversation = app.extensions["conversation"]
    if channel == "ussd":
        chat_ussd(
            UssdMenus(conversation, channel="simulator"), phone, read, click.echo, bidi=not raw
        )
    else:
        chat_sms(conversation, phone, read, click.echo, bidi=not raw)


def _register_area_commands() -> None:
    """Commands of each area live beside it; they are added to the one `smsgw` group here."""
    from gateway import cli_applications, cli_programme

    cli_programme.register(cli)
    cli_applications.register(cli)


_register_area_commands()

if __name__ == "__main__":
    main()
