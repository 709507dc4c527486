"""Migration 0008: the registry's rows keep their data without the association foreign key
and index, and a downgrade puts both back."""

from alembic import command
from sqlalchemy import inspect, text

from gateway.platform.db import make_engine
from gateway.store.migrate import alembic_config, upgrade_database

PENSIONER = (
    "INSERT INTO pensioners (national_id, pension_number, full_name, association_code,"
    " mobile, eligible, prior_loan, updated_at) VALUES ('0012345679', '1234', 'علی', '08',"
    " NULL, 1, 0, '2026-01-01 00:00:00')"
)


def foreign_keys(engine) -> list:
    return inspect(engine).get_foreign_keys("pensioners")


def indexes(engine) -> list[str]:
    return [index["name"] for index in inspect(engine).get_indexes("pensioners")]


def test_the_association_key_goes_with_0008_and_comes_back_with_its_downgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    command.upgrade(alembic_config(url), "0007")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO associations (code, name) VALUES ('08', 'تهران')"))
        conn.execute(text(PENSIONER))
    assert [fk["referred_table"] for fk in foreign_keys(engine)] == ["associations"]
    assert indexes(engine) == ["ix_pensioners_association_code"]
    upgrade_database(url)
    engine.dispose()
    engine = make_engine(url)
    assert (foreign_keys(engine), indexes(engine)) == ([], [])
    with engine.connect() as conn:
        assert conn.execute(text("SELECT full_name FROM pensioners")).scalar_one() == "علی"
    command.downgrade(alembic_config(url), "0007")
    engine.dispose()
    engine = make_engine(url)
    assert [fk["referred_table"] for fk in foreign_keys(engine)] == ["associations"]
    assert indexes(engine) == ["ix_pensioners_association_code"]
    engine.dispose()
