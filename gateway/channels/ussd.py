"""USSD in Africa's Talking's format: `CON ...` asks for more input, `END ...` closes.

https://developers.africastalking.com/docs/ussd/overview
The request carries `sessionId`, `serviceCode`, `phoneNumber` and `text` (every input
of the session joined by `*`), plus our shared `token`.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, request

from gateway.channels import carrier_field, tokens_match
from gateway.dialog import current_conversation
from gateway.dialog.conversation import Inbound
from gateway.platform import services

CHANNEL = "ussd"

bp = Blueprint("ussd", __name__)


@bp.before_request
def verify_token():
    """403 on a missing or wrong token, and always while USSD_TOKEN is unset."""
    if not tokens_match(request.values.get("token"), services.settings().USSD_TOKEN):
        abort(403)


@bp.post("/webhooks/ussd")
def ussd():
    """One USSD request: the next screen of the session."""
    form = request.form
    session_id = carrier_field(form.get("sessionId"))
    phone = carrier_field(form.get("phoneNumber"), 64)
    if not session_id or not phone or len(session_id) > 100:
        return Response("END", status=400, content_type="text/plain; charset=utf-8")
    outcome = current_conversation().handle(
        Inbound(channel=CHANNEL, phone=phone, text=form.get("text", ""), session_id=session_id)
    )
    return Response(outcome.text or "END ", content_type="text/plain; charset=utf-8")
