"""Races between staff and jobs on one quota: a cancel in flight and the move to the next
phase, a cancel and a decision of the same application. Each holds one transaction open
at the worst moment and lets the other run into it."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select, update

from gateway.platform import services
from gateway.programme import cancellation, decisions
from gateway.store.models import Application, AuditEvent, Message, Phase, Quota
from tests.factories import add_application, add_pensioner
from workers.jobs import validate_application


def quota(db, phase: int) -> tuple[int, int, int]:
    db.rollback()
    row = db.scalar(select(Quota).where(Quota.association_code == "08", Quota.phase == phase))
    return row.limit, row.used, row.waitlisted


def approved_in(db, phase: int) -> int:
    stmt = select(func.count()).where(
        Application.association_code == "08",
        Application.phase == phase,
        Application.status == "approved",
    )
    return db.scalar(stmt)


def run_in_thread(target) -> tuple[threading.Thread, dict]:
    result: dict = {}
    app = current_app._get_current_object()

    def body():
        try:
            with app.app_context():
                result["value"] = target()
        except Exception as exc:  # handed to the test to assert on
            result["error"] = exc

    thread = threading.Thread(target=body)
    thread.start()
    return thread, result


@pytest.fixture
def waitlisted_in_phase_one(app, db, programme, now):
    """Phase 1 full (2 approved) with one waitlisted; then phase 1 closes, phase 2 opens."""
    applications = []
    for i in range(1, 4):
        add_pensioner(db, f"000000000{i}")
        applications.append(add_application(db, f"000000000{i}"))
    for application in applications:
        validate_application(application.id)
    db.execute(update(Phase).where(Phase.number == 1).values(closes_at=now - timedelta(hours=1)))
    db.execute(update(Phase).where(Phase.number == 2).values(opens_at=now - timedelta(minutes=30)))
    db.execute(update(Quota).where(Quota.phase == 2).values(limit=1))
    db.commit()
    return applications[2]


def test_a_cancel_in_flight_is_never_carried_over_into_a_place(
    app, db, waitlisted_in_phase_one, settings
):
    """The waitlisted pensioner is being cancelled (its transaction holds phase 1's quota)
    while a new application's decision carries phase 1's waitlist into phase 2."""
    waiting = waitlisted_in_phase_one
    add_pensioner(db, "0000000004")
    newcomer = add_application(db, "0000000004")
    with services.database().writer_sessions() as staff:
        phase_one = (Quota.association_code == "08", Quota.phase == 1)
        staff.execute(select(Quota.id).where(*phase_one).with_for_update())
        staff.execute(
            update(Application).where(Application.id == waiting.id)
            .values(status="cancelled", waitlist_position=None)
        )  # fmt: skip
        staff.execute(update(Quota).where(*phase_one).values(waitlisted=0))
        thread, result = run_in_thread(lambda: validate_application(newcomer.id))
        time.sleep(0.5)  # the decision reaches phase 1's quota lock and waits
        staff.commit()
    thread.join(timeout=60)
    assert "error" not in result, result
    db.rollback()
    db.expire_all()
    assert db.get(Application, waiting.id).status == "cancelled"
    sms = db.scalars(select(Message.text).where(Message.application_id == waiting.id)).all()
    assert len(sms) == 1  # its waitlist SMS from phase 1, and no "approved" after it
    assert db.get(Application, newcomer.id).status == "approved"
    assert quota(db, phase=2)[1] == approved_in(db, phase=2) == 1


def test_a_cancel_waiting_on_a_decision_cancels_what_the_decision_approved(
    app, db, programme, monkeypatch
):
    """Staff cancel a pending application while its decision holds the quota and the row:
    the cancel waits, then cancels the approved application and frees its place."""
    add_pensioner(db, "0000000001")
    pending = add_application(db, "0000000001")
    decided, go_on = threading.Event(), threading.Event()
    original = decisions.decide_batch

    def decide_then_wait(*args, **kwargs):
        found = original(*args, **kwargs)
        decided.set()
        go_on.wait(30)  # the decision's transaction stays open here
        return found

    monkeypatch.setattr(decisions, "decide_batch", decide_then_wait)
    decision, decision_result = run_in_thread(lambda: validate_application(pending.id))
    assert decided.wait(30)
    cancel, cancel_result = run_in_thread(
        lambda: cancellation.cancel_application(
            services.current(), pending.tracking_code, "asked by phone", "staff"
        )
    )
    time.sleep(0.5)  # the cancel waits on the decision
    go_on.set()
    decision.join(timeout=60)
    cancel.join(timeout=60)
    assert "error" not in decision_result and "error" not in cancel_result, cancel_result
    db.rollback()
    db.expire_all()
    assert db.get(Application, pending.id, populate_existing=True).status == "cancelled"
    assert quota(db, phase=1)[1] == 0  # the place the decision took is free again
    [audit] = db.scalars(select(AuditEvent).where(AuditEvent.action == "application_cancelled"))
    assert '"was": "approved"' in audit.details
