"""The chaos rehearsal, short: its own PostgreSQL and Redis, two gunicorn nodes, three RQ
workers, every fault once, and every promise checked (bench/chaos)."""

from __future__ import annotations

import glob
import os
import shutil

import pytest

from bench.chaos.rehearsal import rehearse

pytestmark = pytest.mark.slow
DIALOGS = 200


def missing_servers() -> str | None:
    if not os.environ.get("TEST_DATABASE_URL"):
        return "the chaos rehearsal runs on the PostgreSQL + Redis run (TEST_DATABASE_URL unset)"
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb") or not shutil.which("redis-server"):
        return "the chaos rehearsal needs Debian's postgresql and redis-server packages"
    return None


def test_every_promise_holds_through_every_fault():
    reason = missing_servers()
    if reason:
        print(reason)
        pytest.skip(reason)
    checks, run = rehearse(seed=20261129, dialog_count=DIALOGS, spread_seconds=120)
    assert {c.name: c.wrong for c in checks} == {c.name: [] for c in checks}, run
    figures = {c.name: c.figures for c in checks}
    assert figures["messages"]["acknowledged"] >= DIALOGS * 4 and figures["messages"]["lost"] == 0
    assert figures["dialogs"]["confirmed_dialogs"] == DIALOGS == figures["dialogs"]["applications"]
    assert figures["results"]["result_sms_at_sink"] == figures["results"]["result_sms"] > 0
    # The killed web workers come back through their gunicorn master, the 2 RQ workers
    # through the rehearsal's supervisor.
    assert len(run["faults"]) == 6 and run["process_restarts"] >= 2
