"""`smsgw notices send`: a count first, then one SMS per matching phone, once per notice."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from rq import Queue, SimpleWorker
from sqlalchemy import func, select

from gateway.cli import cli
from gateway.platform import services
from gateway.programme import broadcasts
from gateway.programme.broadcasts import NoticeError, check_text, send_notice, start_notice
from gateway.store.models import AuditEvent, Message, Notice, NoticeRecipient
from gateway.store.registrations import RegistrationFilters
from tests.factories import add_application, add_pensioner, opt_out

TEXT = "جلسه توجیهی وام شنبه ساعت ۱۰ در کانون برگزار می‌شود."


@pytest.fixture
def applicants(app, db, programme):
    """Approved: three phones in 08 (one with two applications, one opted out), one in 01;
    and a waitlisted one in 08."""
    rows = [
        ("0000000001", "+989121111111", "08", "approved"),
        ("0000000002", "+989121111111", "08", "approved"),  # the same phone, a relative
        ("0000000003", "+989122222222", "08", "approved"),
        ("0000000004", "+989123333333", "08", "approved"),
        ("0000000005", "+989124444444", "01", "approved"),
        ("0000000006", "+989125555555", "08", "waitlisted"),
    ]
    for national_id, phone, code, status in rows:
        add_pensioner(db, national_id, association_code=code)
        add_application(db, national_id, phone=phone, association_code=code, phase=1,
                        status=status)  # fmt: skip
    opt_out(db, "+989123333333")


def invoke(cli_env, *args):
    return CliRunner().invoke(cli, list(args), env=cli_env, catch_exceptions=False)


def screen(result) -> list[str]:
    return [line for line in result.output.splitlines() if " INFO " not in line]


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "notice.txt"
    path.write_text(TEXT + "\n", "utf-8")
    return path


def notices_sent(db) -> list[Message]:
    db.rollback()
    return db.scalars(select(Message).where(Message.kind == "notice").order_by(Message.phone)).all()


def test_a_dry_run_prints_the_count_and_sends_nothing(applicants, db, cli_env, text_file):
    result = invoke(cli_env, "notices", "send", "--status", "approved", "--association", "08",
                    "--text-file", str(text_file), "--dry-run")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert screen(result) == ["3 phones (1 of them sent STOP)", "dry run: nothing sent"]
    assert notices_sent(db) == [] and db.scalar(select(func.count()).select_from(Notice)) == 0


def test_the_real_run_reaches_each_matching_phone_once_and_is_audited(
    applicants, db, redis, cli_env, text_file
):
    result = invoke(cli_env, "notices", "send", "--status", "approved", "--association", "08",
                    "--text-file", str(text_file))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "notice 1: 3 phones reached" in result.output
    sent = notices_sent(db)
    assert [(m.phone, m.text, m.status) for m in sent] == [
        ("+989121111111", TEXT, "queued"),
        ("+989122222222", TEXT, "queued"),
        ("+989123333333", TEXT, "queued"),
    ]
    assert sorted(Queue("sms", connection=redis).job_ids) == sorted(
        f"send_sms-{m.id}" for m in sent
    )
    (event,) = db.scalars(select(AuditEvent).where(AuditEvent.action == "notice.sent"))
    details = json.loads(event.details)
    assert (event.target, details["text"], details["recipients"]) == ("notice:1", TEXT, 3)
    assert details["filters"] == {"status": "approved", "association": "08", "phase": None}
    notice = db.get(Notice, 1)
    assert (notice.recipients, notice.status, notice.actor[:4]) == (3, "approved", "cli:")


def test_a_phone_that_sent_stop_is_not_texted(applicants, db, redis, cli_env, text_file):
    invoke(cli_env, "notices", "send", "--status", "approved", "--association", "08",
           "--text-file", str(text_file))  # fmt: skip
    SimpleWorker([Queue("sms", connection=redis)], connection=redis).work(burst=True)
    statuses = {m.phone: m.status for m in notices_sent(db)}
    assert statuses == {"+989121111111": "sent", "+989122222222": "sent",
                        "+989123333333": "suppressed"}  # fmt: skip


def test_running_the_same_notice_again_reaches_no_one_twice(applicants, db, cli_env, text_file):
    args = ["notices", "send", "--status", "approved", "--text-file", str(text_file)]
    assert invoke(cli_env, *args).exit_code == 0
    again = invoke(cli_env, *args)
    assert "notice 1: 4 phones reached" in again.output
    assert len(notices_sent(db)) == 4
    assert db.scalar(select(func.count()).select_from(NoticeRecipient)) == 4


def test_a_run_killed_half_way_and_run_again_reaches_each_phone_once(applicants, db, monkeypatch):
    monkeypatch.setattr(broadcasts, "CHUNK_PHONES", 2)
    filters = RegistrationFilters(status="approved")

    def killed(done, total):
        raise KeyboardInterrupt  # stopped after the first chunk committed

    notice = start_notice(services.current(), TEXT, filters, "test")
    with pytest.raises(KeyboardInterrupt):
        send_notice(services.current(), notice.id, "test", progress=killed)
    assert len(notices_sent(db)) == 2
    again = start_notice(services.current(), TEXT, filters, "test")
    assert again.id == notice.id
    assert send_notice(services.current(), again.id, "test") == 4
    assert sorted(m.phone for m in notices_sent(db)) == [
        "+989121111111", "+989122222222", "+989123333333", "+989124444444",
    ]  # fmt: skip


def test_another_text_is_another_notice(applicants, db):
    filters = RegistrationFilters(status="waitlisted")
    first = start_notice(services.current(), TEXT, filters, "test")
    second = start_notice(services.current(), TEXT + " لطفا بیایید.", filters, "test")
    assert first.id != second.id


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("  \n ", "the text is empty"),
        ("ب" * 135, "the text takes 3 SMS; at most 2"),
        ("a\x00b", "a control character"),
    ],
)
def test_an_empty_or_too_long_text_is_refused(text, reason):
    with pytest.raises(NoticeError, match=reason):
        check_text(text)


def test_a_bad_text_file_or_association_is_a_short_error(applicants, cli_env, tmp_path):
    long = tmp_path / "long.txt"
    long.write_text("ب" * 200, "utf-8")
    result = invoke(cli_env, "notices", "send", "--status", "approved", "--text-file", str(long))
    assert result.exit_code == 2 and "the text takes 3 SMS" in result.output
    unknown = invoke(cli_env, "notices", "send", "--status", "approved", "--association", "99",
                     "--text-file", str(long))  # fmt: skip
    assert unknown.exit_code == 2 and "no association '99'" in unknown.output


def test_notices_list_shows_progress(applicants, cli_env, text_file):
    invoke(cli_env, "notices", "send", "--status", "waitlisted", "--text-file", str(text_file))
    listed = invoke(cli_env, "notices", "list")
    assert listed.exit_code == 0
    assert "status=waitlisted association=all phase=all" in listed.output
    assert "1 phones: queued 1" in listed.output


def test_the_reconciler_finishes_a_notice_whose_run_was_lost(applicants, db, redis, monkeypatch):
    from datetime import timedelta

    from sqlalchemy import update

    from gateway.platform.dates import utcnow
    from workers.jobs import reconcile

    monkeypatch.setattr(broadcasts, "CHUNK_PHONES", 2)
    notice = start_notice(services.current(), TEXT, RegistrationFilters(status="approved"), "ops")

    def killed(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        send_notice(services.current(), notice.id, "ops", progress=killed)
    assert reconcile()["notices"] == 0  # still within its grace: it may be running
    db.execute(update(Notice).values(created_at=utcnow() - timedelta(hours=1)))
    db.commit()
    assert reconcile()["notices"] == 1
    assert Queue("exports", connection=redis).job_ids == ["send_notice-1"]
    SimpleWorker([Queue("exports", connection=redis)], connection=redis).work(burst=True)
    assert len(notices_sent(db)) == 4
    db.rollback()
    assert db.get(Notice, notice.id, populate_existing=True).finished_at is not None
    assert reconcile()["notices"] == 0
