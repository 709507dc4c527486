"""Twilio Programmable Messaging: the inbound SMS webhook and the status callback.

https://www.twilio.com/docs/messaging/guides/webhook-request
https://www.twilio.com/docs/usage/webhooks/webhooks-security
"""

from __future__ import annotations

import functools
from urllib.parse import urlparse
from xml.sax.saxutils import escape

from flask import Blueprint, Response, abort, request
from twilio.request_validator import RequestValidator, add_port, compare, remove_port

from gateway.channels import carrier_field, record_report
from gateway.dialog import current_conversation
from gateway.dialog.conversation import Inbound
from gateway.platform import services

CHANNEL = "twilio"
bp = Blueprint("twilio", __name__, url_prefix="/webhooks/twilio")


def signed_url() -> str:
    """The URL Twilio signed: PUBLIC_BASE_URL + path and query behind a proxy, else our own."""
    base = services.settings().PUBLIC_BASE_URL
    if not base:
        return request.url
    query = request.query_string.decode()
    return base.rstrip("/") + request.path + (f"?{query}" if query else "")


@bp.before_request
def verify_signature():
    """403 unless X-Twilio-Signature matches; always 403 while TWILIO_AUTH_TOKEN is unset."""
    token = services.settings().TWILIO_AUTH_TOKEN
    if not token:
        abort(403)
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not signed_by_twilio(token, signed_url(), request.form, signature):
        abort(403)
    return None


def signed_by_twilio(token: str, url: str, form, signature: str) -> bool:
    """What twilio's `RequestValidator.validate` decides for a form post: the signature
    is the token's HMAC of the URL, with or without its port, and the form. validate
    computes both every time; the URL as it came (with its port when it has one) is the
    one Twilio signed, so the other is computed only when that one does not match."""
    validator, parsed = _validator(token), urlparse(url)
    first, second = (add_port, remove_port) if parsed.port else (remove_port, add_port)
    return any(
        compare(validator.compute_signature(form_url(parsed), form), signature)
        for form_url in (first, second)
    )


_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response>{}</Response>'
_NO_REPLY = '<?xml version="1.0" encoding="UTF-8"?><Response />'


@functools.lru_cache(maxsize=2)
def _validator(token: str) -> RequestValidator:
    return RequestValidator(token)


def twiml(text: str | None) -> Response:
    """The reply as TwiML, byte for byte what twilio's MessagingResponse writes, without
    building an element tree for every message."""
    body = _TWIML.format(f"<Message>{escape(text)}</Message>") if text else _NO_REPLY
    return Response(body, content_type="text/xml; charset=utf-8")


@bp.post("/sms")
def inbound_sms():
    """An SMS from a pensioner; the dialog's reply goes back as TwiML."""
    form = request.form
    sender = carrier_field(form.get("From"), 64)
    if not sender:
        abort(400)
    outcome = current_conversation().handle(
        Inbound(
            channel=CHANNEL,
            phone=sender,
            text=form.get("Body", ""),
            external_id=carrier_field(form.get("MessageSid") or form.get("SmsSid")),
        )
    )
    return twiml(outcome.text)


@bp.post("/status")
def status_callback():
    """Delivery status of a message we sent through the Twilio provider."""
    form = request.form
    record_report(
        CHANNEL, form.get("MessageSid", ""), form.get("MessageStatus", ""),
        form.get("ErrorCode"), our_id=request.args.get("id"),
    )  # fmt: skip
    return "", 204
