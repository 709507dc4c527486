"""Kannel-style HTTP SMS: the `get-url` webhook and delivery reports (any aggregator alike).

Kannel `sms-service` with `get-url = ".../webhooks/http/sms?token=T&from=%p&to=%P&text=%a&id=%I"`
(https://www.kannel.org/download/1.4.5/userguide-1.4.5/userguide.html#AEN4623). The reply
is the plain-text body; an empty body sends nothing. Field names are settings
(HTTP_SMS_FIELDS) so another aggregator needs no code.
"""

from __future__ import annotations

import hashlib
import uuid

from flask import Blueprint, Response, abort, request

from gateway.channels import record_report, tokens_match
from gateway.dialog import current_conversation
from gateway.dialog.conversation import Inbound
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


@bp.route("/sms", methods=["GET", "POST"])
def inbound_sms():
    """An SMS from the operator's SMS centre; the reply is the body."""
    sender = field("from")
    if not sender:
        return plain("missing sender", 400)
    text = field("text") or ""
    message_id = field("id") or dedupe_id(sender, text)
    outcome = current_conversation().handle(
        Inbound(channel=CHANNEL, phone=sender, text=text, external_id=message_id)
    )
    return plain(outcome.text)


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
    """A delivery report for a message we sent (named status or Kannel's numeric code)."""
    values = request.values
    return record_report(CHANNEL, field("id") or "", values.get("status", ""), values.get("error"))
