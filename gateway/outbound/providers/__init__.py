"""Outbound SMS providers: one module each, chosen by SMS_PROVIDER through a small registry.

A provider has `name`, `channel` (the name delivery reports arrive under), `dedupes`
(whether sending the same message id twice reaches the phone once) and
`send(message_id, to, text) -> provider_id`, raising TransientSendError (retry later)
or PermanentSendError (give up now).
"""

from __future__ import annotations

from importlib import import_module
from typing import Protocol

from config.settings import Settings


class SendError(Exception):
    """A send that did not go through: `code` is stored with the message."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


class TransientSendError(SendError):
    """5xx, a refused connection or a time-out: try again later."""


class PermanentSendError(SendError):
    """The provider refused the message (4xx): trying again cannot help."""


class Provider(Protocol):
    name: str
    channel: str
    dedupes: bool

    def send(self, message_id: int, to: str, text: str) -> str: ...


_MODULES = {
    "console": "gateway.outbound.providers.console",
    "twilio": "gateway.outbound.providers.twilio",
    "http": "gateway.outbound.providers.http",
    "kannel": "gateway.outbound.providers.kannel",
}


def get_provider(settings: Settings) -> Provider:
    """The provider SMS_PROVIDER names, configured from settings."""
    if settings.SMS_PROVIDER not in _MODULES:
        raise ValueError(f"SMS_PROVIDER: unknown provider {settings.SMS_PROVIDER!r}")
    return import_module(_MODULES[settings.SMS_PROVIDER]).make_provider(settings)
