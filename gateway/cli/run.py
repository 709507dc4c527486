"""`smsgw run`: the one-machine trial - embedded Redis, migrations, demo data, web, worker.

It runs as development (the trial's demo data and demo admin must never reach a real
programme): with GATEWAY_ENV unset it sets development for itself and its children, and
with any other environment it refuses.
"""

from __future__ import annotations

import os
import secrets
import sys

import click

from gateway.cli.context import load_cli_settings, with_app
from gateway.platform import services


@click.command()
def run() -> None:
    """Try the gateway on this machine: demo data, web server and one worker (development)."""
    from gateway.cli.supervisor import (
        Supervisor,
        gunicorn_command,
        start_embedded_redis,
        web_environment,
    )

    environment = os.environ.setdefault("GATEWAY_ENV", "development")
    if environment != "development":
        raise click.ClickException(
            f"smsgw run is the one-machine trial with demo data (GATEWAY_ENV={environment}): "
            "run `smsgw web` and `smsgw worker` instead"
        )
    settings = load_cli_settings()
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
    from gateway.platform.db import engine_options
    from gateway.programme.demo_data import seed_demo_data
    from gateway.store import registry
    from gateway.store.migrate import upgrade_database

    settings = services.settings()
    upgrade_database(settings.sqlalchemy_url, engine_options(settings, statement_timeout=False))
    with services.database().session(write=True) as session:
        if registry.count_pensioners(session) == 0:
            click.echo("empty database: seeding demo data (10,000 pensioners) ...")
            seed_demo_data(session, 10_000, settings.TIMEZONE)
        login = _ensure_demo_admin(session, settings.instance_path)
        sample = registry.sample_pensioner(session)
        return {
            "login": login,
            "sample": (sample.national_id, sample.pension_number) if sample else None,
        }


def _ensure_demo_admin(session, instance) -> str:
    """A first admin for a fresh install; its password is kept in instance/ to show again."""
    from gateway.console.passwords import hash_password
    from gateway.store import users

    path = instance / "demo-admin.txt"
    if path.exists():
        return path.read_text().strip()
    if users.find_user(session, "admin") is not None:
        return "admin (password set earlier)"
    password = secrets.token_urlsafe(9)
    users.add_user(session, username="admin", password_hash=hash_password(password), role="admin")
    login = f"admin / {password}"
    path.write_text(login + "\n")
    path.chmod(0o600)
    return login


def _print_banner(settings, hint: dict) -> None:
    url = f"http://127.0.0.1:{settings.PORT}/"
    sample = hint["sample"]
    try_line = f"  then send: وام, then {sample[0]}, then {sample[1]}, then 1" if sample else ""
    webhook = f"{url}webhooks/http/sms?token={settings.HTTP_SMS_TOKEN}&from=09121234567&id=1&text="
    click.echo(
        f"""
Gateway running at {url}   (Ctrl-C stops everything)
  console:        {url}console/   login: {hint["login"]}
  health:         {url}readyz   metrics: {url}metrics
  try the dialog: .venv/bin/smsgw simulate --phone 09121234567
{try_line}
  or by HTTP:     curl '{webhook}salam'
  webhook secrets (development, kept in {settings.instance_path}/): HTTP_SMS_TOKEN,
                  USSD_TOKEN (send as `token`), TWILIO_AUTH_TOKEN (signs X-Twilio-Signature)
"""
    )


COMMANDS = (run,)
