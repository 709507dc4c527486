"""Queries and writes: the one place that talks SQL; one submodule per area, shared helpers here."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from gateway.models import Association, Pensioner, Phase, Quota, User


def _insert(session: Session, model):
    """An INSERT that understands ON CONFLICT on both PostgreSQL and SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert(model)
    return sqlite_insert(model)


def _chunks(rows: Iterable[dict], size: int) -> Iterator[list[dict]]:
    rows = iter(rows)
    while chunk := list(islice(rows, size)):
        yield chunk


def upsert(session: Session, model, rows: Iterable[dict], keys: list[str], chunk: int = 2000):
    """Insert rows, updating the non-key columns of rows whose keys exist already."""
    count = 0
    for batch in _chunks(rows, chunk):
        stmt = _insert(session, model).values(batch)
        updates = {c: stmt.excluded[c] for c in batch[0] if c not in keys}
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_=updates)
        session.execute(stmt)
        count += len(batch)
    return count


def insert_missing(session: Session, model, rows: Iterable[dict], keys: list[str], chunk=2000):
    """Insert rows whose keys do not exist yet; leave existing rows as they are."""
    for batch in _chunks(rows, chunk):
        session.execute(
            _insert(session, model).values(batch).on_conflict_do_nothing(index_elements=keys)
        )


def count_pensioners(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Pensioner)) or 0


def sample_pensioner(session: Session) -> Pensioner | None:
    """An eligible pensioner with no prior loan, for the "how to try it" hint."""
    stmt = (
        select(Pensioner)
        .where(Pensioner.eligible.is_(True), Pensioner.prior_loan.is_(False))
        .order_by(Pensioner.national_id)
        .limit(1)
    )
    return session.scalar(stmt)


def save_associations(session: Session, rows: Iterable[dict]) -> int:
    return upsert(session, Association, rows, ["code"])


def save_phases(session: Session, rows: Iterable[dict]) -> int:
    return upsert(session, Phase, rows, ["number"])


def save_quotas(session: Session, rows: Iterable[dict]) -> int:
    return upsert(session, Quota, rows, ["association_code", "phase"])


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def add_user(session: Session, **fields) -> User:
    user = User(**fields)
    session.add(user)
    session.flush()
    return user
