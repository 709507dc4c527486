"""A phone on screen: chat with the dialog (SMS or USSD) through the carriers' own path."""

from __future__ import annotations

import re
import uuid

from flask import Blueprint, jsonify, render_template, request

from gateway.console.auth import current_user, require
from gateway.console.i18n import add_strings, t
from gateway.console.roles import SIMULATOR
from gateway.dialog import current_conversation
from gateway.dialog.conversation import Inbound
from gateway.platform import services
from gateway.platform.masking import mask_phone
from gateway.platform.phones import is_allowed_mobile, normalise_phone
from gateway.store import transcripts
from gateway.store.audit import add_audit_event

bp = Blueprint("console_simulator", __name__, url_prefix="/console")
NAV = [("/console/simulator", "nav.simulator", SIMULATOR)]
CHANNEL = "simulator"
MAX_TEXT = 1600
MAX_INPUTS = 30
SESSION_ID = re.compile(r"^sim-[0-9a-f]{32}$")  # never a carrier's USSD session
# An SMS the gateway sent on its own (the result, a reminder) shows once it left.
SENT = ("sent", "delivered", "undelivered", "failed", "suppressed")

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
        "simulator.phone_not_allowed": (
            "شبیه‌ساز فقط با شماره‌های CONSOLE_SIMULATOR_PHONES کار می‌کند.",
            "The simulator speaks only as the phones of CONSOLE_SIMULATOR_PHONES.",
        ),
        "simulator.real_path": (
            "هر پیام ثبت می‌شود و پیامک نتیجه واقعاً به این شماره فرستاده می‌شود.",
            "Every message is recorded and the result SMS really goes to this phone.",
        ),
        "simulator.result": ("پیامک سامانه", "SMS from the gateway"),
        "simulator.disabled": (
            "شبیه‌ساز در این سامانه خاموش است (CONSOLE_SIMULATOR).",
            "The simulator is off on this system (CONSOLE_SIMULATOR).",
        ),
    }
)


@bp.before_request
def only_where_enabled():
    """Simulated registrations are real rows: production keeps the simulator off by default."""
    if not services.settings().console_simulator_enabled:
        page = render_template("console/error.html", message=t("simulator.disabled"), status=403)
        return page, 403
    return None


@bp.get("/simulator")
@require(SIMULATOR)
def index():
    return render_template("console/simulator.html", phones=allowed_phones())


def allowed_phones() -> list[str] | None:
    """The E.164 phones the simulator may use; None: any (development and test only)."""
    settings = services.settings()
    if settings.CONSOLE_SIMULATOR_PHONES:
        return [p for p in map(normalise_phone, settings.CONSOLE_SIMULATOR_PHONES) if p]
    return [] if settings.is_production else None


def _phone(raw) -> tuple[str | None, str | None]:
    """(E.164 phone, None) or (None, the message why not)."""
    phone = normalise_phone(str(raw or "")[:32])
    if phone is None or not is_allowed_mobile(phone, services.settings().ALLOWED_COUNTRIES):
        return None, t("simulator.bad_phone")
    allowed = allowed_phones()
    if allowed is not None and phone not in allowed:
        return None, t("simulator.phone_not_allowed")
    return phone, None


@bp.post("/api/simulator")
@require(SIMULATOR)
def send():
    """JSON in: {mode: sms|ussd, phone, text} or {mode: ussd, phone, session_id, inputs}."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or data.get("mode") not in ("sms", "ussd"):
        return jsonify(error=t("simulator.bad_request")), 400
    phone, error = _phone(data.get("phone"))
    if error:
        return jsonify(error=error), 400
    with services.database().session() as session:
        watermark = transcripts.latest_message_id(session, phone)
        add_audit_event(session, current_user().username, "simulator.message", mask_phone(phone),
                        mode=data["mode"])  # fmt: skip
    request.environ["smsgw.simulator.watermark"] = watermark
    if data["mode"] == "sms":
        return send_sms(phone, data.get("text"))
    return send_ussd(phone, data.get("session_id"), data.get("inputs"))


def send_sms(phone: str, text) -> tuple:
    if not isinstance(text, str) or not text.strip():
        return jsonify(error=t("simulator.bad_request")), 400
    outcome = current_conversation().handle(
        Inbound(channel=CHANNEL, phone=phone, text=text[:MAX_TEXT], external_id=new_id("sim"))
    )
    return jsonify(
        reply=outcome.text, ended=outcome.ended, state=outcome.state, after=_watermark()
    ), 200


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
    return jsonify(
        reply=outcome.screen_text, ended=outcome.ended, session_id=session_id, after=_watermark()
    ), 200


def _watermark() -> int:
    return request.environ.get("smsgw.simulator.watermark", 0)


@bp.get("/api/simulator/sent")
@require(SIMULATOR)
def sent():
    """The SMS the gateway sent this phone on its own after message id `after` (polled)."""
    phone, error = _phone(request.args.get("phone"))
    after = request.args.get("after", "")
    if error or not after.isdigit() or len(after) > 18:
        return jsonify(error=error or t("simulator.bad_request")), 400
    found = transcripts.sent_after(services.request_session(), phone, int(after), SENT)
    return jsonify(messages=[{"id": m.id, "text": m.text, "kind": m.kind} for m in found])


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex}"
