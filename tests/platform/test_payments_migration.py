"""Migration 0006: phases open already count as announced; down and up again keep the data."""

from alembic import command
from sqlalchemy import text

from gateway.platform.db import make_engine
from gateway.store.migrate import alembic_config, upgrade_database


def test_open_phases_count_as_announced_and_a_downgrade_keeps_approved_applications(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0005")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO phases (number, opens_at, closes_at) VALUES "
            "(1, '2020-01-01 00:00:00.000000', '2020-02-01 00:00:00.000000'), "
            "(2, '2999-01-01 00:00:00.000000', '2999-02-01 00:00:00.000000'), (3, NULL, NULL)"
        ))  # fmt: skip
    upgrade_database(url)
    with engine.begin() as conn:
        announced = (
            conn.execute(text("SELECT number FROM phases WHERE opening_announced_at IS NOT NULL"))
            .scalars()
            .all()
        )
        conn.execute(text(
            "INSERT INTO applications (tracking_code, national_id, pension_number, phone,"
            " channel, lang, status, flags, created_at, updated_at, paid_at)"
            " VALUES ('10000008', '0012345679', '1234', '+989121234567', 'sms', 'fa', 'paid',"
            " '', '2026-01-01 00:00:00', '2026-01-01 00:00:00', '2026-01-02 00:00:00')"
        ))  # fmt: skip
    assert announced == [1]
    command.downgrade(alembic_config(url), "0005")
    with engine.connect() as conn:
        status = conn.execute(text("SELECT status FROM applications")).scalar_one()
    assert status == "approved"
    upgrade_database(url)
    engine.dispose()
