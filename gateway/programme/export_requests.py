"""Exports asked for in the console: a Redis hash per request, written by a background job."""

from __future__ import annotations

import secrets
from datetime import datetime

from redis import Redis

from gateway.platform.dates import jalali_datetime, utcnow
from gateway.platform.services import Services
from gateway.programme.bank_export import ExportError, export_registrations, record_export
from gateway.programme.export_files import export_folder
from gateway.programme.jobs import enqueue
from gateway.store.registrations import RegistrationFilters, count_registrations

_KEY = "smsgw:export:{}"
_INDEX = "smsgw:exports"
# A request is readable only whole: these fields are always written together.
_FIELDS = {
    "id",
    "actor",
    "format",
    "association",
    "phase",
    "status",
    "state",
    "file",
    "requested_at",
}


def export_file_name(
    moment: datetime, timezone: str, fmt: str, association: str | None, export_id: str
) -> str:
    """`registrations-08-1405-09-04-0830-1a2b3c.xlsx`: Jalali date and time, programme zone."""
    stamp = jalali_datetime(moment, timezone)
    stamp = stamp.replace("/", "-").replace(" ", "-").replace(":", "")
    prefix = f"registrations-{association}-" if association else "registrations-"
    return f"{prefix}{stamp}-{export_id[:6]}.{fmt}"


def request_export(services: Services, actor: str, fmt: str, filters: RegistrationFilters):
    """Store the request and queue its job; returns the request as stored."""
    redis = services.redis
    export_id, now = secrets.token_hex(8), utcnow()
    name = export_file_name(now, services.settings.TIMEZONE, fmt, filters.association, export_id)
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
        "file": name,
        "error": "",
        "requested_at": now.isoformat(),
    }
    _save(services, info)
    enqueue(redis, "export_registrations", export_id)
    return get_export(redis, export_id)


def _save(services: Services, info: dict) -> None:
    """Write the whole request, never a field alone: after Redis lost it (a restart
    without persistence) the next write brings it back complete, not as a partial hash.
    It is forgotten, with its download link, when its file is deleted."""
    key = _KEY.format(info["id"])
    stored = {k: v for k, v in info.items() if k != "filters"}
    requested = datetime.fromisoformat(info["requested_at"]).timestamp()
    pipe = services.redis.pipeline()
    pipe.hset(key, mapping=stored)
    pipe.expire(key, services.settings.EXPORT_RETENTION_DAYS * 24 * 3600)
    pipe.zadd(_INDEX, {info["id"]: requested})
    pipe.execute()


def get_export(redis: Redis, export_id: str) -> dict | None:
    info = redis.hgetall(_KEY.format(export_id))
    info = {k.decode(): v.decode() for k, v in info.items()}
    if not info.keys() >= _FIELDS:
        return None  # unknown, or a fragment left by an older version after a flush
    info["filters"] = RegistrationFilters(
        association=info["association"] or None,
        phase=int(info["phase"]) if info["phase"] else None,
        status=info["status"] or None,
    )
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


def run_export(services: Services, export_id: str) -> None:
    """Write one console export (spec 3.7) into EXPORT_FOLDER, with progress."""
    redis, database = services.redis, services.database
    info = get_export(redis, export_id)
    if info is None or info["state"] == "done":
        return
    filters = info["filters"]

    def update(**fields) -> None:
        info.update(fields)
        _save(services, info)

    update(state="running", done=0, error="")
    folder = export_folder(services)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # an operator's share: left as is
    try:
        with database.session() as session:
            update(total=count_registrations(session, filters))
            result = export_registrations(
                session, folder / info["file"], info["format"], filters,
                services.settings.TIMEZONE, progress=lambda done: update(done=done),
            )  # fmt: skip
    except (ExportError, OSError) as exc:
        update(state="failed", error=str(exc)[:300])
        return
    with database.session(write=True) as session:
        record_export(session, info["actor"], info["format"], filters, result)
    update(state="done", done=result.rows, sha256=result.sha256)
