"""Console parameters nobody should send - integers past 2**63, lists for objects, NUL -
get a short error page or are ignored, never a 500."""

from __future__ import annotations

import pytest

from tests.console.conftest import token

HUGE = "9" * 30
GETS = [
    f"/console/conversations?message={HUGE}",
    f"/console/conversations?q={HUGE}",
    f"/console/messages?before={HUGE}",
    f"/console/messages?before={HUGE}-{HUGE}",
    f"/console/messages?phone=%00{HUGE}",
    f"/console/registrations?before={HUGE}",
    f"/console/registrations?phase={HUGE}",
    f"/console/registrations?page={HUGE}",
    f"/console/registrations/{HUGE}",
    f"/console/audit?before={HUGE}",
    "/console/audit?user=%00",
    f"/console/api/monitor?minutes={HUGE}",
    f"/console/exports/{HUGE}.json",
    f"/console/users/{HUGE}",
    f"/console/quotas?phase={HUGE}",
]


@pytest.mark.parametrize("path", GETS)
def test_a_huge_or_odd_parameter_is_never_a_500(signed_in, path):
    response = signed_in("admin").get(path)
    assert response.status_code < 500, (path, response.status_code)
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "body", [[], ["sms"], "text", 42, {"mode": ["sms"]}, {"mode": "ussd", "inputs": {"a": 1}}]
)
def test_the_simulator_api_refuses_json_of_the_wrong_shape(signed_in, body):
    client = signed_in("operator")
    headers = {"X-CSRF-Token": token(client, "/console/simulator")}
    response = client.post("/console/api/simulator", json=body, headers=headers)
    assert response.status_code == 400


def test_a_resend_of_an_application_past_2_63_is_a_short_message(signed_in):
    client = signed_in("operator")
    form = {"application_id": HUGE, "csrf_token": token(client, "/console/conversations")}
    response = client.post("/console/conversations/resend", data=form)
    assert response.status_code in (302, 303, 400)
