"""validate_application: one row per outcome of spec 3.6, through the real job function."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rq import Queue
from sqlalchemy import func, select, update

from flows.messages import render
from gateway.programme.jobs import job_id
from gateway.store.models import Application, ApplicationEvent, Message, Phase, Quota
from tests.factories import add_application, add_pensioner
from workers.jobs import validate_application

NID = "0012345679"


def decide(db, application) -> tuple[Application, Message | None]:
    validate_application(application.id)
    db.rollback()
    decided = db.get(Application, application.id, populate_existing=True)
    messages = db.scalars(select(Message).where(Message.application_id == application.id)).all()
    assert len(messages) <= 1
    return decided, (messages[0] if messages else None)


RECORDS_MISMATCH = ("result_rejected_records_mismatch", {})

# label, pensioner fields (None: not in the registry), application fields,
# expected (status, reason, flags, waitlist position), message key and params
CASES = [
    ("not_found", None, {}, ("rejected", "not_found", "", None), RECORDS_MISMATCH),
    (
        "pension_mismatch",
        {"pension_number": "999999"},
        {},
        ("rejected", "pension_mismatch", "", None),
        RECORDS_MISMATCH,
    ),
    (
        "not_eligible",
        {"eligible": False},
        {},
        ("rejected", "not_eligible", "", None),
        ("result_rejected_not_eligible", {}),
    ),
    (
        "prior_loan",
        {"prior_loan": True},
        {},
        ("rejected", "prior_loan", "", None),
        ("result_rejected_prior_loan", {}),
    ),
    (
        "phone_flagged",
        {"mobile": "+989350000000"},
        {},
        ("approved", None, "phone_mismatch", None),
        ("result_approved", {}),
    ),
    ("approved", {}, {}, ("approved", None, "", None), ("result_approved", {})),
    (
        "approved_in_english",
        {},
        {"lang": "en"},
        ("approved", None, "", None),
        ("result_approved", {}),
    ),
]


@pytest.mark.parametrize(
    "label, pensioner, fields, expected, message", CASES, ids=[c[0] for c in CASES]
)
def test_decision_table(app, db, redis, programme, label, pensioner, fields, expected, message):
    if pensioner is not None:
        add_pensioner(db, NID, **pensioner)
    application = add_application(db, NID, **fields)
    decided, sms = decide(db, application)
    assert (decided.status, decided.reason, decided.flags, decided.waitlist_position) == expected
    assert decided.decided_at is not None
    key, params = message
    lang = fields.get("lang", "fa")
    assert sms.text == render(key, lang, tracking_code=application.tracking_code, **params)
    assert (sms.direction, sms.kind, sms.status, sms.phone) == (
        "out",
        "result",
        "queued",
        "+989121234567",
    )
    assert job_id("send_sms", f"{sms.id}") in Queue("sms", connection=redis).job_ids


def test_records_mismatch_reply_is_the_same_for_unknown_and_wrong_pension(app, db, programme):
    add_pensioner(db, NID, pension_number="999999")
    unknown = add_application(db, "0000000019")
    wrong = add_application(db, NID)
    texts = [
        decide(db, a)[1].text.replace(a.tracking_code.translate(_FA), "#") for a in (unknown, wrong)
    ]
    assert texts[0] == texts[1]
    assert "{" not in texts[0]


_FA = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@pytest.mark.parametrize("settings_overrides", [{"PHONE_MATCH_POLICY": "require"}])
def test_require_policy_rejects_a_phone_that_is_not_the_registry_mobile(app, db, programme):
    add_pensioner(db, NID, mobile="+989350000000")
    decided, sms = decide(db, add_application(db, NID))
    assert (decided.status, decided.reason) == ("rejected", "phone_mismatch")
    assert sms.text == render("result_rejected_phone_mismatch", "fa")


@pytest.mark.parametrize("settings_overrides", [{"PHONE_MATCH_POLICY": "off"}])
def test_off_policy_ignores_the_phone(app, db, programme):
    add_pensioner(db, NID, mobile="+989350000000")
    decided, _ = decide(db, add_application(db, NID))
    assert (decided.status, decided.flags) == ("approved", "")


def close_phase_one(db, now, next_opens: datetime | None):
    db.execute(update(Phase).where(Phase.number == 1).values(closes_at=now - timedelta(hours=1)))
    if next_opens is None:
        db.execute(Quota.__table__.delete().where(Quota.phase == 2))
        db.execute(Phase.__table__.delete().where(Phase.number == 2))
    else:
        db.execute(
            update(Phase)
            .where(Phase.number == 2)
            .values(opens_at=next_opens, closes_at=next_opens + timedelta(days=30))
        )
    db.commit()


def test_phase_closed_names_the_next_phase_opening_in_jalali(app, db, programme, now):
    # 2030-01-15 10:00 in Tehran is 26 Dey 1408.
    close_phase_one(db, now, datetime(2030, 1, 15, 6, 30, tzinfo=UTC))
    add_pensioner(db, NID)
    decided, sms = decide(db, add_application(db, NID))
    assert (decided.status, decided.reason) == ("rejected", "phase_closed")
    assert "۱۴۰۸/۱۰/۲۶" in sms.text
    assert sms.text == render("result_rejected_phase_closed", "fa", date="1408/10/26")


def test_phase_closed_with_no_later_phase_says_the_programme_has_ended(app, db, programme, now):
    close_phase_one(db, now, None)
    add_pensioner(db, NID)
    decided, sms = decide(db, add_application(db, NID))
    assert (decided.status, decided.reason) == ("rejected", "phase_closed")
    assert sms.text == render("result_rejected_programme_closed", "fa")


def test_full_quota_waitlists_with_the_next_position(app, db, programme):
    ids = [f"00000000{i}{i}" for i in range(1, 5)]
    applications = []
    for national_id in ids:
        add_pensioner(db, national_id)
        applications.append(add_application(db, national_id))
    results = [decide(db, a) for a in applications]
    assert [(a.status, a.waitlist_position) for a, _ in results] == [
        ("approved", None), ("approved", None), ("waitlisted", 1), ("waitlisted", 2),
    ]  # fmt: skip
    third = applications[2]
    assert results[2][1].text == render(
        "result_waitlisted", "fa", tracking_code=third.tracking_code, position=1
    )
    quota = db.scalar(select(Quota).where(Quota.association_code == "08", Quota.phase == 1))
    assert (quota.used, quota.waitlisted) == (2, 2)
    assert {a.association_code for a, _ in results} == {"08"}
    assert {a.phase for a, _ in results} == {1}


def test_a_late_job_decides_earlier_pending_applications_first(app, db, programme):
    for national_id in ("0000000011", "0000000022", "0000000033"):
        add_pensioner(db, national_id)
    first, second, third = (
        add_application(db, n) for n in ("0000000011", "0000000022", "0000000033")
    )
    decide(db, third)  # its job ran first: the two confirmed before it are decided first
    statuses = [db.get(Application, a.id, populate_existing=True) for a in (first, second, third)]
    assert [(a.status, a.waitlist_position) for a in statuses] == [
        ("approved", None), ("approved", None), ("waitlisted", 1),
    ]  # fmt: skip


def test_running_the_job_twice_decides_once_and_sends_one_message(app, db, redis, programme):
    add_pensioner(db, NID)
    application = add_application(db, NID)
    validate_application(application.id)
    validate_application(application.id)
    db.rollback()
    count = db.scalar(
        select(func.count()).select_from(Message).where(Message.application_id == application.id)
    )
    quota = db.scalar(select(Quota).where(Quota.association_code == "08", Quota.phase == 1))
    events = db.scalars(
        select(ApplicationEvent.event).where(ApplicationEvent.application_id == application.id)
    ).all()
    assert (count, quota.used, events) == (1, 1, ["decided"])
    assert len(Queue("sms", connection=redis).job_ids) == 1
