"""Fixtures of the programme's tests: applications decided into a small programme."""

from __future__ import annotations

import pytest

from tests.factories import add_application, add_pensioner
from workers.jobs import validate_application


@pytest.fixture
def four(app, db, programme):
    """Four applications of association 08 (quota 2): two approved, two waitlisted."""
    applications = []
    for i in range(1, 5):
        add_pensioner(db, f"000000000{i}")
        applications.append(add_application(db, f"000000000{i}"))
    for application in applications:
        validate_application(application.id)
    return applications
