"""One rehearsal: the servers up, the load with its faults and staff, settle, check."""

from __future__ import annotations

import subprocess
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

from bench._webhook_requests import Dialog, make_dialogs
from bench.chaos.checks import Check, all_settled, run_checks
from bench.chaos.cluster import SMSGW, Postgres, Processes, Redis, production_env, remove
from bench.chaos.faults import Injector
from bench.chaos.load import Driver
from bench.chaos.sink import Sink
from bench.chaos.staff import Staff
from gateway.platform.dates import utcnow
from gateway.platform.db import Database
from gateway.store.models import Association, Pensioner, Phase, Quota

ASSOCIATIONS = [f"{i:02d}" for i in range(1, 6)]
WRONG_PENSION_NUMBER_EVERY = 12  # these dialogs are rejected (pension_mismatch)
SETTLE_SECONDS = 600
RECONCILE_TICK = 65  # one reconciler tick (60 s) after the last fault, at least


def seed_programme(database: Database, dialogs: list[Dialog]) -> dict[str, int]:
    """The registry for the dialogs, five associations with room for 60% of their
    applicants in the open phase 1; returns the quotas."""
    now = utcnow()
    limits = {code: int(len(dialogs) / len(ASSOCIATIONS) * 0.6) for code in ASSOCIATIONS}
    with database.session() as session:
        session.add_all(Association(code=code, name=code) for code in ASSOCIATIONS)
        session.add(
            Phase(number=1, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=9))
        )
        session.flush()
        session.add_all(
            Quota(association_code=c, phase=1, limit=n, used=0) for c, n in limits.items()
        )
        session.add_all(
            Pensioner(
                national_id=d.national_id, full_name="x", mobile=None,
                association_code=ASSOCIATIONS[d.index % len(ASSOCIATIONS)],
                pension_number=registry_pension_number(d),
            )
            for d in dialogs
        )  # fmt: skip
    return limits


def registry_pension_number(dialog: Dialog) -> str:
    """The dialog's own, except every WRONG_PENSION_NUMBER_EVERY-th (it is rejected)."""
    return dialog.pension_number if dialog.index % WRONG_PENSION_NUMBER_EVERY else "99999"


def settle(database: Database, last_fault: float) -> float:
    """Wait until nothing is pending or unsent (and a reconciler tick has passed since
    the last fault); the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < SETTLE_SECONDS:
        if time.time() - last_fault > RECONCILE_TICK:
            with database.session() as session:
                if all_settled(session):
                    return time.monotonic() - started
        time.sleep(2)
    return time.monotonic() - started


def rehearse(
    seed: int, dialog_count: int, spread_seconds: float = 0, keep: bool = False
) -> tuple[list[Check], dict]:
    """One whole run; the checks and the run's own figures."""
    folder = Path(tempfile.mkdtemp(prefix="chaos-"))
    postgres, redis, sink = Postgres(folder), Redis(folder), Sink(seed)
    procs = Processes(folder / "procs", production_env(redis.url, postgres.url, sink.url))
    try:
        postgres.start()
        redis.start()
        subprocess.run([SMSGW, "db", "upgrade"], env=procs.env, check=True, capture_output=True)
        database = Database("postgresql+psycopg://" + postgres.url.split("://", 1)[1])
        dialogs = make_dialogs(dialog_count, seed)
        limits = seed_programme(database, dialogs)
        procs.start()
        driver = Driver(procs.urls, procs.env, seed)
        injector = Injector(seed, driver.progress, postgres, redis, procs, sink)
        staff = Staff(seed, procs.env, folder, limits, actions=max(6, dialog_count // 100))
        helpers = [
            injector.thread,
            threading.Thread(target=staff.run, args=(driver.progress, driver.ledger)),
        ]
        for thread in helpers:
            thread.start()
        started = time.monotonic()
        ledger = driver.run(dialogs, spread_seconds)
        load_seconds = time.monotonic() - started
        for thread in helpers:
            thread.join()
        database.engine.dispose()  # its pooled connections died with PostgreSQL's restart
        settle_seconds = settle(database, injector.last_fault_at)
        with database.session() as session:
            checks = run_checks(session, ledger, sink, staff.log, injector.last_fault_at)
        database.engine.dispose()
        run = {
            "seed": seed,
            "dialogs": dialog_count,
            "load_seconds": round(load_seconds),
            "settle_seconds": round(settle_seconds),
            "answers": dict(ledger.answers),
            "dialogs_restarted": ledger.dialogs_restarted,
            "process_restarts": procs.restarts,
            "cancels_refused": staff.log.refused,  # a rejected application cannot be cancelled
            "faults": [f"{f.kind} at {f.at_share:.0%}: {f.detail}" for f in injector.faults],
        }
        return checks, run
    finally:
        procs.stop()
        sink.stop()
        redis.stop()
        postgres.stop()
        if keep:
            print(f"  kept {folder}")
        else:
            remove(folder)
