"""Kannel-style HTTP SMS: the `get-url` webhook and delivery reports (any aggregator alike).

Kannel `sms-service` with `get-url = ".../webhooks/http/sms?token=T&from=%p&to=%P&text=%a&id=%I"`
(https://www.kannel.org/download/1.4.5/userguide-1.4.5/userguide.html#AEN4623). The reply
is the plain-text body; an empty body sends nothing. Kannel sends a get-url reply as
GSM-7 (Persian arrives as "?") unless its `X-Kannel-Coding` header says 2 (UCS-2) and the
service has `accept-x-kannel-headers = true`, so every reply names its coding in the
header HTTP_SMS_CODING_HEADER. Field names are settings (HTTP_SMS_FIELDS) so another
aggregator needs no code. docs/KANNEL.md is the tested Kannel configuration.
"""

from __future__ import annotations

import hashlib
import uuid

from flask import Blueprint, Response, abort, request

from gateway.channels import carrier_field, record_report, tokens_match
from gateway.dialog import current_conversation
from gateway.dialog.conversation import Inbound
from gateway.outbound.providers.kannel import kannel_coding
from gateway.platform import services

CHANNEL = "http"
DEDUPE_SECONDS = 10  # a gateway that sends no id: the same phone + text within this is one SMS
bp = Blueprint("http_sms", __name__, url_prefix="/webhooks/http")


def field(name: str) -> str | None:
    """A request value by its canonical name, read under the carrier's configured name."""
    return request.values.get(services.settings().http_sms_fields[name])


@bp.before_request
def verify_token():
    """403 on a missing or wrong token, and always while HTTP_SMS_TOKEN is unset."""
    if not tokens_match(field("token"), services.settings().HTTP_SMS_TOKEN):
        abort(403)


def plain(text: str | None, status: int = 200) -> Response:
    return Response(text or "", status=status, content_type="text/plain; charset=utf-8")


def reply(text: str | None) -> Response:
    """The dialog's reply as the body, its coding (0 GSM-7, 2 UCS-2) in the coding header."""
    response = plain(text)
    header = services.settings().HTTP_SMS_CODING_HEADER
    if text and header:
        response.headers[header] = kannel_coding(text)
    return response


@bp.route("/sms", methods=["GET", "POST"])
def inbound_sms():
    """An SMS from the operator's SMS centre; the reply is the body."""
    sender = carrier_field(field("from"), 64)
    if not sender:
        return plain("missing sender", 400)
    text = field("text")
    if text is None and request.mimetype == "text/plain":
        text = request.get_data(as_text=True)  # Kannel's post-url: the text is the body
    text = text or ""
    message_id = carrier_field(field("id")) or dedupe_id(sender, text)
    outcome = current_conversation().handle(
        Inbound(channel=CHANNEL, phone=sender, text=text, external_id=message_id)
    )
    return reply(outcome.text)


def dedupe_id(sender: str, text: str) -> str:
    """An id for a message that came without one: a resend within seconds gets the same id."""
    digest = hashlib.sha256(f"{sender}\n{text}".encode()).hexdigest()[:32]
    key = f"smsgw:http-dedupe:{digest}"
    fresh = f"auto-{uuid.uuid4().hex}"
    redis = services.redis_client()
    if redis.set(key, fresh, ex=DEDUPE_SECONDS, nx=True):
        return fresh
    return (redis.get(key) or fresh.encode()).decode()


@bp.route("/dlr", methods=["GET", "POST"])
def delivery_report():
    """A delivery report for a message we sent (named status or Kannel's numeric code).

    200 with a body, also for a report no message matches: Kannel 1.4.5's smsbox counts
    only 200 and 202 as done and fetches any other answer again (http-request-retry).
    """
    values = request.values
    record_report(CHANNEL, field("id") or "", values.get("status", ""), values.get("error"))
    return plain("OK")
