"""The waitlist: promotion on a raised quota, staff cancellations, the move to the next phase."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from flows.messages import render
from gateway.cli import cli
from gateway.store.models import Application, AuditEvent, Message, Phase, Quota
from tests.factories import add_application, add_pensioner
from workers.jobs import promote_waitlist, reconcile, validate_application


def state(db, applications) -> list[tuple]:
    db.rollback()
    rows = [db.get(Application, a.id, populate_existing=True) for a in applications]
    return [(a.status, a.phase, a.waitlist_position) for a in rows]


def quota(db, phase=1) -> tuple[int, int, int]:
    db.rollback()
    row = db.scalar(select(Quota).where(Quota.association_code == "08", Quota.phase == phase))
    return row.limit, row.used, row.waitlisted


def last_text(db, application) -> str:
    stmt = select(Message.text).where(Message.application_id == application.id)
    return db.scalars(stmt.order_by(Message.id.desc())).first()


def set_limit(db, limit: int, phase: int = 1) -> None:
    db.execute(
        update(Quota)
        .where(Quota.association_code == "08", Quota.phase == phase)
        .values(limit=limit)
    )
    db.commit()


def test_raising_the_quota_promotes_the_head_of_the_waitlist(four, db):
    set_limit(db, 3)
    promote_waitlist("08", 1)
    promote_waitlist("08", 1)  # twice: nothing more to do
    assert state(db, four) == [
        ("approved", 1, None), ("approved", 1, None), ("approved", 1, None), ("waitlisted", 1, 1),
    ]  # fmt: skip
    assert quota(db) == (3, 3, 1)
    tracking = four[2].tracking_code
    assert last_text(db, four[2]) == render("result_promoted", "fa", tracking_code=tracking)


@pytest.fixture
def run_cli(settings):
    env = {
        "GATEWAY_ENV": "test",
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL,
        "INSTANCE_PATH": settings.INSTANCE_PATH,
    }
    return lambda *args: CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_cancel_frees_the_place_for_the_waitlist_and_is_audited(four, db, run_cli):
    result = run_cli("applications", "cancel", four[0].tracking_code, "--reason", "duplicate file")
    assert result.exit_code == 0, result.output
    assert state(db, four) == [
        ("cancelled", 1, None), ("approved", 1, None), ("approved", 1, None), ("waitlisted", 1, 1),
    ]  # fmt: skip
    assert db.get(Application, four[0].id).reason == "cancelled"
    assert quota(db) == (2, 2, 1)
    audit = db.scalar(select(AuditEvent).where(AuditEvent.action == "application_cancelled"))
    assert audit.target == four[0].tracking_code and "duplicate file" in audit.details
    again = run_cli("applications", "cancel", four[0].tracking_code, "--reason", "again")
    assert again.exit_code == 1 and "is cancelled" in again.output


def test_cancel_of_a_waitlisted_application_moves_the_others_up(four, db, run_cli):
    assert run_cli("applications", "cancel", four[2].tracking_code, "--reason", "x").exit_code == 0
    assert state(db, four)[2:] == [("cancelled", 1, None), ("waitlisted", 1, 1)]
    assert quota(db) == (2, 2, 1)


def test_show_masks_the_national_id_unless_revealed_and_audits_the_reveal(four, db, run_cli):
    shown = run_cli("applications", "show", four[2].tracking_code)
    assert shown.exit_code == 0, shown.output
    assert "00******03" in shown.output and "0000000003" not in shown.output
    assert "waitlisted" in shown.output and "decided" in shown.output
    assert "result" in shown.output and "queued" in shown.output
    revealed = run_cli("applications", "show", four[2].tracking_code, "--reveal")
    assert "0000000003" in revealed.output
    db.rollback()
    audit = db.scalar(select(AuditEvent).where(AuditEvent.action == "national_id_revealed"))
    assert audit.target == four[2].tracking_code
    assert run_cli("applications", "show", "12345678").exit_code == 1


def open_phase_two(db, now, limit: int) -> None:
    db.execute(update(Phase).where(Phase.number == 1).values(closes_at=now - timedelta(hours=1)))
    db.execute(update(Phase).where(Phase.number == 2).values(opens_at=now - timedelta(minutes=30)))
    db.commit()
    set_limit(db, limit, phase=2)


def test_next_phase_takes_the_old_waitlist_before_new_applications(four, db, now):
    open_phase_two(db, now, limit=1)
    add_pensioner(db, "0000000005")
    newcomer = add_application(db, "0000000005")
    validate_application(newcomer.id)
    assert state(db, [*four[2:], newcomer]) == [
        ("approved", 2, None), ("waitlisted", 2, 1), ("waitlisted", 2, 2),
    ]  # fmt: skip
    assert quota(db, phase=1)[2] == 0 and quota(db, phase=2) == (1, 1, 2)
    assert last_text(db, four[2]) == render(
        "result_promoted", "fa", tracking_code=four[2].tracking_code
    )


def test_the_reconciler_tick_carries_the_waitlist_over_when_the_phase_opens(four, db, now):
    open_phase_two(db, now, limit=5)
    reconcile()
    assert state(db, four)[2:] == [("approved", 2, None), ("approved", 2, None)]
    assert quota(db, phase=2) == (5, 2, 0)
