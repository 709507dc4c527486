"""store.run_fixed: a statement compiled once answers like SQLAlchemy's own execution."""

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
        assert run_fixed(db, CODES, params).scalars().all() == expected
    assert expected == ["04"]
    assert run_fixed(db, CODES, {"the_name": "تهران", "the_code": "-"}).scalars().all() == ["08"]
