"""`smsgw payments import`: the bank's results move approved applications, one SMS each."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from rq import Queue
from sqlalchemy import func, select

from flows.messages import render
from gateway.cli import cli
from gateway.platform import services
from gateway.programme.payments import (
    PAYMENT_COLUMNS,
    RowError,
    import_payments,
    parse_payment_row,
)
from gateway.store.models import Application, ApplicationEvent, AuditEvent, Message, StatCounter
from tests.channels.live import TwilioPhone, serve
from tests.channels.twilio_client import TOKEN
from tests.factories import add_application

HEADER = ",".join(PAYMENT_COLUMNS)
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
ID_A, ID_B, ID_C = "0012345679", "1234567891", "0084575948"
PAID_AT = "2026-11-25T08:30:00Z"


@pytest.fixture
def approved(app, db):
    """Three approved applications (fa, en, fa) and one still pending."""
    rows = {
        national_id: add_application(db, national_id, status="approved", lang=lang,
                                     association_code=None, phase=1)
        for national_id, lang in ((ID_A, "fa"), (ID_B, "en"), (ID_C, "fa"))
    }  # fmt: skip
    rows["pending"] = add_application(db, "0000534722", status="pending")
    return {key: application.tracking_code for key, application in rows.items()}


def invoke(cli_env, *args):
    return CliRunner().invoke(cli, list(args), env=cli_env, catch_exceptions=False)


def write(tmp_path, *lines, name="bank.csv", bom=True):
    path = tmp_path / name
    path.write_text(("\ufeff" if bom else "") + "\n".join([HEADER, *lines]) + "\n", "utf-8")
    return path


def statuses(db) -> dict[str, str]:
    db.rollback()
    return dict(db.execute(select(Application.national_id, Application.status)).all())


def outbound(db) -> list[Message]:
    db.rollback()
    return db.scalars(select(Message).where(Message.direction == "out").order_by(Message.id)).all()


def screen(result) -> list[str]:
    """What the command printed for its user (its log lines aside)."""
    return [line for line in result.output.splitlines() if " INFO " not in line]


def row(**changes) -> dict:
    values = dict(tracking_code="10000008", national_id=ID_A, result="paid", paid_at=PAID_AT,
                  reference="BNK-1", reason="")  # fmt: skip
    return values | changes


@pytest.mark.parametrize(
    ("paid_at", "expected"),
    [
        ("2026-11-25T08:30:00Z", datetime(2026, 11, 25, 8, 30, tzinfo=UTC)),
        ("2026-11-25T12:00:00+03:30", datetime(2026, 11, 25, 8, 30, tzinfo=UTC)),
        ("2026-11-25 12:00", datetime(2026, 11, 25, 8, 30, tzinfo=UTC)),  # programme time
        ("1405/09/04 12:00", datetime(2026, 11, 25, 8, 30, tzinfo=UTC)),  # Jalali, programme time
        ("۱۴۰۵/۰۹/۰۴ ۱۲:۰۰", datetime(2026, 11, 25, 8, 30, tzinfo=UTC)),
    ],
)
def test_paid_at_reads_iso_8601_and_jalali_in_programme_time(paid_at, expected):
    parsed = parse_payment_row(row(paid_at=paid_at), "Asia/Tehran", NOW)
    assert (parsed["paid_at"], parsed["result"]) == (expected, "paid")


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"tracking_code": "10000009"}, "tracking_code: '10000009' is not a tracking code"),
        ({"national_id": "0012345678"}, "national_id: '0012345678' is not a valid national ID"),
        ({"result": "maybe"}, "result: 'maybe' is not paid or failed"),
        ({"paid_at": "yesterday"}, "paid_at: 'yesterday' is not an ISO 8601 or Jalali"),
        ({"paid_at": "2026-12-25T08:30:00Z"}, "paid_at: '2026-12-25T08:30:00Z' is in the future"),
        ({"paid_at": ""}, "paid_at: missing (a paid row says when)"),
        ({"result": "failed", "paid_at": ""}, "reason: missing (a failed row says why)"),
        ({"reference": "R" * 65}, "reference: longer than 64 characters"),
    ],
)
def test_a_bad_row_says_which_field_and_why(changes, reason):
    with pytest.raises(RowError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        parse_payment_row(row(**changes), "Asia/Tehran", NOW)


def test_paid_and_failed_rows_move_approved_applications_and_queue_one_sms_each(
    approved, db, redis, cli_env, tmp_path
):
    path = write(
        tmp_path,
        f"{approved[ID_A]},{ID_A},paid,{PAID_AT},BNK-1,",
        f"{approved[ID_B]},{ID_B},failed,,,account closed",
    )
    result = invoke(cli_env, "payments", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "imported 2, rejected 0" in result.output
    assert statuses(db) == {ID_A: "paid", ID_B: "payment_failed", ID_C: "approved",
                            "0000534722": "pending"}  # fmt: skip
    paid = db.scalar(select(Application).where(Application.national_id == ID_A))
    failed = db.scalar(select(Application).where(Application.national_id == ID_B))
    assert (paid.paid_at, paid.payment_reference) == (datetime(2026, 11, 25, 8, 30, tzinfo=UTC),
                                                      "BNK-1")  # fmt: skip
    assert (failed.paid_at, failed.payment_reason) == (None, "account closed")
    sent = outbound(db)
    assert [(m.application_id, m.text, m.status) for m in sent] == [
        (paid.id, render("result_paid", "fa", tracking_code=paid.tracking_code), "queued"),
        (failed.id, render("result_payment_failed", "en", tracking_code=failed.tracking_code),
         "queued"),
    ]  # fmt: skip
    assert [m.idempotency_key for m in sent] == [f"paid:{paid.id}", f"payment_failed:{failed.id}"]
    assert sorted(Queue("sms", connection=redis).job_ids) == sorted(
        f"send_sms-{m.id}" for m in sent
    )
    events = db.scalars(select(ApplicationEvent.detail).order_by(ApplicationEvent.id)).all()
    assert events == ["approved -> paid", "approved -> payment_failed: account closed"]
    counted = select(func.sum(StatCounter.count)).where(
        StatCounter.metric == "messages", StatCounter.labels == "sms|out"
    )
    assert db.scalar(counted) == 2  # the monitor's outbound messages per minute


def test_the_same_file_again_changes_nothing_and_sends_nothing(approved, db, cli_env, tmp_path):
    path = write(tmp_path, f"{approved[ID_A]},{ID_A},paid,{PAID_AT},BNK-1,")
    assert invoke(cli_env, "payments", "import", str(path)).exit_code == 0
    before = statuses(db), [m.id for m in outbound(db)]
    again = invoke(cli_env, "payments", "import", str(path))
    assert again.exit_code == 0, again.output
    assert "imported 0, unchanged 1 (done already), rejected 0" in again.output
    assert (statuses(db), [m.id for m in outbound(db)]) == before
    assert len(before[1]) == 1


def test_a_failed_payment_paid_later_is_accepted_and_texts_again(approved, db, cli_env, tmp_path):
    code = approved[ID_A]
    failed = write(tmp_path, f"{code},{ID_A},failed,,,wrong IBAN", name="monday.csv")
    paid = write(tmp_path, f"{code},{ID_A},paid,1405/09/04 12:00,BNK-9,", name="friday.csv")
    assert invoke(cli_env, "payments", "import", str(failed)).exit_code == 0
    assert invoke(cli_env, "payments", "import", str(paid)).exit_code == 0
    assert statuses(db)[ID_A] == "paid"
    assert [m.idempotency_key.split(":")[0] for m in outbound(db)] == ["payment_failed", "paid"]
    application = db.scalar(select(Application).where(Application.national_id == ID_A))
    assert (application.payment_reference, application.payment_reason) == ("BNK-9", None)


def test_rows_that_do_not_fit_their_application_are_rejected_by_line(
    approved, db, cli_env, tmp_path
):
    path = write(
        tmp_path,
        f"{approved[ID_A]},{ID_B},paid,{PAID_AT},BNK-1,",  # another pensioner's national ID
        "12345674,0000534722,paid,2026-11-25T08:30:00Z,BNK-2,",  # no such application
        f"{approved['pending']},0000534722,paid,{PAID_AT},BNK-3,",  # still pending
        f"{approved[ID_C]},{ID_C},paid,{PAID_AT},BNK-4,",  # good
        f"{approved[ID_C]},{ID_C},failed,,,too late",  # paid already: cannot fail
        f"{approved[ID_C]},{ID_C},paid,{PAID_AT},BNK-5,",  # paid already, another reference
        bom=False,
    )
    rejects = tmp_path / "out" / "bad.csv"
    rejects.parent.mkdir()
    result = invoke(cli_env, "payments", "import", str(path), "--rejects", str(rejects))
    assert result.exit_code == 0, result.output
    assert screen(result) == [
        "line 2: national_id: not the national ID of this tracking code",
        "line 3: tracking_code: no application '12345674'",
        "line 4: result: the application is pending, not approved or payment_failed",
        "line 6: result: the application is paid, not approved",
        "line 7: result: paid already, with reference 'BNK-4'",
        f"imported 1, rejected 5 (see {rejects})",
    ]
    assert rejects.read_text("utf-8-sig").splitlines()[0] == "line,reason," + HEADER
    assert statuses(db)[ID_C] == "paid" and statuses(db)[ID_A] == "approved"
    assert len(outbound(db)) == 1


def test_a_file_that_imports_nothing_exits_1_with_the_most_frequent_reason(
    approved, db, cli_env, tmp_path
):
    path = write(
        tmp_path,
        f"{approved['pending']},0000534722,paid,{PAID_AT},BNK-3,",
        f"{approved[ID_A]},{ID_B},paid,{PAID_AT},BNK-1,",
        f"{approved[ID_B]},{ID_A},paid,{PAID_AT},BNK-2,",
    )
    result = invoke(cli_env, "payments", "import", str(path))
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "Error: nothing imported (3 bad rows); most frequent reason (2 rows): "
        "national_id: not the national ID of this tracking code"
    )
    assert outbound(db) == []


def test_strict_imports_nothing_when_one_row_is_bad(approved, db, cli_env, tmp_path):
    path = write(
        tmp_path,
        f"{approved[ID_A]},{ID_A},paid,{PAID_AT},BNK-1,",
        f"{approved['pending']},0000534722,paid,{PAID_AT},BNK-3,",
    )
    result = invoke(cli_env, "payments", "import", str(path), "--strict")
    assert result.exit_code == 1
    assert "nothing imported (--strict, 1 bad rows)" in result.output
    assert statuses(db)[ID_A] == "approved" and outbound(db) == []


def test_a_wrong_header_is_one_line_on_line_1(approved, cli_env, tmp_path):
    path = tmp_path / "bank.csv"
    path.write_text("tracking_code,national_id,result\n1,2,3\n", "utf-8")
    result = invoke(cli_env, "payments", "import", str(path))
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: line 1: the header must be {HEADER}"


def test_every_import_is_audited_with_its_file_hash_and_counts(approved, db, cli_env, tmp_path):
    path = write(
        tmp_path,
        f"{approved[ID_A]},{ID_A},paid,{PAID_AT},BNK-1,",
        f"{approved['pending']},0000534722,paid,{PAID_AT},BNK-3,",
    )
    invoke(cli_env, "payments", "import", str(path))
    invoke(cli_env, "payments", "import", str(path))
    db.rollback()
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "payments.import")).all()
    assert [e.target for e in events] == ["bank.csv", "bank.csv"]
    details = [json.loads(e.details) for e in events]
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert [(d["sha256"], d["imported"], d["unchanged"], d["rejected"]) for d in details] == [
        (sha, 1, 0, 1), (sha, 0, 1, 1),
    ]  # fmt: skip
    assert all(e.actor.startswith("cli:") for e in events)


def test_an_import_killed_after_its_commit_and_run_again_sends_nothing_twice(
    approved, db, redis, tmp_path
):
    """The changes and their SMS commit together; Redis losing the send jobs (a kill
    before they were queued) is the reconciler's to mend, and a re-run adds nothing."""
    path = write(tmp_path, f"{approved[ID_A]},{ID_A},paid,{PAID_AT},BNK-1,")
    import_payments(services.current(), path, tmp_path / "r.csv", "test")
    redis.flushdb()  # as if killed between the commit and the queueing
    report = import_payments(services.current(), path, tmp_path / "r.csv", "test")
    assert (report.imported, report.unchanged) == (0, 1)
    assert [m.status for m in outbound(db)] == ["queued"]
    assert db.scalar(select(func.count()).select_from(ApplicationEvent)) == 1


