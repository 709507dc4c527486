"""The `console` provider: prints the message (phone masked); nothing leaves the machine."""

from __future__ import annotations

from dataclasses import dataclass

import click

from config.settings import Settings
from gateway.platform.masking import mask_phone


@dataclass(frozen=True)
class ConsoleProvider:
    name = "console"
    channel = "console"
    dedupes = True  # printing twice reaches no phone

    def send(self, message_id: int, to: str, text: str) -> str:
        click.echo(f"SMS #{message_id} to {mask_phone(to)}: {text}")
        return f"console-{message_id}"


def make_provider(_settings: Settings) -> ConsoleProvider:
    return ConsoleProvider()
