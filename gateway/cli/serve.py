"""`smsgw web` and `smsgw worker`: the two kinds of process a deployment runs."""

from __future__ import annotations

import os

import click
from rq import SimpleWorker
from rq.job_lifecycle import call_exception_handlers

from gateway.cli.context import load_cli_settings, with_app
from gateway.platform import services
from gateway.platform.logs import log_exception
from gateway.platform.masking import mask_text
from gateway.programme.reconcile import schedule_reconcile


@click.command()
@click.option("--port", type=int, help="Port on 127.0.0.1 (default: $PORT or 8000).")
@click.option(
    "--bind", help="HOST:PORT to listen on instead (behind a load balancer: 0.0.0.0:$PORT)."
)
def web(port: int | None, bind: str | None) -> None:
    """Run the web app under gunicorn with the project's server settings."""
    from gateway.cli.supervisor import gunicorn_command, web_environment
    from gateway.platform.embedded_redis import start_embedded_redis

    settings = load_cli_settings()
    if settings.embedded_redis:
        os.environ["REDIS_URL"] = start_embedded_redis(settings.instance_path)
    env = web_environment(settings, dict(os.environ))
    if port:
        env["PORT"] = str(port)
    args = gunicorn_command() + (["--bind", bind] if bind else [])
    os.execvpe(args[0], args, env)


@click.command()
@click.option(
    "--queues", default=None, help="Comma-separated queues, highest priority first (default: all)."
)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@with_app
def worker(app, queues: str | None, burst: bool) -> None:
    """Run an RQ worker (with the scheduler) inside the app context."""
    from gateway.programme.jobs import QUEUE_NAMES, get_queue
    from gateway.programme.reconcile import TICK_SECONDS

    names = [q.strip() for q in queues.split(",")] if queues else list(QUEUE_NAMES)
    redis = services.redis_client()
    try:
        worker_queues = [get_queue(name, redis) for name in names]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--queues") from None
    # Waking every TICK_SECONDS keeps the reconciler's tick on time when idle.
    ReconcilingWorker(
        worker_queues,
        connection=redis,
        maintenance_interval=TICK_SECONDS - 5,
        worker_ttl=TICK_SECONDS + 10,
    ).work(with_scheduler=True, burst=burst)


class ReconcilingWorker(SimpleWorker):
    """RQ's SimpleWorker (no fork per job: jobs are short and idempotent) whose upkeep,
    run every TICK_SECONDS, also queues the reconciler's tick, and whose failures keep no
    personal data.

    With `worker_ttl` a little above TICK_SECONDS an idle worker wakes up that often, so
    as long as any worker runs, the tick is queued once a minute - also after Redis lost
    everything (no chain of self-scheduled jobs to break). A failed job's traceback is
    kept in Redis (for the console's failed-jobs list) only masked, and logged as one
    safe line.
    """

    def handle_job_failure(self, job, queue, started_job_registry=None, exc_string="", **kw):
        masked = mask_text(exc_string)
        super().handle_job_failure(job, queue, started_job_registry, masked, **kw)

    def handle_exception(self, job, *exc_info):
        log_exception(self.log, "job_failed", exc_info[1], job=job.id)
        call_exception_handlers(self._exc_handlers, job, *exc_info)

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        try:
            self.register_again_if_forgotten()
            schedule_reconcile(self.connection)
        except Exception:  # never let the upkeep stop the worker
            self.log.exception("could not queue the reconciler tick")

    def register_again_if_forgotten(self) -> None:
        """After Redis restarted empty a worker still works but is listed nowhere, so the
        console's monitor and `smsgw programme check` would say no worker runs: it lists
        itself again at its next upkeep."""
        if not self.connection.sismember(self.redis_workers_keys, self.key):
            self.connection.delete(self.key)  # the fragment its heartbeats wrote since
            self.register_birth()


COMMANDS = (web, worker)
