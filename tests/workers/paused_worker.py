"""A real `smsgw worker` whose first job to reach a point stops there, for the worker-kill
tests: `python -m tests.workers.paused_worker decide worker --burst` (any other `smsgw`
command too: `... notice notices send ...`).

The point is patched in from outside; production code has no test hook. The first job
past the point records its process id in Redis and sleeps, its transaction still open,
until the test kills the process.
"""

from __future__ import annotations

import os
import sys
import time

from gateway.outbound import sending
from gateway.platform import services
from gateway.programme import broadcasts, decisions

# point -> (module, function): the job pauses right after that function returns.
POINTS = {
    "decide": (decisions, "decide_batch"),
    "rate": (sending, "acquire_send_slot"),  # a send slot taken, nothing claimed yet
    "notice": (broadcasts, "enqueue_sends"),  # a notice's first chunk committed and queued
}


def pause_after(point: str) -> None:
    module, name = POINTS[point]
    original = getattr(module, name)

    def paused(*args, **kwargs):
        result = original(*args, **kwargs)
        if services.redis_client().set(f"smsgw:test:paused:{point}", os.getpid(), nx=True):
            time.sleep(600)
        return result

    setattr(module, name, paused)


if __name__ == "__main__":
    pause_after(sys.argv[1])
    from gateway.cli import cli

    cli(args=sys.argv[2:], prog_name="smsgw")
