"""Export files: written 0600 and whole into EXPORT_FOLDER, deleted after retention (audited)."""

from __future__ import annotations

import json
import os
import stat
import time
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.platform import services
from gateway.programme.export_requests import get_export, request_export
from gateway.store.models import AuditEvent
from gateway.store.registrations import RegistrationFilters
from tests.factories import add_application, add_pensioner
from workers.jobs import export_registrations, reconcile

DAY = 24 * 3600


@pytest.fixture
def settings_overrides(tmp_path):
    return {"EXPORT_FOLDER": str(tmp_path / "shared"), "EXPORT_RETENTION_DAYS": 7}


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "shared"


def age(path, days: float) -> None:
    """Set the file's last write `days` ago."""
    moment = time.time() - days * DAY
    os.utime(path, (moment, moment))


def deletions(db) -> list[AuditEvent]:
    db.rollback()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == "export.deleted")))


def test_an_export_is_written_whole_with_mode_0600_and_no_temporary_file_left(
    app, db, programme, folder
):
    add_pensioner(db, "0012345679", association_code="08")
    add_application(db, "0012345679", association_code="08", status="approved")
    db.commit()
    info = request_export(services.current(), "office", "xlsx", RegistrationFilters())
    export_registrations(info["id"])
    assert get_export(services.redis_client(), info["id"])["state"] == "done"
    assert [p.name for p in folder.iterdir()] == [info["file"]]
    assert stat.S_IMODE((folder / info["file"]).stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700  # made here: only the gateway's


def test_the_reconciler_deletes_exports_past_retention_and_audits_each(app, db, folder):
    folder.mkdir()
    old = [
        "registrations-1405-09-01-0830-1a2b3c.csv",
        "registrations-08-1405-09-01-0831-4d5e6f.xlsx",
        ".registrations-1405-09-01-0832-777777.csv.k2_x9a.part",  # a crashed worker's
    ]
    young = "registrations-1405-09-07-0830-abcdef.csv"
    foreign = "backup-notes.txt"  # not the gateway's: never deleted, however old
    for name in [*old, young, foreign]:
        (folder / name).write_text("x")
        age(folder / name, 8 if name != young else 6.9)
    age(folder / foreign, 100)
    found = reconcile()
    assert found["exports_deleted"] == 3
    assert sorted(p.name for p in folder.iterdir()) == sorted([young, foreign])
    events = deletions(db)
    assert sorted(e.target for e in events) == sorted(old)
    assert {e.actor for e in events} == {"system:reconciler"}
    assert {json.loads(e.details)["retention_days"] for e in events} == {7}
    assert reconcile()["exports_deleted"] == 0 and len(deletions(db)) == 3


def test_the_reconciler_runs_with_no_export_folder_yet(app, db, folder):
    assert not folder.exists()
    assert reconcile()["exports_deleted"] == 0 and deletions(db) == []


def test_exports_default_to_the_instance_folder(settings):
    single = replace(settings, EXPORT_FOLDER="")
    assert single.export_folder == single.instance_path / "exports"


def test_a_file_that_cannot_be_deleted_is_left_and_the_tick_goes_on(app, db, folder, monkeypatch):
    """A share mounted read-only, a file owned by another user: unlink fails (faked here,
    as the tests run as root, whom permissions never stop)."""
    folder.mkdir()
    stuck, gone = (folder / f"registrations-1405-09-01-083{n}-1a2b3c.csv" for n in (0, 1))
    for path in (stuck, gone):
        path.write_text("x")
        age(path, 8)
    real_unlink = Path.unlink

    def unlink(path, *args, **kwargs):
        if path.name == stuck.name:
            raise PermissionError(13, "Permission denied")
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(Path, "unlink", unlink)
    assert reconcile()["exports_deleted"] == 1
    assert [e.target for e in deletions(db)] == [gone.name]
    assert stuck.exists() and not gone.exists()
