"""The one inbound path: every SMS and USSD request, from any channel, through one dialog.

conversation (store, dedupe, lock, step, reply), sessions (Redis state under the
per-phone lock), effect_runner (what a step asks for), reminders (the USSD dropped-
session SMS). May import: flows, gateway.platform, gateway.store, gateway.monitoring,
gateway.programme (jobs).
"""

from __future__ import annotations

from flask import current_app

from config.settings import Settings
from flows.engine import Flow
from flows.registration import RegistrationConfig, build_registration_flow

_KEY = "smsgw.conversation"


def dialog_flow(settings: Settings) -> Flow:
    """The registration dialog with this programme's settings."""
    return build_registration_flow(
        RegistrationConfig(
            pension_min=settings.PENSION_NUMBER_MIN_DIGITS,
            pension_max=settings.PENSION_NUMBER_MAX_DIGITS,
            idle_timeout=settings.SESSION_TIMEOUT_MINUTES * 60,
        )
    )


def current_conversation():
    """The app's Conversation (built once per app in create_app)."""
    return current_app.extensions[_KEY]


def install_conversation(app, conversation) -> None:
    app.extensions[_KEY] = conversation
