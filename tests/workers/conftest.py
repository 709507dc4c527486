"""Fixtures for the pipeline: a small programme (associations, phases, quotas)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gateway.models import Association, Phase, Quota, utcnow


@pytest.fixture
def now():
    return utcnow()


@pytest.fixture
def programme(db, now):
    """Associations 08 (quota 2 in open phase 1) and 01 (quota 1000); phase 2 opens in 30 days."""
    db.add_all([Association(code="08", name="تهران"), Association(code="01", name="آذربایجان")])
    db.add_all(
        [
            Phase(number=1, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=29)),
            Phase(number=2, opens_at=now + timedelta(days=30), closes_at=now + timedelta(days=60)),
        ]
    )
    db.flush()
    db.add_all(
        [
            Quota(association_code="08", phase=1, limit=2, used=0),
            Quota(association_code="01", phase=1, limit=1000, used=0),
            Quota(association_code="08", phase=2, limit=2, used=0),
        ]
    )
    db.commit()
