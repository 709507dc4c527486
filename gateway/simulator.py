"""`smsgw simulate`: chat with the dialog in a terminal, through the carriers' own code path."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable

import click
from bidi import get_display

from gateway.conversation import Conversation, Inbound
from gateway.menus import UssdMenus

CHANNEL = "simulator"
PROMPT = "you> "


def show(text: str, *, bidi: bool, width: int | None = None) -> str:
    """The gateway's reply for a terminal: Persian laid out right to left, right-aligned."""
    width = width or shutil.get_terminal_size((80, 24)).columns
    lines = text.splitlines() or [""]
    if not bidi:
        return "\n".join(lines)
    return "\n".join(get_display(line).rjust(width) for line in lines)


def chat_sms(
    conversation: Conversation,
    phone: str,
    read: Callable[[], str],
    write: Callable[[str], None],
    *,
    bidi: bool = True,
) -> None:
    """Read lines until end of input or `/quit`; each one goes through Conversation.handle."""
    write(f"texting the gateway as {phone}; /quit to leave")
    while True:
        try:
            line = read()
        except (EOFError, click.Abort):
            return
        if line.strip() == "/quit":
            return
        outcome = conversation.handle(
            Inbound(channel=CHANNEL, phone=phone, text=line, external_id=f"sim-{uuid.uuid4()}")
        )
        if outcome.text is None:
            write("(no reply)")
        else:
            write(show(outcome.text, bidi=bidi))


def chat_ussd(
    menus: UssdMenus,
    phone: str,
    read: Callable[[], str],
    write: Callable[[str], None],
    *,
    bidi: bool = True,
) -> None:
    """Dial the USSD code, answer each screen; after END, Enter dials again."""
    write(f"dialing the USSD code as {phone}; /quit to leave")
    while True:
        session_id, inputs = f"sim-{uuid.uuid4().hex}", []
        screen = menus.handle(session_id, phone, "")
        while True:
            write(show(screen.text, bidi=bidi))
            if screen.ended:
                break
            try:
                line = read()
            except (EOFError, click.Abort):
                return
            if line.strip() == "/quit":
                return
            inputs.append(line)
            screen = menus.handle(session_id, phone, "*".join(inputs))
        write("(session ended; press Enter to dial again)")
        try:
            if read().strip() == "/quit":
                return
        except (EOFError, click.Abort):
            return
