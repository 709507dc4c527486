"""Decisions per second: N pending applications decided by 2 `smsgw worker --burst` processes.

Baseline, in the same run: the same number of empty RQ jobs (`time.sleep(0)`) through
the same 2 workers, so the ratio shows what deciding costs over RQ itself; the goal is
a ratio of 2 or more (one job decides a batch). The applications are queued as the
dialog queues them. BENCH_DECISIONS_DATABASE_URL / BENCH_DECISIONS_REDIS_URL choose
servers.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from config.settings import load_settings
from gateway.platform.dates import utcnow
from gateway.platform.db import Database
from gateway.platform.redis_client import connect_redis
from gateway.programme.decisions import queue_decision
from gateway.programme.jobs import get_queue
from gateway.store.migrate import upgrade_database
from gateway.store.models import Application, Association, Base, Pensioner, Phase, Quota

from ._common import report

DATABASE_URL = os.environ.get(
    "BENCH_DECISIONS_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench"
)
REDIS_URL = os.environ.get("BENCH_DECISIONS_REDIS_URL", "redis://127.0.0.1:6379/14")
APPLICATIONS = int(os.environ.get("BENCH_DECISIONS_N", "5000"))
ASSOCIATIONS = 31
WORKERS = 2


def seed(database: Database, n: int) -> None:
    """31 associations with room for 80% of their applicants; n pending applications."""
    tables = ", ".join(t.name for t in reversed(Base.metadata.sorted_tables))
    now = utcnow()
    with database.session() as session:
        session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        codes = [f"{i + 1:02d}" for i in range(ASSOCIATIONS)]
        session.add_all(Association(code=code, name=code) for code in codes)
        session.add(
            Phase(number=1, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=9))
        )
        session.flush()
        limit = int(n / ASSOCIATIONS * 0.8)
        session.add_all(Quota(association_code=c, phase=1, limit=limit, used=0) for c in codes)
        session.add_all(
            Pensioner(national_id=f"{i:010d}", pension_number="123456", full_name="x",
                      association_code=codes[i % ASSOCIATIONS], mobile="+989121234567")
            for i in range(n)
        )  # fmt: skip
        session.flush()
        session.add_all(
            Application(national_id=f"{i:010d}", pension_number="123456", tracking_code=f"{i:08d}",
                        phone="+989121234567", channel="ussd", lang="fa", status="pending",
                        flags="", created_at=now + timedelta(microseconds=i))
            for i in range(n)
        )  # fmt: skip


def run_workers(logs: Path) -> float:
    """Seconds for WORKERS burst workers on the decisions queue to empty it."""
    env = {**os.environ, "GATEWAY_ENV": "test", "DATABASE_URL": DATABASE_URL}
    env.update(REDIS_URL=REDIS_URL, INSTANCE_PATH=str(logs), LOG_LEVEL="WARNING")
    command = [str(Path(sys.executable).parent / "smsgw"), "worker", "--burst"]
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [*command, "--queues", "decisions"],
            env=env, stdout=subprocess.DEVNULL, stderr=open(logs / f"worker-{i}.log", "w"),  # noqa: SIM115
        )
        for i in range(WORKERS)
    ]  # fmt: skip
    for proc in procs:
        if proc.wait() != 0:
            raise RuntimeError(f"worker failed, see {logs}")
    return time.perf_counter() - started


def main() -> None:
    settings = load_settings({}, GATEWAY_ENV="test", DATABASE_URL=DATABASE_URL, REDIS_URL=REDIS_URL)
    upgrade_database(settings.sqlalchemy_url)
    database = Database(settings.sqlalchemy_url)
    redis = connect_redis(settings)
    logs = Path(tempfile.mkdtemp(prefix="bench-decisions-"))
    n = APPLICATIONS

    redis.flushdb()
    queue = get_queue("decisions", redis)
    for _ in range(n):
        queue.enqueue("time.sleep", 0)  # an empty job: RQ's own cost per job
    baseline = n / run_workers(logs)

    seed(database, n)
    redis.flushdb()
    with database.session() as session:
        rows = session.execute(
            select(Application.id, Pensioner.association_code).join(
                Pensioner, Pensioner.national_id == Application.national_id
            )
        ).all()
    for application_id, code in rows:  # as the dialog queues each confirmed application
        queue_decision(redis, application_id, code)
    elapsed = run_workers(logs)
    with database.session() as session:
        decided = session.scalar(
            select(func.count()).select_from(Application).where(Application.status != "pending")
        )
        over = session.scalar(
            select(func.count()).select_from(Quota).where(Quota.used > Quota.limit)
        )
    if decided != n or over:
        raise RuntimeError(f"{decided} of {n} decided, {over} quotas over their limit")
    rate = n / elapsed
    report(
        "decisions", applications=n, workers=WORKERS, seconds=elapsed, per_second=rate,
        baseline_empty_jobs_per_second=baseline, ratio_to_baseline=rate / baseline,
        goal_ratio=2.0,
    )  # fmt: skip
    database.engine.dispose()
