"""Whole SMS dialogs through the real webhook under gunicorn, driven by wrk.

The gateway (`config.wsgi:app`, PostgreSQL + Redis) and its two ceilings
(bench/_ceiling_app.py, same gunicorn settings, same reply bytes): `bare`, a Flask app
that only parses and answers, and `io`, the I/O ceiling that also checks the signature,
does one Redis GET + SET and one INSERT + commit, get the same pre-computed signed
requests: wrk connection c walks whole dialogs of its own phones
in order (message 1..4 of each), one message in flight at a time. Afterwards the
database must hold every message wrk saw answered.

`python -m bench webhook` runs every channel in turn; `python -m bench.webhook
--channel twilio|http|ussd|all --connections 32 --duration 20 --web-threads 4
--worker-class gthread` runs one. The same settings come from BENCH_WEBHOOK_CHANNEL,
BENCH_WEBHOOK_CONNECTIONS, BENCH_WEBHOOK_DURATION, BENCH_WEBHOOK_MESSAGES,
BENCH_WEB_THREADS, BENCH_WORKER_CLASS, BENCH_WEBHOOK_DATABASE_URL, BENCH_WEBHOOK_REDIS_URL.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bench._ceiling_app import CREATE_TABLE
from bench._common import report
from bench._gunicorn import (
    child_pids,
    cpu_seconds,
    cpu_seconds_of,
    free_port,
    gunicorn,
    machine_busy_seconds,
)
from bench._webhook_requests import CHANNELS, Dialog, Target, write_request_files
from gateway.channels import CHANNEL_MODULES
from gateway.platform.dates import utcnow
from gateway.platform.db import make_engine
from gateway.programme.demo_data import seed_demo_data
from gateway.store.migrate import drop_schema, upgrade_database
from gateway.store.models import Application, Message
from gateway.store.registry import PensionerLoader, association_codes

BENCH_DATABASE = os.environ.get(
    "BENCH_WEBHOOK_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench"
)
# Its own schema: other benchmarks (bench/decisions.py) reset the same database's public one.
SCHEMA = "bench_webhook"
DATABASE_URL = f"{BENCH_DATABASE}?options=-csearch_path%3D{SCHEMA}"
REDIS_URL = os.environ.get("BENCH_WEBHOOK_REDIS_URL", "redis://127.0.0.1:6379/15")
LUA = Path(__file__).with_name("_wrk_dialog.lua")
SERVICES = ("postgres", "redis-server")  # their CPU share is reported (any client's)
LOCK_KEY = 0x5EB400C  # pg advisory lock held for the whole run
TOKENS = {"twilio": "bench-twilio-token", "http": "bench-http-token", "ussd": "bench-ussd-token"}


@dataclass
class WrkResult:
    stats: dict[str, int]
    wrk_cpu: float  # CPU seconds wrk used
    server_cpu: float  # CPU seconds the gunicorn workers used
    services_cpu: dict[str, float]  # CPU seconds of postgres and redis-server processes
    machine_busy: float  # share of all cores busy during the run, 0..1

    @property
    def seconds(self) -> float:
        return self.stats["duration_us"] / 1e6

    @property
    def per_second(self) -> float:
        return self.stats["requests"] / self.seconds

    @property
    def cpu_per_request(self) -> float:
        """CPU seconds of the gunicorn workers per request (PostgreSQL's and Redis's would
        count every other client of those servers too)."""
        return self.server_cpu / max(self.stats["requests"], 1)

    @property
    def socket_errors(self) -> int:
        s = self.stats
        return s["connect"] + s["read"] + s["write"]


def parse_options(argv: list[str]) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="python -m bench.webhook")
    parser.add_argument(
        "--channel",
        choices=[*sorted(CHANNELS), "all"],
        default=env("BENCH_WEBHOOK_CHANNEL", "all"),
        help="one channel's endpoint, or all of them in turn (the default)",
    )
    parser.add_argument(
        "--connections", type=int, default=int(env("BENCH_WEBHOOK_CONNECTIONS", "32"))
    )
    parser.add_argument("--duration", type=int, default=int(env("BENCH_WEBHOOK_DURATION", "20")))
    parser.add_argument(
        "--messages",
        type=int,
        default=int(env("BENCH_WEBHOOK_MESSAGES", "60000")),
        help="requests to pre-compute (the gateway must not run out)",
    )
    parser.add_argument(
        "--web-threads",
        default=env("BENCH_WEB_THREADS"),
        help="WEB_THREADS for gunicorn (default: config/gunicorn.py's)",
    )
    parser.add_argument(
        "--worker-class",
        default=env("BENCH_WORKER_CLASS"),
        help="gunicorn -k (default: config/gunicorn.py's gthread)",
    )
    return parser.parse_args(argv)


@contextmanager
def exclusive_run():
    """One webhook bench at a time: a second run would empty the schema under the first."""
    engine = make_engine(pg_url())
    with engine.connect() as conn:
        if not conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}):
            print("another `bench webhook` run is using the bench database: waiting for it")
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
            conn.commit()
    engine.dispose()


def pg_url() -> str:
    return DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1)


def reset_servers() -> None:
    """Empty the bench schema (then migrate it) and the bench Redis database."""
    url = pg_url()
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
    engine.dispose()
    drop_schema(url)
    upgrade_database(url)
    redis.Redis.from_url(REDIS_URL).flushdb()


def stored_counts() -> tuple[int, int]:
    """(inbound messages, applications) in the bench database."""
    engine = make_engine(pg_url())
    with engine.connect() as conn:
        inbound = conn.scalar(select(func.count()).where(Message.direction == "in"))
        applications = conn.scalar(select(func.count()).select_from(Application))
    engine.dispose()
    return inbound, applications


def wait_until_settled(timeout: float = 30) -> tuple[int, int]:
    """The counts once requests still in flight when wrk stopped have finished."""
    last, deadline = None, time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = stored_counts()
        if counts == last:
            return counts
        last = counts
        time.sleep(1)
    return last


def run_wrk(url: str, master: int, folder: Path, options: argparse.Namespace) -> WrkResult:
    # One connection per wrk thread: the only way wrk's Lua keeps a dialog on one connection.
    c = options.connections
    command = [
        "wrk",
        f"-t{c}",
        f"-c{c}",
        f"-d{options.duration}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url + "/",
        "--",
        str(folder),
    ]
    workers = child_pids(master)
    server_before, (busy_before, total_before) = cpu_seconds(workers), machine_busy_seconds()
    services_before = {name: cpu_seconds_of(name) for name in SERVICES}
    wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy_after, total_after = machine_busy_seconds()
    server_cpu = cpu_seconds(workers) - server_before
    services = {name: cpu_seconds_of(name) - services_before[name] for name in SERVICES}
    lines = [line for line in result.stdout.splitlines() if line.startswith("WRKSTATS ")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    stats = {k: int(v) for k, v in (pair.split("=") for pair in lines[-1].split()[1:])}
    wrk_cpu = (wrk_after.ru_utime + wrk_after.ru_stime) - (
        wrk_before.ru_utime + wrk_before.ru_stime
    )
    busy = (busy_after - busy_before) / max(total_after - total_before, 1e-9)
    return WrkResult(stats, wrk_cpu, server_cpu, services, busy)


def server_environment(instance: Path, options: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GATEWAY_ENV="development",
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        TWILIO_AUTH_TOKEN=TOKENS["twilio"],
        HTTP_SMS_TOKEN=TOKENS["http"],
        USSD_TOKEN=TOKENS["ussd"],
        INSTANCE_PATH=str(instance),
        RATE_LIMIT_MESSAGES="1000000",
        WEB_CONCURRENCY="2",
    )
    metrics = instance / "prometheus"
    metrics.mkdir(parents=True, exist_ok=True)
    env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
    if options.web_threads:
        env["WEB_THREADS"] = str(options.web_threads)
    return env


def print_result(name: str, channel: str, result: WrkResult) -> None:
    s = result.stats
    report(
        f"webhook.{name}",
        channel=channel,
        requests=s["requests"],
        msgs_per_s=round(result.per_second, 1),
        p50_ms=s["p50_us"] / 1000,
        p99_ms=s["p99_us"] / 1000,
        max_ms=s["max_us"] / 1000,
        non2xx=s["non2xx"],
        socket_errors=result.socket_errors,
        timeouts=s["timeout"],
        wrapped=s["wrapped"],
    )
    report(
        f"webhook.{name}.cpu",
        wrk_cpu_s=round(result.wrk_cpu, 1),
        gunicorn_workers_cpu_s=round(result.server_cpu, 1),
        postgres_cpu_s=round(result.services_cpu["postgres"], 1),
        redis_cpu_s=round(result.services_cpu["redis-server"], 1),
        machine_busy=f"{result.machine_busy:.0%}",
        cores=os.cpu_count(),
    )


def main(argv: list[str] | None = None) -> None:
    options = parse_options(argv or [])
    if shutil.which("wrk") is None:
        print("bench webhook needs wrk on PATH: apt-get update && apt-get install -y wrk")
        raise SystemExit(1)
    channels = sorted(CHANNELS) if options.channel == "all" else [options.channel]
    for channel in channels:
        bench_channel(argparse.Namespace(**{**vars(options), "channel": channel}))


def bench_channel(options: argparse.Namespace) -> None:
    """One channel's endpoint against the ceiling."""
    if options.channel not in CHANNEL_MODULES:
        print(f"the gateway has no {options.channel} channel yet (gateway/channels/)")
        raise SystemExit(1)
    print(
        f"channel={options.channel} wrk -t{options.connections} -c{options.connections} "
        f"-d{options.duration}s (one connection per wrk thread); gunicorn workers=2 "
        f"worker_class={options.worker_class or 'gthread'} "
        f"threads={options.web_threads or 'default (4)'}; {os.cpu_count()} cores shared by "
        "wrk, gunicorn, PostgreSQL and Redis",
        flush=True,
    )
    with exclusive_run(), tempfile.TemporaryDirectory(prefix="bench-webhook-") as tmp:
        run(options, Path(tmp))


