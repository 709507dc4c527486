"""`smsgw simulate`: a terminal chat through the same conversation path as a carrier."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from flows.messages import render
from gateway.cli import cli
from gateway.cli.simulate import show
from gateway.store.models import Application, Message


def simulate(cli_env, *args, input: str):
    return CliRunner().invoke(cli, ["simulate", *args], env=cli_env, input=input)


def test_sms_simulation_registers_through_the_conversation_path(app, db, cli_env):
    result = simulate(
        cli_env, "--phone", "09121234567", "--raw", input="وام\n0000534722\n728762975\n1\n"
    )
    assert result.exit_code == 0, result.output
    assert render("welcome_ask_national_id", "fa") in result.output
    db.rollback()
    [application] = db.scalars(select(Application)).all()
    assert application.channel == "simulator" and application.phone == "+989121234567"
    assert db.scalar(select(Message).where(Message.direction == "in")).channel == "simulator"


def test_ussd_simulation_shows_the_menu_and_registers(app, db, cli_env):
    result = simulate(
        cli_env, "--phone", "09121234567", "--channel", "ussd", "--raw",
        input="1\n0000534722\n728762975\n1\n/quit\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert render("ussd_menu", "fa") in result.output
    assert "session ended" in result.output
    db.rollback()
    assert db.scalar(select(Application)).channel == "simulator"


def test_persian_is_laid_out_right_to_left_and_right_aligned():
    assert show("کد ملی", bidi=True, width=20) == "یلم دک".rjust(20)
    assert show("کد ملی", bidi=False, width=20) == "کد ملی"
