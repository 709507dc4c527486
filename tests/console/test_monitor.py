"""The monitor and the operators' routes: who may open them, what the JSON says, retries."""

from __future__ import annotations

import pytest
from rq import SimpleWorker
from rq.registry import FailedJobRegistry

from gateway.programme.jobs import get_queue
from tests.console.conftest import token
from tests.console.pensioners import add_registry, decide_all, register, send_all, text_in

# Every route of the operator pages: method, path, body (JSON or form).
ROUTES = [
    ("GET", "/console/monitor", None),
    ("GET", "/console/api/monitor", None),
    ("POST", "/console/monitor/failed-jobs/retry", {"json": {"queue": "sms", "job_id": "x"}}),
    ("GET", "/console/conversations?message=1", None),
    ("POST", "/console/conversations", {"data": {"q": "09121234567"}}),
    ("POST", "/console/conversations/resend", {"data": {"application_id": "1"}}),
    ("GET", "/console/messages", None),
    ("GET", "/console/simulator", None),
    ("POST", "/console/api/simulator", {"json": {"mode": "sms", "phone": "0912", "text": "x"}}),
]


def call(client, method: str, path: str, body: dict | None):
    """The request as a browser sends it: POSTs carry the session's CSRF token."""
    if method == "GET":
        return client.get(path)
    body = dict(body)
    csrf = token(client)
    if "data" in body:
        body["data"] = {**body["data"], "csrf_token": csrf}
    return client.post(path, headers={"X-CSRF-Token": csrf}, **body)


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_anonymous_users_are_sent_to_sign_in(client, users, method, path, body):
    response = call(client, method, path, body)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/login")


@pytest.mark.parametrize("username", ["office", "tehran"])
@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_staff_may_not_open_operator_pages(signed_in, username, method, path, body):
    assert call(signed_in(username), method, path, body).status_code == 403


@pytest.mark.parametrize("username", ["operator", "admin"])
@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_operators_and_admins_are_let_in(signed_in, username, method, path, body):
    response = call(signed_in(username), method, path, body)
    # The POST bodies name no real job, application or phone: a short 4xx, never 403/500.
    assert response.status_code in ((200,) if method == "GET" else (200, 302, 400, 404))


def test_monitor_json_counts_messages_per_minute_by_channel(signed_in, db):
    add_registry(db, 1)
    text_in("+989121000001", "وام", channel="http")
    text_in("+989121000002", "وام", channel="twilio")
    text_in("+989121000002", "راهنما", channel="twilio")
    data = signed_in("operator").get("/console/api/monitor").get_json()
    assert len(data["minutes"]) == 60 and len(data["series"]["twilio"]["in"]) == 60
    # The last two minutes: the messages may straddle a minute's turn.
    assert sum(data["series"]["twilio"]["in"][-2:]) == sum(data["series"]["twilio"]["in"]) == 2
    http = data["series"]["http"]
    assert sum(http["in"][-2:]) == sum(http["in"]) == 1
    assert sum(http["out"][-2:]) == sum(http["out"]) == 1
    assert data["funnel_today"]["started"] == 2


def test_monitor_json_shows_the_funnel_per_phase_and_queue_depths(signed_in, db):
    nid = add_registry(db, 1)[0]
    register("+989121000001", nid)
    data = signed_in("operator").get("/console/api/monitor").get_json()
    assert data["funnel_by_phase"]["1"]["confirmed"] == 1
    assert data["queues"]["decisions"]["queued"] == 1  # the validation job waits
    assert data["workers"] == []
    assert data["warnings"] == [{"kind": "no_workers", "value": 1}]
    decide_all(db)
    data = signed_in("admin").get("/console/api/monitor").get_json()
    assert data["funnel_today"]["approved"] == data["funnel_by_phase"]["1"]["approved"] == 1


@pytest.mark.parametrize(
    ("settings_overrides", "kind"),
    [({"MONITOR_MAX_QUEUE_DEPTH": 0}, "queue_depth"), ({}, None)],
)
def test_a_deep_queue_raises_a_warning(signed_in, redis, settings_overrides, kind):
    get_queue("exports", redis).enqueue(print, "a job", job_id="test-deep")
    warnings = signed_in("operator").get("/console/api/monitor").get_json()["warnings"]
    assert [w["kind"] for w in warnings if w["kind"] != "no_workers"] == ([kind] if kind else [])


def refuse(text: str) -> None:
    """A job body that fails the way jobs do, quoting its argument."""
    raise ValueError(f"cannot send to {text}")


def failed_job(redis):
    """A job that really failed in a worker (no retries left), its error quoting a phone."""
    queue = get_queue("sms", redis)
    job = queue.enqueue(refuse, "09121234567", job_id="send_sms-77")
    SimpleWorker([queue], connection=redis).work(burst=True)
    return job


def test_failed_jobs_are_listed_masked_and_retried_once(signed_in, redis):
    job = failed_job(redis)
    client = signed_in("operator")
    listed = client.get("/console/api/monitor").get_json()["failed_jobs"]
    assert [(j["queue"], j["id"], j["func"]) for j in listed] == [("sms", job.id, "refuse")]
    assert listed[0]["error"].startswith("ValueError: cannot send to 09")
    assert "1234567" not in listed[0]["error"] + listed[0]["args"]
    body = {"queue": "sms", "job_id": job.id}
    headers = {"X-CSRF-Token": token(client)}
    response = client.post("/console/monitor/failed-jobs/retry", json=body, headers=headers)
    assert response.status_code == 200
    assert get_queue("sms", redis).job_ids == [job.id]
    again = client.post("/console/monitor/failed-jobs/retry", json=body, headers=headers)
    assert again.status_code == 404


def test_retry_without_the_csrf_token_is_refused(signed_in, redis):
    job = failed_job(redis)
    response = signed_in("admin").post(
        "/console/monitor/failed-jobs/retry", json={"queue": "sms", "job_id": job.id}
    )
    assert response.status_code == 400
    assert FailedJobRegistry(queue=get_queue("sms", redis)).count == 1


def test_the_monitor_page_loads_its_scripts_and_words(signed_in):
    page = signed_in("operator").get("/console/monitor").text
    assert "console/charts.js" in page and "console/monitor.js" in page
    assert 'id="monitor-labels"' in page and "funnel.started" in page


@pytest.mark.parametrize("minutes, points, step", [(60, 60, 1), (360, 72, 5), (1440, 96, 15)])
def test_the_chart_range_groups_minutes_into_points(signed_in, db, minutes, points, step):
    add_registry(db, 1)
    text_in("+989121000001", "وام", channel="http")
    data = signed_in("operator").get(f"/console/api/monitor?minutes={minutes}").get_json()
    assert (len(data["minutes"]), data["step"]) == (points, step)
    assert sum(data["series"]["http"]["in"]) == 1 and data["timezone"] == "Asia/Tehran"


def test_an_unknown_range_falls_back_to_the_hour(signed_in):
    assert (
        len(signed_in("operator").get("/console/api/monitor?minutes=7").get_json()["minutes"]) == 60
    )


def test_sends_without_any_delivery_report_are_flagged_not_shown_as_zero(signed_in, db):
    nid = add_registry(db, 1)[0]
    register("+989121000001", nid)
    send_all(decide_all(db))
    rates = signed_in("operator").get("/console/api/monitor").get_json()["rates"]
    assert rates["no_reports"] is True