def run(options: argparse.Namespace, folder: Path) -> None:
    reset_servers()
    channel = CHANNELS[options.channel]
    port = free_port()  # both servers in turn: the signatures name the URL
    target = Target(f"http://127.0.0.1:{port}", **{f"{k}_token": v for k, v in TOKENS.items()})
    started = time.perf_counter()
    requests = folder / "requests"
    written, dialogs = write_request_files(
        requests, options.channel, target, options.connections, options.messages
    )
    register_pensioners(dialogs)
    print(f"{written} requests pre-computed in {time.perf_counter() - started:.1f} s", flush=True)
    env = server_environment(folder / "instance", options)
    content_type, body = channel.ceiling_reply()
    (folder / "ceiling-reply").write_bytes(body)
    ceiling_env = {
        **env,
        "BENCH_CEILING_PATHS": ",".join(channel.paths),
        "BENCH_CEILING_CONTENT_TYPE": content_type,
        "BENCH_CEILING_BODY_FILE": str(folder / "ceiling-reply"),
    }
    bare = serve("bench._ceiling_app:app", ceiling_env, folder / "bare.log", port, options)
    print_result("bare", options.channel, bare)
    create_ceiling_table()
    io_env = {**ceiling_env, "BENCH_CEILING_IO": "1"}
    io = serve("bench._ceiling_app:app", io_env, folder / "io.log", port, options)
    print_result("io_ceiling", options.channel, io)
    log = folder / "gateway.log"
    with gunicorn("config.wsgi:app", env, log, port, options.worker_class) as (url, master):
        gateway = run_wrk(url, master, requests, options)
        inbound, applications = wait_until_settled()
    print_result("gateway", options.channel, gateway)
    report(
        "webhook.ratio",
        channel=options.channel,
        gateway_over_io_ceiling=round(gateway.per_second / io.per_second, 3),
        goal_io=0.7,
        gateway_over_bare=round(gateway.per_second / bare.per_second, 3),
        goal_bare=0.15,
        gateway_p99_ms=gateway.stats["p99_us"] / 1000,
        goal_p99_ms=100,
        # The same comparison by the web workers' CPU per message: steadier when other
        # load on the machine comes and goes during the run.
        cpu_io_ceiling_over_gateway=round(io.cpu_per_request / gateway.cpu_per_request, 3),
        cpu_bare_over_gateway=round(bare.cpu_per_request / gateway.cpu_per_request, 3),
    )
    check_stored(gateway, inbound, applications, options.connections)
    if gateway.stats["non2xx"] or gateway.socket_errors:
        lines = log.read_text(errors="replace").splitlines()[-15:]
        print("gateway log tail:\n" + "\n".join(lines))


