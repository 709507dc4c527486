"""Exports asked for in the console: a Redis hash per request, written by an RQ job."""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path

from flask import current_app
from redis import Redis

from gateway.exports import ExportError, ExportFilters, export_registrations, record_export
from gateway.jalali import jalali_datetime
from gateway.models import utcnow
from gateway.store.console import count_export_rows

EXPORT_JOB = "workers.exports.export_registrations_job"
KEEP_SECONDS = 7 * 24 * 3600  # the request (and its download link) is forgotten after a week
_KEY = "smsgw:export:{}"
_INDEX = "smsgw:exports"


def export_folder() -> Path:
    return current_app.extensions["settings"].instance_path / "exports"


def export_file_name(moment: datetime, fmt: str, association: str | None, export_id: str) -> str:
    """`registrations-08-1405-09-04-0830-1a2b3c.xlsx`: Jalali date and time, programme zone."""
    stamp = jalali_datetime(moment, current_app.extensions["settings"].TIMEZONE)
    stamp = stamp.replace("/", "-").replace(" ", "-").replace(":", "")
    prefix = f"registrations-{association}-" if association else "registrations-"
    return f"{prefix}{stamp}-{export_id[:6]}.{fmt}"


def request_export(redis: Redis, actor: str, fmt: str, filters: ExportFilters) -> dict:
    """Store the request and queue its job; returns the request as stored."""
    from workers import enqueue

    export_id, now = secrets.token_hex(8), utcnow()
    info = {
        "id": export_id,
        "actor": actor,
        "format": fmt,
        "association": filters.association or "",
        "phase": filters.phase or "",
        "status": filters.status or "",
        "state": "queued",
        "total": 0,
        "done": 0,
        "file": export_file_name(now, fmt, filters.association, export_id),
        "error": "",
        "requested_at": now.isoformat(),
    }
    pipe = redis.pipeline()
    pipe.hset(_KEY.format(export_id), mapping=info)
    pipe.expire(_KEY.format(export_id), KEEP_SECONDS)
    pipe.zadd(_INDEX, {export_id: now.timestamp()})
    pipe.execute()
    enqueue(redis, "exports", EXPORT_JOB, export_id, job_id=f"export:{export_id}")
    return get_export(redis, export_id)


def get_export(redis: Redis, export_id: str) -> dict | None:
    info = redis.hgetall(_KEY.format(export_id))
    if not info:
        return None
    info = {k.decode(): v.decode() for k, v in info.items()}
    info["filters"] = ExportFilters(
        info["association"] or None, int(info["phase"]) if info["phase"] else None,
        info["status"] or None,
    )  # fmt: skip
    return info


def recent_exports(redis: Redis, limit: int = 200) -> list[dict]:
    """The latest requests, newest first (forgotten ones are dropped from the index)."""
    found = []
    for raw in redis.zrevrange(_INDEX, 0, limit - 1):
        info = get_export(redis, raw.decode())
        if info is None:
            redis.zrem(_INDEX, raw)
        else:
            found.append(info)
    return found


def _update(redis: Redis, export_id: str, **fields) -> None:
    redis.hset(_KEY.format(export_id), mapping=fields)


def export_registrations_job(export_id: str) -> None:
    """Job: write one console export (spec 3.7) under instance/exports/, with progress."""
    redis = current_app.extensions["redis"]
    info = get_export(redis, export_id)
    if info is None or info["state"] == "done":
        return
    database, filters = current_app.extensions["database"], info["filters"]
    _update(redis, export_id, state="running", done=0, error="")
    folder = export_folder()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with database.session() as session:
            total = count_export_rows(session, filters.association, filters.phase, filters.status)
            _update(redis, export_id, total=total)
            result = export_registrations(
                session, folder / info["file"], info["format"], filters,
                current_app.extensions["settings"].TIMEZONE,
                progress=lambda done: _update(redis, export_id, done=done),
            )  # fmt: skip
    except (ExportError, OSError) as exc:
        _update(redis, export_id, state="failed", error=str(exc)[:300])
        return
    with database.session(write=True) as session:
        record_export(session, info["actor"], info["format"], filters, result)
    _update(redis, export_id, state="done", done=result.rows, sha256=result.sha256)
