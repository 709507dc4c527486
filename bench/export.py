"""`smsgw export` of 400,000 applications as CSV and XLSX, on PostgreSQL and SQLite.

Baseline: the plain csv module writing the same number of rows from an in-memory list.
The data lives in a throwaway PostgreSQL schema or a temporary SQLite file.
"""

from __future__ import annotations

import csv
import os
import tempfile
import time
from datetime import timedelta
from itertools import islice
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from bench._common import baseline_seconds, report
from bench.registry_import import run_cli, scratch_database, seed_programme, sqlalchemy_url
from gateway.platform.dates import utcnow
from gateway.programme.bank_export import EXPORT_COLUMNS
from gateway.programme.demo_data import generate_pensioners
from gateway.store.models import Application
from gateway.store.registry import PensionerLoader

ROWS = int(os.environ.get("BENCH_EXPORT_ROWS", "400000"))
CHUNK = 20_000
STATUSES = ("approved", "approved", "waitlisted", "rejected", "pending")


def application_rows(pensioners: list[dict], start: int) -> list[dict]:
    now = utcnow()
    rows = []
    for offset, p in enumerate(pensioners):
        index = start + offset
        status = STATUSES[index % len(STATUSES)]
        rows.append(
            {
                "tracking_code": f"{index:08d}", "national_id": p["national_id"],
                "pension_number": p["pension_number"], "phone": p["mobile"], "channel": "sms",
                "lang": "fa", "association_code": p["association_code"], "phase": 1,
                "status": status, "reason": "not_eligible" if status == "rejected" else None,
                "flags": "", "created_at": now - timedelta(seconds=index),
                "decided_at": None if status == "pending" else now, "updated_at": now,
            }
        )  # fmt: skip
    return rows


def fill_database(url: str) -> None:
    """ROWS pensioners, each with one application, in bulk."""
    seed_programme(url)
    engine = create_engine(sqlalchemy_url(url))
    pensioners = generate_pensioners(ROWS)
    with Session(engine) as session:
        start = 0
        while chunk := list(islice(pensioners, CHUNK)):
            PensionerLoader(session).add(chunk, chunk[0]["updated_at"])
            session.connection().execute(
                Application.__table__.insert(), application_rows(chunk, start)
            )
            session.commit()
            start += len(chunk)
    engine.dispose()


def time_csv_baseline(folder: Path) -> float:
    row = ["12345678", "0012345679", "123456789", "علی رضایی", "+989121234567", "08", 1,
           "approved", "", "", "sms", "2026-11-25T08:30:00Z", "2026-11-25T08:31:00Z",
           "1405/09/04 12:00"]  # fmt: skip
    rows = [list(row) for _ in range(ROWS)]
    started = time.perf_counter()
    with open(folder / "baseline.csv", "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(EXPORT_COLUMNS)
        writer.writerows(rows)
    return time.perf_counter() - started


def main() -> None:
    """Each export's ratio is to the median of three baselines timed just before it: on a
    shared machine the load changes within a run, and a ratio should compare like with
    like."""
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        folder = Path(tmp)
        for backend in ("postgresql", "sqlite"):
            with scratch_database(backend, folder) as url:
                fill_database(url)
                for fmt in ("csv", "xlsx"):
                    baseline, fastest, slowest = baseline_seconds(lambda: time_csv_baseline(folder))
                    out = folder / f"out.{fmt}"
                    seconds, peak, output = run_cli(
                        url, folder, "export", "--format", fmt, "--out", str(out)
                    )
                    assert f"exported {ROWS} rows" in output, output
                    report(
                        f"export.{backend}.{fmt}", rows=ROWS, seconds=seconds,
                        rows_per_s=round(ROWS / seconds), peak_mb=peak,
                        file_mb=out.stat().st_size / 2**20, baseline_csv_write_s=baseline,
                        baseline_spread_s=f"{fastest:.3g}-{slowest:.3g}",
                        ratio_to_baseline=seconds / baseline,
                    )  # fmt: skip


if __name__ == "__main__":
    main()
