"""Carrier channels: one module per carrier (HTTP in, canonical Inbound out, reply rendered).

Each module owns its signature or token check, its field names, its status map and
its reply format, and exposes a Flask blueprint `bp`. Nothing below a channel knows
which carrier a message came from except through the channel name stored with it.
Adding a carrier is one module here and one line in CHANNEL_MODULES.
May import: gateway.dialog, gateway.outbound (delivery reports), gateway.platform.
"""

from __future__ import annotations

import hmac
import importlib

from flask import Flask, abort

from config.settings import Settings
from gateway.outbound.deliveries import record_delivery
from gateway.platform import services

CHANNEL_MODULES = {
    "twilio": "gateway.channels.twilio_sms",
    "http": "gateway.channels.http_sms",
    "ussd": "gateway.channels.ussd",
}


def register_channels(app: Flask, settings: Settings) -> None:
    """The blueprint of every enabled channel."""
    for name in settings.CHANNELS:
        app.register_blueprint(importlib.import_module(CHANNEL_MODULES[name]).bp)


def record_report(channel: str, provider_id: str, status: str, error_code: str | None):
    """A carrier's delivery report for a message we sent: 400 without its fields, else 204."""
    if not provider_id or not status:
        abort(400)
    db = services.request_session()
    record_delivery(db, channel, provider_id, status, error_code or None)
    db.commit()
    return "", 204


def tokens_match(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a shared secret; an unset secret matches nothing."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())
