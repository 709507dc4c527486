"""`smsgw users ...`: create, list, set-role, reset-password, disable and enable, audited."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from gateway.cli import cli
from gateway.console.passwords import check_password
from gateway.store.models import AuditEvent, User

PASSWORDS = "long enough pw\nlong enough pw\n"


def invoke(cli_env, *args, input=None):
    return CliRunner().invoke(cli, list(args), env=cli_env, input=input, catch_exceptions=False)


def user(db, username: str) -> User:
    db.rollback()
    return db.scalar(select(User).where(User.username == username))


def create(cli_env, username: str, *role_args: str):
    return invoke(cli_env, "users", "create", "--username", username, *role_args, input=PASSWORDS)


@pytest.mark.parametrize(
    "role_args, code, message",
    [
        (("--role", "staff"), 2, "staff need --association"),
        (("--role", "staff", "--association", "99"), 2, "no association '99'"),
        (("--role", "operator", "--association", "08"), 2, "a operator user has no association"),
        (("--role", "head_office"), 0, "user u created (head_office)"),
        (("--role", "staff", "--association", "08"), 0, "user u created (staff, 08)"),
    ],
)
def test_users_create_keeps_staff_with_an_association_and_others_without(
    app, programme, cli_env, role_args, code, message
):
    result = create(cli_env, "u", *role_args)
    assert result.exit_code == code and message in result.output


def test_set_role_reset_password_disable_and_enable_are_audited_as_the_cli(
    app, programme, db, cli_env
):
    assert create(cli_env, "tehran", "--role", "staff", "--association", "08").exit_code == 0
    assert invoke(cli_env, "users", "set-role", "tehran", "--role", "head_office").exit_code == 0
    assert (user(db, "tehran").role, user(db, "tehran").association_code) == ("head_office", None)
    result = invoke(cli_env, "users", "reset-password", "tehran",
                    input="temporary pass 1\ntemporary pass 1\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    row = user(db, "tehran")
    assert row.must_change_password and check_password(row.password_hash, "temporary pass 1")
    assert invoke(cli_env, "users", "disable", "tehran").exit_code == 0
    assert user(db, "tehran").disabled_at is not None
    assert "tehran\thead_office\t-\tdisabled" in invoke(cli_env, "users", "list").output
    assert invoke(cli_env, "users", "enable", "tehran").exit_code == 0
    assert user(db, "tehran").disabled_at is None
    db.rollback()
    audit = db.execute(select(AuditEvent.actor, AuditEvent.action).order_by(AuditEvent.id)).all()
    assert [action for _actor, action in audit] == [
        "user.created", "user.role_changed", "user.password_reset", "user.disabled",
        "user.enabled",
    ]  # fmt: skip
    assert all(actor.startswith("cli:") for actor, _action in audit)


def test_commands_on_an_unknown_user_fail_with_a_message(app, cli_env):
    result = invoke(cli_env, "users", "disable", "ghost")
    assert result.exit_code == 1 and "no user 'ghost'" in result.output
