"""`smsgw registry import` of 1,000,000 rows on PostgreSQL and SQLite, as a subprocess.

Baseline: Python's csv module reading and splitting the same file. Each backend imports
the file twice: into the empty registry of a launch, then again (every row an update).
Each run uses a throwaway PostgreSQL schema (dropped afterwards) or a temporary SQLite
file, so the database is left as it was found.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from bench._common import REDIS_URL, baseline_seconds, report
from gateway.programme.demo_data import generate_pensioners, seed_demo_data
from gateway.programme.registry_import import REGISTRY_COLUMNS
from gateway.store.migrate import upgrade_database
from gateway.store.models import Pensioner

ROWS = int(os.environ.get("BENCH_REGISTRY_ROWS", "1000000"))
PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench")
SMSGW = str(Path(sys.executable).with_name("smsgw"))


def sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@contextmanager
def scratch_database(backend: str, folder: Path) -> Iterator[str]:
    """A migrated database URL, dropped afterwards: a PostgreSQL schema or a SQLite file."""
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'bench.db'}"
        upgrade_database(url)
        yield url
        return
    schema = f"bench_{os.getpid()}"
    admin = create_engine(sqlalchemy_url(PG_URL))
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    try:
        upgrade_database(sqlalchemy_url(url))
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def seed_programme(url: str) -> None:
    """The 31 associations, phases and quotas the rows refer to."""
    from sqlalchemy.orm import Session

    engine = create_engine(sqlalchemy_url(url))
    with Session(engine) as session, session.begin():
        seed_demo_data(session, 0, "Asia/Tehran")
    engine.dispose()


def run_cli(url: str, folder: Path, *args: str, refused: bool = False) -> tuple[float, float, str]:
    """Run `smsgw ARGS` on that database: (seconds, peak RSS in MB of that process, output);
    with `refused`, a command that must exit with an error (its time is what counts).

    The peak comes from GNU time: Linux carries a parent's peak RSS over fork and exec
    into the child's ru_maxrss, so this (large) bench process must not be the parent.
    """
    env = dict(os.environ, DATABASE_URL=url, REDIS_URL=REDIS_URL, GATEWAY_ENV="development")
    env["INSTANCE_PATH"] = str(folder / "instance")
    rss_file = folder / "peak-rss-kb.txt"
    command = ["/usr/bin/time", "-f", "%M", "-o", str(rss_file), SMSGW, *args]
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if (result.returncode != 0) is not refused:
        raise RuntimeError(f"smsgw {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return seconds, int(rss_file.read_text().split()[-1]) / 1024, result.stdout


def write_registry_csv(path: Path, rows: int) -> None:
    """Valid synthetic rows, mobiles in the formats staff files hold (0912…, +98…, empty)."""
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(REGISTRY_COLUMNS)
        for index, p in enumerate(generate_pensioners(rows)):
            mobile = ("0" + p["mobile"][3:], p["mobile"], "")[index % 3]
            writer.writerow(
                [p["national_id"], p["pension_number"], p["full_name"], p["association_code"],
                 mobile, int(p["eligible"]), "no" if not p["prior_loan"] else "yes"]
            )  # fmt: skip


def time_csv_baseline(path: Path) -> float:
    started = time.perf_counter()
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for _row in csv.reader(handle):
            pass
    return time.perf_counter() - started


def count_pensioners(url: str) -> int:
    engine = create_engine(sqlalchemy_url(url))
    with engine.connect() as conn:
        count = conn.scalar(select(func.count()).select_from(Pensioner))
    engine.dispose()
    return count


def main() -> None:
    """Each import's ratio is to the median of three csv reads timed just before it (see
    bench.export)."""
    with tempfile.TemporaryDirectory(prefix="bench-registry-") as tmp:
        folder = Path(tmp)
        source = folder / "registry.csv"
        write_registry_csv(source, ROWS)
        for backend in ("postgresql", "sqlite"):
            with scratch_database(backend, folder) as url:
                seed_programme(url)
                # Into the empty registry of a launch, then the same file again: every
                # row an update.
                for name in (backend, f"{backend}.again"):
                    timed_import(name, url, folder, source)


def timed_import(name: str, url: str, folder: Path, source: Path) -> None:
    """One import, its ratio to the csv read, and the same ratio without what an import
    of a file with no rows takes (the process starting, the app, the connection, the
    header read): the csv read is timed inside a running process."""
    empty = folder / "header-only.csv"  # refused: "nothing imported: the file has no rows"
    with source.open(encoding="utf-8-sig") as handle:
        empty.write_text(handle.readline(), encoding="utf-8")
    args = ("registry", "import", str(empty))
    start, _, _ = baseline_seconds(lambda: run_cli(url, folder, *args, refused=True)[0])
    baseline, fastest, slowest = baseline_seconds(lambda: time_csv_baseline(source))
    seconds, peak, output = run_cli(url, folder, "registry", "import", str(source))
    assert f"imported {ROWS}, rejected 0" in output, output
    assert count_pensioners(url) == ROWS
    report(
        f"registry_import.{name}", rows=ROWS, seconds=seconds, rows_per_s=round(ROWS / seconds),
        peak_mb=peak, baseline_csv_read_s=baseline,
        baseline_spread_s=f"{fastest:.3g}-{slowest:.3g}", ratio_to_baseline=seconds / baseline,
        empty_import_s=start, ratio_after_start=(seconds - start) / baseline,
    )  # fmt: skip


if __name__ == "__main__":
    main()
