"""Exports from the console: queued on `exports`, written by the job, downloaded, audited."""

from __future__ import annotations

import csv
import io
import json
import re
import stat
from dataclasses import replace

import openpyxl
import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import select

from gateway import create_app
from gateway.programme.bank_export import EXPORT_COLUMNS, XLSX_HEADERS
from gateway.programme.export_requests import recent_exports
from gateway.store.models import AuditEvent
from tests.console.conftest import post, sign_in

NAME = re.compile(r"^registrations-(?:\d\d-)?1[34]\d\d-\d\d-\d\d-\d{4}-[0-9a-f]{6}\.(csv|xlsx)$")


def audit(db, action):
    db.rollback()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def run_export_jobs(redis) -> None:
    """What `smsgw worker --queues exports --burst` does, in this process and app context."""
    SimpleWorker([Queue("exports", connection=redis)], connection=redis).work(burst=True)


def ask(client, **form):
    return post(client, "/console/exports", {"format": "xlsx", **form}, follow_redirects=True)


def test_an_export_is_queued_then_written_and_downloaded_as_xlsx(
    signed_in, applications, db, redis
):
    client = signed_in("office")
    assert "خروجی در نوبت ساخت است" in ask(client).text
    (info,) = recent_exports(redis)
    assert info["state"] == "queued" and NAME.match(info["file"])
    assert Queue("exports", connection=redis).job_ids == [f"export_registrations-{info['id']}"]
    (requested,) = audit(db, "export.requested")
    assert requested.actor == "office" and requested.target == info["file"]
    run_export_jobs(redis)
    progress = client.get(f"/console/exports/{info['id']}.json").get_json()
    assert progress == {"state": "done", "state_label": "آماده", "total": 2, "done": 2}
    response = client.get(f"/console/exports/{info['id']}/download")
    assert response.status_code == 200
    assert info["file"] in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(XLSX_HEADERS[c][0] for c in EXPORT_COLUMNS) and len(rows) == 3
    (downloaded,) = audit(db, "export.downloaded")
    assert downloaded.actor == "office" and downloaded.target == info["file"]
    (written,) = audit(db, "export")
    assert json.loads(written.details)["rows"] == 2


def test_a_csv_export_keeps_the_filters_and_the_bom(signed_in, applications, redis):
    client = signed_in("admin")
    ask(client, format="csv", association="01", phase="1", status="approved")
    run_export_jobs(redis)
    (info,) = recent_exports(redis)
    body = client.get(f"/console/exports/{info['id']}/download").data
    assert body.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [row["tracking_code"] for row in rows] == [applications["01"].tracking_code]
    assert info["file"].startswith("registrations-01-")


def test_association_staff_export_only_their_association(signed_in, applications, redis):
    client = signed_in("tabriz")
    ask(client, format="csv", association="08")
    run_export_jobs(redis)
    (info,) = recent_exports(redis)
    body = client.get(f"/console/exports/{info['id']}/download").data.decode("utf-8-sig")
    codes = [row["association_code"] for row in csv.DictReader(io.StringIO(body))]
    assert codes == ["01"]


def test_the_page_polls_a_running_export_and_links_a_finished_one(signed_in, applications, redis):
    client = signed_in("admin")
    ask(client)
    (info,) = recent_exports(redis)
    page = client.get("/console/exports").text
    assert f'data-poll="/console/exports/{info["id"]}.json"' in page and "<progress" in page
    run_export_jobs(redis)
    page = client.get("/console/exports").text
    assert f'href="/console/exports/{info["id"]}/download"' in page and "data-poll" not in page


@pytest.mark.parametrize(
    "form, message",
    [
        ({"format": "pdf"}, "«قالب» مقدار درستی ندارد."),
        ({"phase": "x"}, "«مرحله» باید یک عدد درست باشد."),
        ({"association": "99"}, "«کانون» مقدار درستی ندارد."),
        ({"status": "lost"}, "«وضعیت» مقدار درستی ندارد."),
    ],
)
def test_bad_export_requests_get_a_message_and_queue_nothing(
    signed_in, applications, redis, db, form, message
):
    response = ask(signed_in("admin"), **form)
    assert message in response.text
    assert recent_exports(redis) == [] and audit(db, "export.requested") == []


def test_an_unfinished_or_unknown_export_cannot_be_downloaded(signed_in, applications, redis):
    client = signed_in("admin")
    ask(client)
    (info,) = recent_exports(redis)
    assert client.get(f"/console/exports/{info['id']}/download").status_code == 404
    assert client.get("/console/exports/nope/download").status_code == 404


@pytest.fixture
def settings_overrides(tmp_path):
    return {"EXPORT_FOLDER": str(tmp_path / "shared-exports")}


def test_an_export_written_for_one_node_downloads_from_another_streamed(
    signed_in, applications, redis, settings, tmp_path
):
    """Two nodes (own INSTANCE_PATH each) on one database, Redis and EXPORT_FOLDER."""
    ask(signed_in("office"), format="csv")
    run_export_jobs(redis)
    (info,) = recent_exports(redis)
    written = tmp_path / "shared-exports" / info["file"]
    assert written.is_file() and stat.S_IMODE(written.stat().st_mode) == 0o600
    assert not (tmp_path / "instance" / "exports").exists()
    other = create_app(replace(settings, INSTANCE_PATH=str(tmp_path / "node-b")))
    client = other.test_client()
    assert sign_in(client, "office").status_code == 302
    response = client.get(f"/console/exports/{info['id']}/download")
    assert response.status_code == 200
    assert response.is_streamed  # a file wrapper, read block by block, never whole
    assert response.get_data() == written.read_bytes()
    response.close()
    other_folder = other.extensions["smsgw"].settings.export_folder
    assert other_folder == written.parent


def test_an_export_file_deleted_by_retention_is_a_404_not_a_500(
    signed_in, applications, redis, tmp_path
):
    client = signed_in("admin")
    ask(client, format="csv")
    run_export_jobs(redis)
    (info,) = recent_exports(redis)
    (tmp_path / "shared-exports" / info["file"]).unlink()
    response = client.get(f"/console/exports/{info['id']}/download")
    assert response.status_code == 404


def test_an_export_running_when_redis_loses_everything_finishes_and_stays_listed(
    signed_in, applications, redis, monkeypatch
):
    from gateway.programme import export_requests

    def count_after_a_flush(session, filters):
        redis.flushdb()  # Redis restarted empty while the job runs
        return count_registrations(session, filters)

    count_registrations = export_requests.count_registrations
    monkeypatch.setattr(export_requests, "count_registrations", count_after_a_flush)
    client = signed_in("admin")
    ask(client, format="csv")
    (info,) = recent_exports(redis)
    run_export_jobs(redis)
    (after,) = recent_exports(redis)
    assert (after["id"], after["file"], after["state"]) == (info["id"], info["file"], "done")
    client = signed_in("admin")  # the flush signed everyone out too
    progress = client.get(f"/console/exports/{info['id']}.json").get_json()
    assert progress == {"state": "done", "state_label": "آماده", "total": 2, "done": 2}
    assert client.get(f"/console/exports/{info['id']}/download").status_code == 200


def test_a_fragment_of_an_export_left_in_redis_reads_as_unknown(signed_in, applications, redis):
    redis.hset("smsgw:export:abc", mapping={"total": 2, "done": 2, "state": "done"})
    redis.zadd("smsgw:exports", {"abc": 1})
    client = signed_in("admin")
    assert recent_exports(redis) == []
    assert client.get("/console/exports/abc.json").status_code == 404
    assert client.get("/console/exports").status_code == 200