def serve(app: str, env: dict, log: Path, port: int, options: argparse.Namespace) -> WrkResult:
    """wrk's run against one gunicorn app."""
    with gunicorn(app, env, log, port, options.worker_class) as (url, master):
        return run_wrk(url, master, log.parent / "requests", options)


def register_pensioners(dialogs: list[Dialog]) -> None:
    """The programme (associations, an open phase, quotas) and every dialog's pensioner in
    its registry, as on a launch morning: an application is then decided by its
    association's job, not looked up alone."""
    engine = make_engine(pg_url())
    with Session(engine) as session, session.begin():
        seed_demo_data(session, 0, "Asia/Tehran")
        codes = sorted(association_codes(session))
        rows = [
            {"national_id": d.national_id, "pension_number": d.pension_number,
             "full_name": f"Bench {d.index}", "association_code": codes[d.index % len(codes)],
             "mobile": d.phone, "eligible": True, "prior_loan": False}
            for d in dialogs
        ]  # fmt: skip
        PensionerLoader(session).add(rows, utcnow())
    engine.dispose()


def create_ceiling_table() -> None:
    engine = make_engine(pg_url())
    with engine.begin() as conn:
        conn.execute(text(CREATE_TABLE))
    engine.dispose()


def check_stored(result: WrkResult, inbound: int, applications: int, connections: int) -> None:
    """Every message wrk saw answered is stored; at most one more per connection was in flight."""
    s = result.stats
    answered, sent = s["done_stores"], s["sent_stores"]
    ok = answered <= inbound <= sent and applications >= s["done_creates"] and not s["wrapped"]
    report(
        "webhook.stored",
        inbound_rows=inbound,
        answered_2xx=answered,
        sent=sent,
        in_flight_at_stop=sent - answered,
        applications=applications,
        dialogs_completed=s["done_creates"],
        check="ok" if ok else "MISMATCH",
    )
    if s["wrapped"]:
        print("some connections ran out of requests and repeated them: raise --messages")
    if sent - answered > connections:
        print(f"more than {connections} messages were unanswered: see the gateway log")


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    main(sys.argv[1:])
    sys.exit(0)
