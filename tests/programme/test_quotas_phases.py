"""`smsgw quotas import` and `smsgw phases set|list`: limits, promotion jobs, audited dates."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from rq.job import Job
from sqlalchemy import select

from gateway.cli import cli
from gateway.platform.dates import utcnow
from gateway.programme.jobs import get_queue, job_id
from gateway.programme.phases import phase_state
from gateway.programme.quotas import QUOTA_COLUMNS, parse_quota_row
from gateway.programme.registry_import import RowError
from gateway.store.models import Association, AuditEvent, Phase, Quota

HEADER = ",".join(QUOTA_COLUMNS)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def programme(app, db):
    """Association 08 with a quota of 10 (4 used) in phase 1; phase 2 without quotas."""
    db.add(Association(code="08", name="تهران"))
    db.add_all([
        Phase(number=1, opens_at=T0, closes_at=T0 + timedelta(days=30)),
        Phase(number=2, opens_at=T0 + timedelta(days=30), closes_at=T0 + timedelta(days=60)),
    ])  # fmt: skip
    db.flush()
    db.add(Quota(association_code="08", phase=1, limit=10, used=4))
    db.commit()


def invoke(cli_env, *args):
    return CliRunner().invoke(cli, list(args), env=cli_env, catch_exceptions=False)


def import_quotas(cli_env, tmp_path, *lines):
    path = tmp_path / "quotas.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", "utf-8")
    return invoke(cli_env, "quotas", "import", str(path))


def quota_limits(db) -> dict[tuple[str, int], tuple[int, int]]:
    db.rollback()
    return {(q.association_code, q.phase): (q.limit, q.used) for q in db.scalars(select(Quota))}


def queued_promotions(redis) -> list[tuple]:
    jobs = get_queue("decisions", redis).get_job_ids()
    return [
        (job_id, Job.fetch(job_id, connection=redis).func_name, Job.fetch(job_id, redis).args)
        for job_id in jobs
    ]


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"phase": "0"}, "phase: 0 is not between 1 and 99"),
        ({"phase": "100"}, "phase: 100 is not between 1 and 99"),
        ({"phase": "x"}, "phase: 'x' is not a whole number"),
        ({"quota": "-5"}, "quota: '-5' is not a whole number"),
        ({"quota": ""}, "quota: missing"),
        ({"association_code": " "}, "association_code: missing"),
    ],
)
def test_quota_row_refuses_with_the_reason(values, reason):
    row = {"association_code": "08", "association_name": "", "phase": "1", "quota": "5"}
    with pytest.raises(RowError) as error:
        parse_quota_row(row | values)
    assert str(error.value) == reason


def test_quota_row_reads_persian_digits():
    row = {"association_code": "۰۸", "association_name": "", "phase": "۱", "quota": "۱۲۰"}
    assert parse_quota_row(row) == {
        "association_code": "08", "association_name": None, "phase": 1, "quota": 120,
    }  # fmt: skip


def test_raising_a_quota_queues_the_waitlist_promotion(programme, db, redis, cli_env, tmp_path):
    result = import_quotas(cli_env, tmp_path, "08,کانون تهران,1,25", "31,کانون یزد,2,7")
    assert result.exit_code == 0, result.output
    assert "imported 2, rejected 0" in result.output
    assert quota_limits(db) == {("08", 1): (25, 4), ("31", 2): (7, 0)}
    assert db.get(Association, "08").name == "کانون تهران"
    assert db.get(Association, "31").name == "کانون یزد"
    assert sorted(queued_promotions(redis)) == [
        (job_id("promote_waitlist", "08", 1), "workers.jobs.promote_waitlist", ("08", 1)),
        (job_id("promote_waitlist", "31", 2), "workers.jobs.promote_waitlist", ("31", 2)),
    ]
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "quota.set")).all()
    assert {e.target: json.loads(e.details) for e in events}["quota:08:1"] == {
        "before": 10, "after": 25,
    }  # fmt: skip


def test_a_quota_below_the_places_taken_is_refused(programme, db, redis, cli_env, tmp_path):
    result = import_quotas(cli_env, tmp_path, "08,,1,3", "08,,2,5")
    assert result.exit_code == 0, result.output
    assert "line 2: quota: 3 is below the 4 places already taken" in result.output
    assert "imported 1, rejected 1" in result.output
    assert quota_limits(db) == {("08", 1): (10, 4), ("08", 2): (5, 0)}
    assert (
        (tmp_path / "quotas.rejects.csv")
        .read_text("utf-8-sig")
        .splitlines()[1]
        .startswith("2,quota: 3 is below")
    )


def test_lowering_a_quota_to_its_used_places_queues_nothing(
    programme, db, redis, cli_env, tmp_path
):
    result = import_quotas(cli_env, tmp_path, "08,,1,4")
    assert result.exit_code == 0, result.output
    assert quota_limits(db) == {("08", 1): (4, 4)}
    assert queued_promotions(redis) == []


def test_a_new_association_needs_a_name(programme, db, cli_env, tmp_path):
    result = import_quotas(cli_env, tmp_path, "40,,1,5")
    assert "line 2: association_name: missing, and association '40' has none yet" in result.output
    assert result.exit_code == 1
    assert db.get(Association, "40") is None


@pytest.mark.parametrize(
    ("now", "state"),
    [(T0 - timedelta(seconds=1), "upcoming"), (T0, "open"),
     (T0 + timedelta(days=30), "closed")],
)  # fmt: skip
def test_phase_state(now, state):
    assert phase_state(T0, T0 + timedelta(days=30), now) == state


def test_phases_set_takes_programme_time_and_jalali_and_audits(programme, db, cli_env):
    result = invoke(
        cli_env, "phases", "set", "3", "--opens", "1405-01-01", "--closes", "2026-04-01T08:30"
    )
    assert result.exit_code == 0, result.output
    db.rollback()
    phase = db.get(Phase, 3)
    assert phase.opens_at == datetime(2026, 3, 20, 20, 30, tzinfo=UTC)  # 1405/01/01 00:00 Tehran
    assert phase.closes_at == datetime(2026, 4, 1, 5, 0, tzinfo=UTC)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "phase.set"))
    assert event.actor.startswith("cli:") and event.target == "phase:3"
    assert json.loads(event.details)["before"] is None


@pytest.mark.parametrize(
    ("opens", "closes", "message"),
    [
        ("2026-02-10", "2026-02-10", "Error: --closes must be after --opens"),
        ("2026-01-20", "2026-03-01", "Error: phase 2 would overlap phase 1"),
        ("2025-12-01", "2026-03-15", "Error: phase 2 would overlap phase 1, 3"),
        ("2026-13-01", "2026-03-01", "Invalid value for --opens: '2026-13-01' is not a valid date"),
        ("tomorrow", "2026-03-01", "Invalid value for --opens: 'tomorrow' is not a date like"),
    ],
)
def test_phases_set_refuses_bad_spans_and_changes_nothing(
    programme, db, cli_env, opens, closes, message
):
    db.add(Phase(number=3, opens_at=T0 + timedelta(days=60), closes_at=T0 + timedelta(days=90)))
    db.commit()
    result = invoke(cli_env, "phases", "set", "2", "--opens", opens, "--closes", closes)
    assert result.exit_code in (1, 2)
    assert message in result.output
    db.rollback()
    assert db.get(Phase, 2).opens_at == T0 + timedelta(days=30)
    assert db.scalar(select(AuditEvent)) is None


def test_phases_list_shows_both_calendars_state_and_quota_totals(programme, cli_env):
    opens = f"{utcnow() - timedelta(days=1):%Y-%m-%d}"
    invoke(cli_env, "phases", "set", "5", "--opens", opens, "--closes", "2099-01-01")
    result = invoke(cli_env, "phases", "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].startswith("1      1404/10/11 03:30 (2026-01-01 03:30)")
    assert lines[1].endswith("closed    4/10")
    assert lines[2].endswith("closed    0/0")
    assert lines[3].split()[0] == "5" and "open" in lines[3]


def test_a_redis_outage_after_saving_is_a_short_error_not_a_trace(programme, db, cli_env, tmp_path):
    cli_env = cli_env | {"REDIS_URL": "redis://127.0.0.1:1/0"}
    result = import_quotas(cli_env, tmp_path, "08,,1,30")
    assert result.exit_code == 1
    assert "Error: quotas saved, but the waitlist promotion could not be queued" in result.output
    assert quota_limits(db) == {("08", 1): (30, 4)}
