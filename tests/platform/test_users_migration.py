"""Migration 0005: staff without an association become head office; others lose theirs."""

from alembic import command
from sqlalchemy import text

from gateway.platform.db import make_engine
from gateway.store.migrate import alembic_config, upgrade_database


def test_existing_users_get_the_roles_their_association_says(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0003")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO associations (code, name) VALUES ('08', 'تهران')"))
        for username, role, association in (
            ("office", "staff", None), ("tehran", "staff", "08"), ("ops", "operator", "08"),
            ("root", "admin", None),
        ):  # fmt: skip
            conn.execute(
                text(
                    "INSERT INTO users (username, password_hash, role, association_code,"
                    " created_at) VALUES (:u, 'h', :r, :a, '2026-01-01 00:00:00')"
                ),
                {"u": username, "r": role, "a": association},
            )
    upgrade_database(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT username, role, association_code, must_change_password FROM users")
        ).all()
    engine.dispose()
    assert sorted(map(tuple, rows)) == [
        ("office", "head_office", None, 0), ("ops", "operator", None, 0),
        ("root", "admin", None, 0), ("tehran", "staff", "08", 0),
    ]  # fmt: skip
