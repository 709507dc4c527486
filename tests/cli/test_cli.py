"""The smsgw command: demo data, migrations, users, and `smsgw run` from start to Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from flows.parsing import parse_national_id
from gateway.cli import cli
from gateway.console.passwords import check_password
from gateway.platform.dates import utcnow
from gateway.store.models import Association, Pensioner, Phase, Quota, User
from tests.helpers import alive, descendants, free_port, venv_bin, wait_for_http

ROOT = Path(__file__).resolve().parents[2]


def invoke(cli_env, *args, input=None):
    return CliRunner().invoke(cli, list(args), env=cli_env, input=input, catch_exceptions=False)


def counts(db) -> dict:
    db.rollback()  # a fresh snapshot: SQLite reads stay on the transaction's own
    return {
        model.__tablename__: db.scalar(select(func.count()).select_from(model))
        for model in (Association, Phase, Quota, Pensioner)
    }


def test_demo_data_seeds_associations_phases_quotas_and_valid_pensioners(app, db, cli_env):
    result = invoke(cli_env, "demo-data", "--pensioners", "500")
    assert result.exit_code == 0, result.output
    assert counts(db) == {"associations": 31, "phases": 4, "quotas": 124, "pensioners": 500}
    national_ids = db.scalars(select(Pensioner.national_id)).all()
    assert all(parse_national_id(n) == n for n in national_ids)
    phase_one = db.get(Phase, 1)
    assert phase_one.opens_at <= utcnow() < phase_one.closes_at


def test_demo_data_then_db_upgrade_again_changes_nothing(app, db, cli_env):
    assert invoke(cli_env, "demo-data", "--pensioners", "300").exit_code == 0
    before = counts(db), snapshot(db)
    assert invoke(cli_env, "db", "upgrade").exit_code == 0
    assert invoke(cli_env, "demo-data", "--pensioners", "300").exit_code == 0
    assert (counts(db), snapshot(db)) == before


def snapshot(db) -> str:
    db.rollback()  # a fresh snapshot: SQLite reads stay on the transaction's own
    rows = db.execute(select(Pensioner).order_by(Pensioner.national_id)).scalars().all()
    quotas = db.execute(select(Quota.association_code, Quota.phase, Quota.limit)).all()
    return json.dumps(
        [[p.national_id, p.pension_number, p.mobile] for p in rows] + sorted(map(list, quotas))
    )


def test_users_create_hashes_the_password_with_argon2(app, db, cli_env):
    invoke(cli_env, "demo-data", "--pensioners", "0")
    result = invoke(
        cli_env, "users", "create", "--username", "tehran", "--role", "staff",
        "--association", "08", input="correct horse battery\ncorrect horse battery\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = db.scalar(select(User).where(User.username == "tehran"))
    assert user.role == "staff" and user.association_code == "08"
    assert user.password_hash.startswith("$argon2")
    assert check_password(user.password_hash, "correct horse battery")


def test_users_create_refuses_an_unknown_association(app, cli_env):
    result = invoke(
        cli_env, "users", "create", "--username", "x", "--role", "staff",
        "--association", "99", input="long enough pw\nlong enough pw\n",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "no association '99'" in result.output


def test_worker_refuses_an_unknown_queue(app, cli_env):
    result = invoke(cli_env, "worker", "--queues", "decisions,nope", "--burst")
    assert result.exit_code == 2
    assert "unknown queue 'nope'" in result.output


@pytest.mark.slow
def test_run_answers_readyz_and_ctrl_c_leaves_no_process(tmp_path, app, database_url):
    """`smsgw run` as `make run` starts it: migrate, seed, web + worker (+ embedded Redis)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(INSTANCE_PATH=str(tmp_path / "instance"), PORT=str(port), GATEWAY_ENV="development")
    if os.environ.get("TEST_DATABASE_URL"):
        env.update(DATABASE_URL=database_url, REDIS_URL=os.environ["TEST_REDIS_URL"])
    proc = subprocess.Popen(
        [venv_bin("smsgw"), "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        assert wait_for_http(f"http://127.0.0.1:{port}/readyz", timeout=90), "never ready"
        children = descendants(proc.pid)
        assert len(children) >= 3  # gunicorn master + its workers + the RQ worker
        time.sleep(1)
        assert proc.poll() is None, "run must keep running until Ctrl-C"
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output
    assert f"http://127.0.0.1:{port}/console/" in output
    assert "smsgw simulate" in output
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in children if alive(pid)]


@pytest.mark.parametrize("environment", [None, "production"])
def test_demo_data_is_refused_in_production(app, db, cli_env, environment):
    env = {**cli_env, "GATEWAY_ENV": environment}  # None: unset, which means production
    env.update(SECRET_KEY="s", SMS_PROVIDER="http", HTTP_SMS_SEND_URL="http://sms.example.ir")
    env.update(TWILIO_AUTH_TOKEN="t", HTTP_SMS_TOKEN="h", USSD_TOKEN="u")
    result = CliRunner().invoke(cli, ["demo-data"], env=env)
    assert result.exit_code == 1
    assert "demo-data is refused in production" in result.output
    assert counts(db) == {"associations": 0, "phases": 0, "quotas": 0, "pensioners": 0}


def test_run_refuses_any_environment_but_development(cli_env):
    result = CliRunner().invoke(cli, ["run"], env={**cli_env, "GATEWAY_ENV": "production"})
    assert result.exit_code == 1
    assert "smsgw run is the one-machine trial" in result.output


def test_gunicorn_with_no_settings_at_all_refuses_to_start_with_one_line(tmp_path):
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    proc = subprocess.run(
        [venv_bin("gunicorn"), "--bind", f"127.0.0.1:{free_port()}", "config.wsgi:app"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode != 0
    reasons = [line for line in proc.stderr.splitlines() if line.startswith("smsgw:")]
    assert reasons == ["smsgw: SECRET_KEY is required in production"]
    assert "Traceback" not in proc.stderr


def test_a_command_whose_database_stops_answering_says_so_in_one_line(app, cli_env):
    down = {**cli_env, "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{free_port()}/gone"}
    result = CliRunner().invoke(
        cli, ["applications", "cancel", "12345678", "--reason", "x"], env=down
    )
    assert result.exit_code == 1 and result.exception.__class__ is SystemExit
    assert result.output.strip() == (
        "Error: the database did not answer (OperationalError); try again when it does"
    )
