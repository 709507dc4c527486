"""What the benchmarks share: the servers they use, a peak-memory reading, a baseline's
median."""

from __future__ import annotations

import os
import resource
import statistics
from collections.abc import Callable

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def peak_rss_mb(children: bool = False) -> float:
    """Peak resident memory of this process (or of its waited-for children), in MB."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024


def report(name: str, **figures) -> None:
    """One line a benchmark result: `name key=value ...`."""
    parts = " ".join(
        f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()
    )
    print(f"{name} {parts}", flush=True)


def baseline_seconds(timed: Callable[[], float], runs: int = 3) -> tuple[float, float, float]:
    """(median, fastest, slowest) of `runs` timings of a baseline; `timed()` returns one.

    A baseline of about a second moved by half between runs minutes apart on a shared
    machine (a csv read: 0.74-1.29 s); its median holds a ratio steadier than one run."""
    times = sorted(timed() for _ in range(runs))
    return statistics.median(times), times[0], times[-1]
