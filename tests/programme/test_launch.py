"""Launching a programme from its own files as they arrive: the README's steps work as
written, and every order of the files gives the same decisions."""

from __future__ import annotations

import itertools
import os
import re
import shlex
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from rq import Worker
from sqlalchemy import select

from gateway.cli import cli
from gateway.dialog import current_conversation
from gateway.dialog.conversation import Inbound
from gateway.platform.dates import utcnow
from gateway.store.models import Application
from workers.jobs import validate_application

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = ROOT / "docs" / "launch" / "registry.csv"
# The sample files' pensioners (association 08: 2 places in phase 1; 04: 2 places).
EXPECTED = {
    "0000123412": ("approved", None),
    "0000123420": ("approved", None),
    "0000123439": ("waitlisted", 1),
    "0000123447": ("waitlisted", 2),
    "0000123455": ("approved", None),
    "0000123463": ("approved", None),
    "0000123471": ("waitlisted", 1),
}


def readme_steps() -> list[list[str]]:
    """The `smsgw` lines of the README's "Launch a programme" block, as argument lists."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Launch a programme", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    lines = [line.split("#", 1)[0].strip() for line in block.splitlines()]
    return [shlex.split(line)[1:] for line in lines if line.startswith("smsgw ")]


def with_dates_around_now(args: list[str]) -> list[str]:
    """`phases set` as written, with dates that make the phase open while the test runs."""
    if args[:2] != ["phases", "set"]:
        return args
    now = utcnow()
    opens, closes = now - timedelta(days=1), now + timedelta(days=29)
    return [*args[:3], "--opens", f"{opens:%Y-%m-%dT%H:%M}", "--closes", f"{closes:%Y-%m-%dT%H:%M}"]


SECRETS = {"TWILIO_AUTH_TOKEN": "t", "HTTP_SMS_TOKEN": "h", "USSD_TOKEN": "u"}


def run_step(cli_env, args):
    env = {**cli_env, **SECRETS, "TIMEZONE": "UTC"}
    return CliRunner().invoke(cli, with_dates_around_now(args), env=env)


def register_everyone() -> None:
    with open(REGISTRY, encoding="utf-8") as handle:
        rows = [line.split(",") for line in handle.read().splitlines()[1:]]
    for number, (national_id, pension, *_rest) in enumerate(rows):
        phone = f"+98912200{number:04d}"
        for text in (f"{national_id} {pension}", "1"):
            inbound = Inbound("http", phone, text, external_id=f"{phone}-{text}")
            current_conversation().handle(inbound)


def decisions(db) -> dict[str, tuple[str, int | None]]:
    db.rollback()
    rows = db.scalars(select(Application).order_by(Application.id))
    return {a.national_id: (a.status, a.waitlist_position) for a in rows}


def test_the_readme_shows_the_three_files_then_the_check():
    steps = readme_steps()
    assert [step[:2] for step in steps] == [
        ["registry", "import"], ["quotas", "import"], ["phases", "set"], ["programme", "check"],
    ]  # fmt: skip


ORDERS = list(itertools.permutations(range(3)))


@pytest.mark.parametrize("order", ORDERS, ids=["-".join(map(str, o)) for o in ORDERS])
def test_every_order_of_the_files_gives_the_same_decisions(app, db, redis, cli_env, order):
    loads = readme_steps()[:3]
    for index in order:
        result = run_step(cli_env, loads[index])
        assert result.exit_code == 0, (loads[index], result.output)
    register_everyone()
    for application_id in db.scalars(select(Application.id).order_by(Application.id)):
        validate_application(application_id)
    assert decisions(db) == EXPECTED


def test_loading_a_file_again_changes_nothing(app, db, redis, cli_env):
    loads = readme_steps()[:3]
    for args in loads + loads[::-1]:
        assert run_step(cli_env, args).exit_code == 0
    register_everyone()
    for application_id in db.scalars(select(Application.id).order_by(Application.id)):
        validate_application(application_id)
    assert decisions(db) == EXPECTED


@pytest.mark.slow
def test_the_readme_steps_then_the_check_then_a_pensioner(app, db, redis, cli_env, settings):
    check = readme_steps()[3]
    before = run_step(cli_env, check)
    assert before.exit_code == 1
    assert "problem: no phase is open now, and none is dated to open later" in before.output
    assert "problem: the registry is empty" in before.output
    for args in readme_steps()[:3]:
        assert run_step(cli_env, args).exit_code == 0
    no_worker = run_step(cli_env, check)
    assert no_worker.exit_code == 1
    assert no_worker.output.splitlines()[-2:] == [
        "problem: no worker is running: nothing will be decided or sent",
        "Error: not ready: 1 problem(s) above",
    ]
    env = {**os.environ, **cli_env, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    worker = subprocess.Popen(["smsgw", "worker"], env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not Worker.all(connection=redis) and time.monotonic() < deadline:
            time.sleep(0.2)
        ready = run_step(cli_env, check)
        assert ready.exit_code == 0, ready.output
        assert ready.output.splitlines()[-1] == (
            "ready: phase 1 is open and registrations can be taken"
        )
        assert "08     کانون بازنشستگان تهران" in ready.output
        register_everyone()
        deadline = time.monotonic() + 60
        while "pending" in {s for s, _ in decisions(db).values()} and time.monotonic() < deadline:
            time.sleep(0.2)
        assert decisions(db) == EXPECTED
    finally:
        worker.terminate()
        worker.wait(timeout=60)


def test_the_check_names_each_gap_between_the_files_and_the_settings(app, db, cli_env):
    loads = readme_steps()[:3]
    for args in loads:
        assert run_step(cli_env, args).exit_code == 0
    extra = "national_id,pension_number,full_name,association_code,mobile,eligible,prior_loan\n"
    extra += "0000123481,700009,نرگس,THR,,1,0\n"
    (Path(cli_env["INSTANCE_PATH"]) / "more.csv").write_text(extra, "utf-8")
    more = run_step(cli_env, ["registry", "import", f"{cli_env['INSTANCE_PATH']}/more.csv"])
    assert more.exit_code == 0, more.output
    env = {**cli_env, "TWILIO_AUTH_TOKEN": "t", "HTTP_SMS_TOKEN": "h", "TIMEZONE": "UTC"}
    result = CliRunner().invoke(cli, ["programme", "check"], env=env)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "problem: association THR has 1 pensioners but no quota in phase 1" in lines
    assert "problem: the ussd channel answers 403: USSD_TOKEN is not set" in lines
    assert "warning: association THR has no name: no quotas file named it" in lines
    assert "  ussd    secret NOT SET" in lines
