"""The programme's loop end to end: a pensioner registers by SMS, is approved, is paid."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from gateway.cli import cli
from gateway.store.models import Application
from tests.channels.live import TwilioPhone, serve
from tests.channels.twilio_client import TOKEN
from tests.factories import add_pensioner

pytestmark = pytest.mark.slow
NATIONAL_ID, PENSION, PHONE = "0000534722", "728762975", "+989121234567"


@pytest.fixture
def settings_overrides():
    return {"TWILIO_AUTH_TOKEN": TOKEN}


def invoke(cli_env, *args):
    result = CliRunner().invoke(cli, list(args), env=cli_env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def texts_to(provider, phone: str) -> list[str]:
    return [request["text"] for request in provider.requests if request["to"] == phone]


def test_approved_then_paid_by_the_bank_file_texts_twice_and_a_second_import_not_at_all(
    app, db, programme, provider, start_worker, cli_env, tmp_path
):
    add_pensioner(db, NATIONAL_ID, pension_number=PENSION, mobile=PHONE)
    with serve(app) as base:
        phone = TwilioPhone(base, "09121234567")
        for text in ("وام", NATIONAL_ID, PENSION, "1"):
            phone.send(text)
    assert start_worker().wait(timeout=60) == 0
    db.rollback()
    application = db.scalar(select(Application))
    assert application.status == "approved"
    assert len(texts_to(provider, PHONE)) == 1  # the decision

    bank = tmp_path / "bank.csv"
    bank.write_text(
        "\ufefftracking_code,national_id,result,paid_at,reference,reason\n"
        f"{application.tracking_code},{NATIONAL_ID},paid,1405/09/04 12:00,BNK-77,\n",
        "utf-8",
    )
    invoke(cli_env, "payments", "import", str(bank))
    assert start_worker().wait(timeout=60) == 0
    sent = texts_to(provider, PHONE)
    assert len(sent) == 2 and "واریز شد" in sent[1]

    out = tmp_path / "paid.csv"
    invoke(cli_env, "export", "--format", "csv", "--out", str(out), "--status", "paid")
    rows = list(csv.DictReader(out.read_text("utf-8-sig").splitlines()))
    assert [(r["tracking_code"], r["status"]) for r in rows] == [
        (application.tracking_code, "paid")
    ]

    again = invoke(cli_env, "payments", "import", str(bank))
    assert "imported 0, unchanged 1" in again.output
    assert start_worker().wait(timeout=60) == 0
    assert len(texts_to(provider, PHONE)) == 2
