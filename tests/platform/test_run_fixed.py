"""store.run_fixed: a statement compiled once answers like SQLAlchemy's own execution
(on PostgreSQL it runs on the session's driver connection, store.fixed_statements)."""

from __future__ import annotations

from sqlalchemy import bindparam, select

from gateway.store import run_fixed
from gateway.store.models import Association

# A parameter used twice, a constant IN list and a LIMIT: what the webhook's queries hold.
CODES = (
    select(Association.code)
    .where(
        Association.code.in_(("04", "08", "11")),
        (Association.name == bindparam("the_name")) | (Association.code == bindparam("the_code")),
        Association.code != bindparam("the_code") + "x",
    )
    .order_by(Association.code)
    .limit(5)
)


def test_run_fixed_answers_as_sqlalchemy_does_for_every_parameter_and_constant(db):
    db.add_all(
        [Association(code=code, name=name)
         for code, name in (("04", "اصفهان"), ("08", "تهران"), ("11", "فارس"), ("12", "تهران"))]
    )  # fmt: skip
    db.flush()
    for params in ({"the_name": "تهران", "the_code": "11"}, {"the_name": "-", "the_code": "04"}):
        expected = db.scalars(CODES, params).all()
        assert codes(run_fixed(db, CODES, params)) == expected
    assert expected == ["04"]
    assert codes(run_fixed(db, CODES, {"the_name": "تهران", "the_code": "-"})) == ["08"]


def test_run_fixed_reads_what_the_session_wrote_in_its_transaction(db):
    """On the driver connection, inside the session's transaction: a row flushed and not
    committed is seen, and one rolled back is gone."""
    db.add(Association(code="31", name="یزد"))
    db.flush()
    assert run_fixed(db, SAME_CODE, {"the_code": "31"}).one().code == "31"
    db.rollback()
    assert run_fixed(db, SAME_CODE, {"the_code": "31"}).first() is None


SAME_CODE = select(Association.code).where(Association.code == bindparam("the_code"))


def codes(result) -> list[str]:
    return [row.code for row in result.all()]
