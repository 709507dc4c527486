"""The chaos rehearsal: whole dialogs through a real cluster while it is broken on purpose.

`python -m bench chaos [--seed N] [--dialogs N] [--spread S] [--keep]` (or
`python -m bench.chaos`) starts its own PostgreSQL and Redis, two gunicorn nodes and
three RQ workers (cluster.py), drives the dialogs (load.py) with staff cancelling and
raising quotas (staff.py) while the faults strike (faults.py), lets the reconciler
settle everything, then checks the promises (checks.py); rehearsal.py puts them
together.

Exit status 0 when every check held. Without --seed a seed is drawn and printed; the
same seed replays the same dialogs, faults and staff actions at the same points of the
load (`--keep` keeps the servers' folder with every process's log).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
from datetime import UTC, datetime

from bench.chaos.rehearsal import rehearse


def parse_options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench chaos")
    parser.add_argument("--seed", type=int, default=random.randrange(10**6))
    parser.add_argument("--dialogs", type=int, default=3000)
    parser.add_argument(
        "--spread", type=float, default=0, help="start the dialogs evenly over these seconds"
    )
    parser.add_argument("--keep", action="store_true", help="keep the servers' folder and logs")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv or [])
    started = datetime.now(UTC)
    print(
        f"chaos seed={options.seed} dialogs={options.dialogs} started={started:%Y-%m-%d %H:%M}"
        f" UTC machine={platform.node()} cpus={os.cpu_count()}",
        flush=True,
    )
    checks, run = rehearse(options.seed, options.dialogs, options.spread, options.keep)
    for name, value in run.items():
        print(f"  {name}: {value}")
    for check in checks:
        verdict = "ok" if not check.wrong else f"WRONG ({len(check.wrong)})"
        figures = " ".join(f"{k}={v}" for k, v in check.figures.items())
        print(f"{check.name}: {verdict} {figures}")
        for line in check.wrong[:10]:
            print(f"    {line}")
    failed = [c.name for c in checks if c.wrong]
    verdict = f"FAILED {', '.join(failed)}" if failed else "all checks held"
    print(f"chaos seed={options.seed}: {verdict}")
    return 1 if failed else 0
