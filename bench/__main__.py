"""`python -m bench [NAME ...]`: run the benchmarks (all when no name is given);
`python -m bench NAME --option ...` runs one with its options (`python -m bench chaos --seed 7`).

Each benchmark is a module `bench/NAME.py` with a `main() -> None` that prints its
figures and the ratio to a baseline measured in the same run. Set
`BENCH_DATABASE_URL` / `BENCH_REDIS_URL` to choose servers (default: the machine's
PostgreSQL `test` database and Redis database 14).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def available() -> list[str]:
    here = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))


def main(argv: list[str]) -> int:
    if len(argv) > 1 and argv[1].startswith("-") and argv[0] in available():
        return importlib.import_module(f"bench.{argv[0]}").main(argv[1:]) or 0
    names = argv or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available())}")
        return 2
    for name in names:
        print(f"== bench {name}", flush=True)
        started = time.perf_counter()
        importlib.import_module(f"bench.{name}").main()
        print(f"== bench {name} done in {time.perf_counter() - started:.1f} s\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
