"""Staff at work during the load, through the `smsgw` CLI as staff would use it:
cancelling confirmed applications and raising associations' quotas (which promotes
their waitlists), at seeded points of the load."""

from __future__ import annotations

import random
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

from bench.chaos.cluster import SMSGW
from bench.chaos.load import Ledger


@dataclass
class StaffLog:
    cancelled: list[str] = field(default_factory=list)  # tracking codes the CLI cancelled
    refused: list[str] = field(default_factory=list)  # `code: the CLI's last line`
    raised: list[tuple[str, int]] = field(default_factory=list)  # (association, new limit)
    failed_imports: list[str] = field(default_factory=list)


class Staff:
    def __init__(self, seed: int, env: dict, folder: Path, limits: dict[str, int], actions: int):
        self.rng = random.Random(f"staff-{seed}")
        self.env, self.folder, self.limits = env, folder, dict(limits)
        self.moments = sorted(self.rng.uniform(0.05, 0.95) for _ in range(actions))
        self.log = StaffLog()
        self.stop = threading.Event()

    def run(self, progress, ledger: Ledger) -> None:
        for number, moment in enumerate(self.moments):
            while progress() < moment:
                if self.stop.wait(0.2):
                    return
            if number % 3 == 2:
                self._raise_quota(number)
            else:
                with ledger.lock:
                    codes = sorted(set(ledger.confirmed.values()) - set(self.log.cancelled))
                if codes:
                    self._cancel(self.rng.choice(codes))

    def _smsgw(self, *args) -> subprocess.CompletedProcess:
        return subprocess.run(
            [SMSGW, *args], env=self.env, capture_output=True, text=True, timeout=120
        )

    def _cancel(self, code: str) -> None:
        done = self._smsgw("applications", "cancel", code, "--reason", "chaos rehearsal")
        if done.returncode == 0:
            self.log.cancelled.append(code)
        else:
            last = (done.stderr or done.stdout).strip().splitlines()[-1:]
            self.log.refused.append(f"{code}: {' '.join(last)}")

    def _raise_quota(self, number: int) -> None:
        code = self.rng.choice(sorted(self.limits))
        limit = self.limits[code] + self.rng.randint(1, 5)
        path = self.folder / f"quotas-{number}.csv"
        path.write_text(f"association_code,association_name,phase,quota\n{code},{code},1,{limit}\n")
        done = self._smsgw("quotas", "import", str(path))
        if done.returncode == 0:
            self.limits[code] = limit
            self.log.raised.append((code, limit))
        else:
            self.log.failed_imports.append(f"{code}: {done.stderr.strip()[-200:]}")
