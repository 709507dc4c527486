"""Notices: a cancel, a carry-over to the next phase's waitlist and a phase that opens each
text the pensioner once, in their language, through the outbound queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rq import Queue
from sqlalchemy import select, update

from flows.messages import NOTE_MAX_CHARS, render
from gateway.platform import services
from gateway.programme.cancellation import cancel_application, sms_note
from gateway.store.models import Message, Phase, Quota
from tests.factories import add_application, add_pensioner
from tests.programme.test_waitlist import open_phase_two, state
from workers.jobs import reconcile


def notices(db, application=None) -> list[Message]:
    db.rollback()
    stmt = select(Message).where(Message.kind == "notice")
    if application is not None:
        stmt = stmt.where(Message.application_id == application.id)
    return db.scalars(stmt.order_by(Message.id)).all()


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("  duplicate\n application  ", "duplicate application"),
        ("x" * NOTE_MAX_CHARS, "x" * NOTE_MAX_CHARS),
        ("y" * (NOTE_MAX_CHARS + 5), "y" * (NOTE_MAX_CHARS - 1) + "…"),
    ],
)
def test_the_reason_of_a_cancel_becomes_one_short_line(note, expected):
    assert sms_note(note) == expected


def test_a_cancel_texts_the_pensioner_the_reason_once_and_queues_it(four, db, redis):
    cancelled = four[0]
    cancel_application(services.current(), cancelled.tracking_code, "درخواست تکراری", "test")
    (notice,) = notices(db, cancelled)
    assert notice.text == render(
        "notice_cancelled", "fa", tracking_code=cancelled.tracking_code, note="درخواست تکراری"
    )
    assert notice.idempotency_key == f"cancelled:{cancelled.id}"
    assert f"send_sms-{notice.id}" in Queue("sms", connection=redis).job_ids


def test_an_english_pensioner_reads_the_cancel_in_english(app, db, programme):
    add_pensioner(db, "0000000001")
    application = add_application(db, "0000000001", status="waitlisted", lang="en",
                                  association_code="08", phase=1, waitlist_position=1)  # fmt: skip
    db.execute(update(Quota).where(Quota.association_code == "08", Quota.phase == 1)
               .values(waitlisted=1))  # fmt: skip
    db.commit()
    cancel_application(services.current(), application.tracking_code, "moved abroad", "test")
    (notice,) = notices(db, application)
    assert (
        notice.text
        == f"Application {application.tracking_code} was cancelled. Reason: moved abroad"
    )


def test_a_carry_over_texts_the_new_position_and_a_second_tick_texts_nothing(
    four,
    db,
    now,
):
    open_phase_two(db, now, limit=1)
    reconcile()
    reconcile()
    assert state(db, four)[2:] == [("approved", 2, None), ("waitlisted", 2, 1)]
    (notice,) = notices(db, four[3])
    assert notice.text == render(
        "notice_carried_over", "fa", tracking_code=four[3].tracking_code, phase=2, position=1
    )
    assert notice.idempotency_key == f"carried_over:{four[3].id}:2"
    assert notices(db, four[2]) == []  # promoted: its result SMS says so


def test_a_phase_that_opens_is_announced_once_to_each_phone_told_to_wait_for_it(
    app, db, programme, now
):
    """Rejected `phase_closed` before the phase opened: told once, per phone; not those
    who hold an application since, nor those rejected for another reason."""
    before = now - timedelta(days=2)
    waiting = dict(status="rejected", reason="phase_closed", decided_at=before)
    add_application(db, "0000000001", phone="+989121111111", **waiting)
    add_application(db, "0000000002", phone="+989121111111", **waiting)  # same phone
    add_application(db, "0000000003", phone="+989122222222", lang="en", **waiting)
    add_application(db, "0000000004", phone="+989123333333", **waiting)
    add_application(db, "0000000004", phone="+989123333333", status="approved")  # back already
    add_application(db, "0000000005", phone="+989124444444", status="rejected",
                    reason="prior_loan", decided_at=before)  # fmt: skip
    db.execute(update(Phase).where(Phase.number == 1).values(opens_at=now - timedelta(hours=1)))
    db.commit()
    assert reconcile()["announced"] == 2
    assert reconcile()["announced"] == 0
    sent = notices(db)
    assert sorted((m.phone, m.text) for m in sent) == [
        ("+989121111111", render("notice_phase_opened", "fa", phase=1)),
        ("+989122222222", render("notice_phase_opened", "en", phase=1)),
    ]
    assert db.get(Phase, 1).opening_announced_at is not None
