"""The admin home: the programme check of `smsgw programme check`, in the console's words."""

from __future__ import annotations

import pytest
from rq import Queue, SimpleWorker

from tests.factories import add_pensioner

SECRETS = {"TWILIO_AUTH_TOKEN": "t", "HTTP_SMS_TOKEN": "h", "USSD_TOKEN": "u"}


@pytest.fixture
def settings_overrides():
    return SECRETS


def codes(page: str, kind: str) -> list[str]:
    import re

    return re.findall(rf'<li class="{kind}" data-code="([a-z_]+)"', page)


def test_an_empty_programme_is_not_ready_and_says_why_in_persian(signed_in):
    page = signed_in("admin").get("/console/").text
    assert 'data-ready="no"' in page
    assert {"empty_registry", "no_worker"} <= set(codes(page, "problem"))
    assert "فهرست مستمری‌بگیران خالی است" in page


def test_a_programme_with_files_loaded_and_a_worker_is_ready(signed_in, programme, db, redis):
    for i in range(1, 3):
        add_pensioner(db, f"000000000{i}", association_code="08" if i == 1 else "01")
    worker = SimpleWorker([Queue("decisions", connection=redis)], connection=redis)
    worker.register_birth()  # a worker announces itself as `smsgw worker` does
    try:
        page = signed_in("admin").get("/console/").text
    finally:
        worker.register_death()
    assert 'data-ready="yes"' in page, codes(page, "problem")
    assert "مرحلهٔ ۱ باز است" in page
    assert codes(page, "warning") == ["console_provider"]


def test_only_admins_get_the_check(signed_in):
    assert signed_in("operator").get("/console/").status_code == 302
