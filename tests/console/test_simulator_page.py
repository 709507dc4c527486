"""The simulator page: SMS and USSD dialogs through the carriers' own conversation path."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gateway.store.models import Application, Message
from tests.console.conftest import token
from tests.console.pensioners import add_registry

API = "/console/api/simulator"
PHONE = "0912 100 0009"


def persian(digits: str) -> str:
    return digits.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


@pytest.fixture
def phone(signed_in):
    """post(body) -> (status, JSON) as the simulator page sends it, signed in as an operator."""
    client = signed_in("operator")
    headers = {"X-CSRF-Token": token(client, "/console/simulator")}

    def post(body):
        response = client.post(API, json=body, headers=headers)
        return response.status_code, response.get_json()

    return post


def test_an_sms_registration_runs_through_the_conversation_path(phone, db):
    nid = add_registry(db, 1)[0]
    replies = [phone({"mode": "sms", "phone": PHONE, "text": t})[1] for t in ("وام", nid, "123456")]
    assert [r["state"] for r in replies] == ["ask_national_id", "ask_pension_number", "confirm"]
    status, last = phone({"mode": "sms", "phone": PHONE, "text": "۱"})
    assert status == 200 and last["ended"] is True
    db.rollback()
    application = db.scalar(select(Application))
    assert application.channel == "simulator" and application.phone == "+989121000009"
    assert (
        application.tracking_code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
        in last["reply"]
    )
    inbound = select(func.count()).where(Message.channel == "simulator", Message.direction == "in")
    assert db.scalar(inbound) == 4


def test_a_ussd_session_registers_screen_by_screen(phone, db):
    nid = add_registry(db, 1)[0]
    status, first = phone({"mode": "ussd", "phone": PHONE, "inputs": []})
    assert status == 200 and first["ended"] is False and first["session_id"].startswith("sim-")
    inputs = []
    for answer in ("1", nid, "123456", "1"):
        inputs.append(answer)
        body = {"mode": "ussd", "phone": PHONE, "session_id": first["session_id"], "inputs": inputs}
        status, screen = phone(body)
        assert status == 200 and screen["session_id"] == first["session_id"]
    assert screen["ended"] is True
    db.rollback()
    code = db.scalar(select(Application.tracking_code))
    assert persian(code) in screen["reply"]


@pytest.mark.parametrize(
    "body",
    [
        {"mode": "fax", "phone": PHONE, "text": "وام"},
        {"mode": "sms", "phone": "12345", "text": "وام"},
        {"mode": "sms", "phone": "+1 415 555 0100", "text": "وام"},
        {"mode": "sms", "phone": PHONE, "text": "   "},
        {"mode": "sms", "phone": PHONE, "text": 42},
        {"mode": "ussd", "phone": PHONE, "inputs": "1*2"},
        {"mode": "ussd", "phone": PHONE, "inputs": ["1"] * 31},
        {"mode": "ussd", "phone": PHONE, "inputs": [{"x": 1}]},
        ["not", "an", "object"],
    ],
)
def test_bad_requests_get_a_short_message_and_store_nothing(phone, db, body):
    status, reply = phone(body)
    assert status == 400 and 0 < len(reply["error"]) < 80
    assert db.scalar(select(func.count()).select_from(Message)) == 0


def test_the_simulator_needs_the_csrf_token(signed_in, db):
    response = signed_in("operator").post(API, json={"mode": "sms", "phone": PHONE, "text": "x"})
    assert response.status_code == 400
    assert db.scalar(select(func.count()).select_from(Message)) == 0


def test_the_page_has_the_phone_and_its_script(signed_in):
    page = signed_in("admin").get("/console/simulator").text
    assert 'id="sim-chat"' in page and "console/simulator.js" in page


class TestSwitchedOff:
    @pytest.fixture
    def settings_overrides(self):
        return {"CONSOLE_SIMULATOR": "off"}

    def test_the_page_and_its_api_refuse_and_store_nothing(self, signed_in, db):
        client = signed_in("admin")
        assert client.get("/console/simulator").status_code == 403
        response = client.post(
            "/console/api/simulator",
            json={"mode": "sms", "phone": "09121234567", "text": "وام"},
            headers={"X-CSRF-Token": token(client, "/console/monitor")},
        )
        assert response.status_code == 403
        db.rollback()
        assert db.scalar(select(func.count()).select_from(Message)) == 0


def test_production_keeps_the_simulator_off_unless_asked(tmp_path):
    from config.settings import load_settings

    base = {"GATEWAY_ENV": "production", "SECRET_KEY": "s", "CHANNELS": "twilio",
            "TWILIO_AUTH_TOKEN": "t", "INSTANCE_PATH": str(tmp_path),
            "SMS_PROVIDER": "http", "HTTP_SMS_SEND_URL": "http://x.ir"}  # fmt: skip
    assert load_settings(base).console_simulator_enabled is False
    assert load_settings({**base, "CONSOLE_SIMULATOR": "on"}).console_simulator_enabled is True
    development = {"GATEWAY_ENV": "development", "INSTANCE_PATH": str(tmp_path)}
    assert load_settings(development).console_simulator_enabled is True


def test_every_simulated_message_is_audited_with_the_phone_masked(phone, db):
    from gateway.store.models import AuditEvent

    phone({"mode": "sms", "phone": PHONE, "text": "وام"})
    db.rollback()
    (row,) = db.scalars(select(AuditEvent).where(AuditEvent.action == "simulator.message"))
    assert (row.actor, row.target) == ("operator", "+98912****009")


def test_the_result_sms_shows_once_a_worker_has_sent_it(phone, signed_in, db):
    from tests.console.pensioners import decide_all, send_all

    nid = add_registry(db, 1)[0]
    texts = ("وام", nid, "123456", "1")
    replies = [phone({"mode": "sms", "phone": PHONE, "text": text}) for text in texts]
    after = replies[0][1]["after"]
    client = signed_in("operator")
    query = {"phone": PHONE, "after": after}
    assert client.get(f"{API}/sent", query_string=query).get_json()["messages"] == []
    send_all(decide_all(db))
    (result,) = client.get(f"{API}/sent", query_string=query).get_json()["messages"]
    assert result["kind"] == "result" and result["text"]


class TestOnlyListedPhones:
    @pytest.fixture
    def settings_overrides(self):
        return {"CONSOLE_SIMULATOR_PHONES": ("09121000009", "+989121000010")}

    @pytest.mark.parametrize("number, status", [(PHONE, 200), ("09121000010", 200),
                                                ("09121000011", 400)])  # fmt: skip
    def test_the_simulator_speaks_only_as_the_listed_phones(self, phone, db, number, status):
        code, reply = phone({"mode": "sms", "phone": number, "text": "وام"})
        assert code == status
        if status == 400:
            assert "CONSOLE_SIMULATOR_PHONES" in reply["error"]

    def test_the_page_offers_only_those_phones(self, signed_in):
        page = signed_in("operator").get("/console/simulator").text
        assert '<select id="sim-phone"' in page and page.count('<option value="+98912100001') == 1


def test_in_production_no_phone_is_allowed_until_listed(database_url, redis_url, users, tmp_path):
    from config.settings import load_settings
    from gateway import create_app
    from tests.console.conftest import sign_in

    settings = load_settings(
        {}, GATEWAY_ENV="production", DATABASE_URL=database_url, REDIS_URL=redis_url,
        INSTANCE_PATH=str(tmp_path), SECRET_KEY="x" * 32, TWILIO_AUTH_TOKEN="t",
        HTTP_SMS_TOKEN="h", USSD_TOKEN="u", CONSOLE_SIMULATOR="on", SMS_PROVIDER="http",
        HTTP_SMS_SEND_URL="http://x.ir",
    )  # fmt: skip
    client = create_app(settings).test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    sign_in(client, "operator")
    headers = {"X-CSRF-Token": token(client, "/console/simulator")}
    response = client.post(API, json={"mode": "sms", "phone": PHONE, "text": "وام"},
                           headers=headers)  # fmt: skip
    assert (
        response.status_code == 400 and "CONSOLE_SIMULATOR_PHONES" in response.get_json()["error"]
    )
