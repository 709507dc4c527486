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
import re

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


# Unicode's control (Cc) and surrogate (Cs) characters, the whole of both categories.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def carrier_field(value: str | None, max_length: int = 256) -> str | None:
    """A carrier's identifier or phone as it may be stored and looked up: control
    characters (a NUL that PostgreSQL refuses) dropped, trimmed, cut; empty is None."""
    if value is None:
        return None
    kept = CONTROL_CHARACTERS.sub("", value)
    return kept.strip()[:max_length] or None


def record_report(
    channel: str, provider_id: str, status: str, error_code: str | None, our_id=None
) -> bool:
    """Apply a carrier's delivery report (400 without its fields); False when no message of
    ours matches. The caller answers in the carrier's own way.

    The report reads the message, then writes: a write transaction from its start
    (BEGIN IMMEDIATE on SQLite), so reports arriving together queue for the write lock
    instead of failing with "database is locked".
    """
    provider_id, status = carrier_field(provider_id, 64), carrier_field(status, 32)
    if not provider_id or not status:
        abort(400)
    error_code = carrier_field(error_code, 32)
    with services.database().session(write=True) as session:
        our_id = carrier_field(our_id, 20)
        return record_delivery(session, channel, provider_id, status, error_code, our_id)


def tokens_match(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a shared secret; an unset secret matches nothing."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())
