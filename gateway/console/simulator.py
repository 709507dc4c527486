"""A phone on screen: chat with the dialog (SMS or USSD) through the carriers' own path."""

from __future__ import annotations

import re
import uuid

from flask import Blueprint, jsonify, render_template, request

from gateway.console.auth import require
from gateway.console.i18n import add_strings, t
from gateway.console.roles import SIMULATOR
from gateway.dialog import current_conversation
from gateway.dialog.conversation import Inbound
from gateway.platform import services
from gateway.platform.phones import is_allowed_mobile, normalise_phone

bp = Blueprint("console_simulator", __name__, url_prefix="/console")
NAV = [("/console/simulator", "nav.simulator", SIMULATOR)]
CHANNEL = "simulator"
MAX_TEXT = 1600
MAX_INPUTS = 30
SESSION_ID = re.compile(r"^sim-[0-9a-f]{32}$")  # never a carrier's USSD session

add_strings(
    {
        "simulator.title": ("شبیه‌ساز گوشی", "Phone simulator"),
        "simulator.intro": (
            "پیام‌ها از همان مسیر اپراتورها می‌گذرند و واقعاً ثبت می‌شوند.",
            "Messages take the carriers' own path and are really stored.",
        ),
        "simulator.phone": ("شماره گوشی", "Phone number"),
        "simulator.mode": ("روش", "Mode"),
        "simulator.sms": ("پیامک", "SMS"),
        "simulator.ussd": ("USSD", "USSD"),
        # The code is isolated left to right, or a right-to-left page shows it as #۴۰۴۰*.
        "simulator.dial": ("شماره‌گیری \u2066*۴۰۴۰#\u2069", "Dial *4040#"),
        "simulator.send": ("ارسال", "Send"),
        "simulator.message": ("پیام", "Message"),
        "simulator.no_reply": ("(بی‌پاسخ)", "(no reply)"),
        "simulator.ended": ("(پایان جلسه)", "(session ended)"),
        "simulator.bad_phone": (
            "شماره گوشی ایرانی درستی نیست.",
            "Not a valid Iranian mobile number.",
        ),
        "simulator.bad_request": ("درخواست نامعتبر.", "Bad request."),
        "simulator.disabled": (
            "شبیه‌ساز در این سامانه خاموش است (CONSOLE_SIMULATOR).",
            "The simulator is off on this system (CONSOLE_SIMULATOR).",
        ),
    }
)


@bp.before_request
def only_where_enabled():
    """Simulated registrations are real rows: production keeps the simulator off by default."""
    if request.path.rstrip("/").endswith("simulator") and not (
        services.settings().console_simulator_enabled
    ):
        return t("simulator.disabled"), 403
    return None


@bp.get("/simulator")
@require(SIMULATOR)
def index():
    return render_template("console/simulator.html")


@bp.post("/api/simulator")
@require(SIMULATOR)
def send():
    """JSON in: {mode: sms|ussd, phone, text} or {mode: ussd, phone, session_id, inputs}."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or data.get("mode") not in ("sms", "ussd"):
        return jsonify(error=t("simulator.bad_request")), 400
    phone = normalise_phone(str(data.get("phone", ""))[:32])
    countries = services.settings().ALLOWED_COUNTRIES
    if phone is None or not is_allowed_mobile(phone, countries):
        return jsonify(error=t("simulator.bad_phone")), 400
    if data["mode"] == "sms":
        return send_sms(phone, data.get("text"))
    return send_ussd(phone, data.get("session_id"), data.get("inputs"))


def send_sms(phone: str, text) -> tuple:
    if not isinstance(text, str) or not text.strip():
        return jsonify(error=t("simulator.bad_request")), 400
    outcome = current_conversation().handle(
        Inbound(channel=CHANNEL, phone=phone, text=text[:MAX_TEXT], external_id=new_id("sim"))
    )
    return jsonify(reply=outcome.text, ended=outcome.ended, state=outcome.state), 200


def send_ussd(phone: str, session_id, inputs) -> tuple:
    """One USSD request: every input of the session so far, joined by `*` as gateways do."""
    if not isinstance(inputs, list) or len(inputs) > MAX_INPUTS:
        return jsonify(error=t("simulator.bad_request")), 400
    if not all(isinstance(i, str) and len(i) <= 64 for i in inputs):
        return jsonify(error=t("simulator.bad_request")), 400
    if not isinstance(session_id, str) or not SESSION_ID.match(session_id):
        session_id = new_id("sim")
    outcome = current_conversation().handle(
        Inbound(channel=CHANNEL, phone=phone, text="*".join(inputs), session_id=session_id)
    )
    return jsonify(reply=outcome.screen_text, ended=outcome.ended, session_id=session_id), 200


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex}"