@pytest.fixture
def settings_overrides():
    return {"TWILIO_AUTH_TOKEN": TOKEN}


def test_a_paid_pensioner_registering_again_is_told_the_paid_application(app, approved, db):
    """A paid application holds its national ID: texting it again creates nothing."""
    application = db.scalar(select(Application).where(Application.national_id == ID_A))
    application.status = "paid"
    db.commit()
    with serve(app) as base:
        phone = TwilioPhone(base, "09121234567")
        phone.send(f"{ID_A} 123456")
        reply = phone.send("1")
    assert reply == render(
        "application_exists", "fa", tracking_code=application.tracking_code,
        status=render("status_word_paid", "fa"),
    )  # fmt: skip
    db.rollback()
    assert db.scalar(select(func.count()).where(Application.national_id == ID_A)) == 1


def test_a_failed_then_a_paid_row_of_one_application_in_one_file_both_apply(
    approved, db, cli_env, tmp_path
):
    code = approved[ID_B]
    path = write(tmp_path, f"{code},{ID_B},failed,,,wrong IBAN",
                 f"{code},{ID_B},paid,{PAID_AT},BNK-2,")  # fmt: skip
    result = invoke(cli_env, "payments", "import", str(path))
    assert "imported 2, rejected 0" in result.output
    assert statuses(db)[ID_B] == "paid"
    assert [m.idempotency_key.split(":")[0] for m in outbound(db)] == ["payment_failed", "paid"]
    details = db.scalars(select(ApplicationEvent.detail).order_by(ApplicationEvent.id)).all()
    assert details == ["approved -> payment_failed: wrong IBAN", "payment_failed -> paid"]
