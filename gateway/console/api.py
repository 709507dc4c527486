"""The monitor's JSON: message rates, send outcomes, queues, workers, failed jobs, funnel."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime

from flask import Blueprint, jsonify, request
from rq import Worker
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

from gateway.console.auth import require
from gateway.console.roles import MONITOR
from gateway.monitoring import counters as stats
from gateway.platform import services
from gateway.platform.dates import iso_utc, utcnow
from gateway.platform.masking import mask_text
from gateway.programme.jobs import QUEUE_NAMES, get_queue
from gateway.store import stat_counters as store
from gateway.store.support import waiting_summary

bp = Blueprint("console_api", __name__, url_prefix="/console/api")
FAILED_JOBS_SHOWN = 20
MIN_SENDS_FOR_RATE = 20  # fewer finished sends in the hour than this: no failure warning
FAILURES = ("failed", "undelivered")
# The chart's ranges: minutes shown -> minutes per point.
RANGES = {60: 1, 360: 5, 1440: 15}


@bp.get("/monitor")
@require(MONITOR)
def monitor():
    """Everything the monitor page shows, polled every few seconds (?minutes=60|360|1440)."""
    minutes = request.args.get("minutes", "60")
    span = int(minutes) if minutes.isdigit() and int(minutes) in RANGES else 60
    return jsonify(monitor_snapshot(utcnow(), span))


def monitor_snapshot(now: datetime, span: int = 60) -> dict:
    session, redis = services.request_session(), services.redis_client()
    step = RANGES.get(span, 1)
    minutes = stats.recent_minutes(now)
    points = stats.recent_minutes(now, span)[::step]
    today = stats.day_of(now, services.settings().TIMEZONE)
    sends = store.read_counts(session, "sends", today)
    hour = send_totals(row for row in sends if row[0] >= minutes[0])
    queues = queue_depths(redis)
    rows = store.read_counts(session, "messages", points[0])
    snapshot = {
        "now": iso(now),
        "timezone": services.settings().TIMEZONE,
        "minutes": [iso(m) for m in points],
        "step": step,
        "series": message_series(rows, points, step),
        "sends_hour": hour,
        "sends_today": send_totals(sends),
        "failures_today": failures_by_code(sends),
        "rates": send_rates(hour),
        "queues": queues,
        "workers": workers_alive(redis),
        "failed_jobs": failed_jobs(redis),
        "funnel_today": funnel(session, today),
        "funnel_by_phase": funnel_by_phase(session),
        "support": support_waiting(session, now),
    }
    snapshot["warnings"] = warnings(snapshot)
    return snapshot


def support_waiting(session, now: datetime) -> dict:
    """Unanswered support questions, and how many minutes the oldest has waited."""
    count, oldest = waiting_summary(session)
    minutes = None if oldest is None else max(0, int((now - oldest).total_seconds() // 60))
    return {"open": count, "oldest_at": iso(oldest), "oldest_minutes": minutes}


def iso(moment: datetime | None) -> str | None:
    return iso_utc(moment) or None


def message_series(rows, points: list[datetime], step: int = 1) -> dict:
    """channel -> {"in": [...], "out": [...]}: messages per point of `step` minutes each
    (starting at `points`, oldest first)."""
    first, size = points[0], len(points)
    series: dict = defaultdict(lambda: {"in": [0] * size, "out": [0] * size})
    for bucket, labels, count in rows:
        channel, _, direction = labels.partition("|")
        n = int((bucket - first).total_seconds() // 60) // step
        if 0 <= n < size and direction in ("in", "out"):
            series[channel][direction][n] += count
    return dict(sorted(series.items()))


def send_totals(rows) -> dict[str, int]:
    totals = Counter({status: 0 for status in stats.SEND_STATUSES})
    for _bucket, labels, count in rows:
        totals[labels.partition("|")[0]] += count
    return dict(totals)


def failures_by_code(rows) -> list[dict]:
    codes = Counter()
    for _bucket, labels, count in rows:
        status, _, code = labels.partition("|")
        if status in (*FAILURES, "retry"):
            codes[status, code or "-"] += count
    return [{"status": s, "code": c, "count": n} for (s, c), n in codes.most_common()]


def send_rates(totals: dict[str, int]) -> dict:
    """Delivered per sent, and failed or undelivered per finished send (None: too few)."""
    finished = totals["sent"] + totals["failed"]
    failed = totals["failed"] + totals["undelivered"]
    reports = totals["delivered"] + totals["undelivered"]
    return {
        "delivery": round(totals["delivered"] / totals["sent"], 4) if totals["sent"] else None,
        "failure": round(failed / finished, 4) if finished >= MIN_SENDS_FOR_RATE else None,
        "finished": finished,
        # Sent but no delivery report at all: the provider (or the console one) sends none.
        "no_reports": totals["sent"] > 0 and reports == 0,
    }


def queue_depths(redis) -> dict[str, dict[str, int]]:
    depths = {}
    for name in QUEUE_NAMES:
        queue = get_queue(name, redis)
        depths[name] = {
            "queued": queue.count,
            "scheduled": ScheduledJobRegistry(queue=queue).count,
            "started": StartedJobRegistry(queue=queue).count,
            "failed": FailedJobRegistry(queue=queue).count,
        }
    return depths


def workers_alive(redis) -> list[dict]:
    return [
        {"name": w.name, "state": str(w.get_state()), "queues": w.queue_names()}
        for w in sorted(Worker.all(connection=redis), key=lambda w: w.name)
    ]


def failed_jobs(redis) -> list[dict]:
    """The newest failed jobs of every queue; errors masked (they may quote data)."""
    jobs = []
    for name in QUEUE_NAMES:
        registry = FailedJobRegistry(queue=get_queue(name, redis))
        for job in registry.job_class.fetch_many(
            registry.get_job_ids(0, FAILED_JOBS_SHOWN - 1, desc=True), connection=redis
        ):
            if job is not None:
                jobs.append(describe_job(name, job))
    return sorted(jobs, key=lambda job: job["ended_at"] or "", reverse=True)[:FAILED_JOBS_SHOWN]


def describe_job(queue: str, job) -> dict:
    result = job.latest_result()
    lines = ((result and result.exc_string) or "").strip().splitlines()
    return {
        "queue": queue,
        "id": job.id,
        "func": (job.func_name or "").rpartition(".")[2],
        "args": mask_text(", ".join(str(a) for a in job.args or ())),
        "error": mask_text(lines[-1][:200]) if lines else "",
        "ended_at": iso(job.ended_at.replace(tzinfo=UTC) if job.ended_at else None),
    }


def funnel(session, since: datetime | None = None) -> dict[str, int]:
    """Dialog steps and decisions (outcomes, and rejections by reason) from `since`."""
    total = Counter(dict.fromkeys((*stats.FUNNEL_STEPS, *stats.OUTCOMES), 0))
    for counts in funnel_counts(session, since).values():
        total.update(counts)
    return dict(total)


def funnel_by_phase(session) -> dict[str, dict[str, int]]:
    """phase -> its funnel over every day of it ("0": while no phase was open)."""
    zero = dict.fromkeys((*stats.FUNNEL_STEPS, *stats.OUTCOMES), 0)
    return {phase: zero | dict(counts) for phase, counts in sorted(funnel_counts(session).items())}


def funnel_counts(session, since: datetime | None = None) -> dict[str, Counter]:
    phases: dict = defaultdict(Counter)
    for labels, count in store.sum_counts(session, "funnel", since).items():
        phase, _, step = labels.partition("|")
        phases[phase][step] += count
    for labels, count in store.sum_counts(session, "decisions", since).items():
        phase, outcome, reason = labels.split("|")
        phases[phase][outcome] += count
        if reason:
            phases[phase][f"rejected.{reason}"] += count
    return phases


def warnings(snapshot: dict) -> list[dict]:
    """What needs an operator now: deep queues, many failed sends, no worker."""
    settings = services.settings()
    found = []
    for name, depth in snapshot["queues"].items():
        if depth["queued"] > settings.MONITOR_MAX_QUEUE_DEPTH:
            found.append({"kind": "queue_depth", "queue": name, "value": depth["queued"]})
    failure = snapshot["rates"]["failure"]
    if failure is not None and failure > settings.MONITOR_MAX_FAILURE_RATE:
        found.append({"kind": "failure_rate", "value": failure})
    waiting = sum(depth["queued"] for depth in snapshot["queues"].values())
    if waiting and not snapshot["workers"]:
        found.append({"kind": "no_workers", "value": waiting})
    return found
