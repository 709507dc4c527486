"""`smsgw simulate`: chat with the dialog in a terminal, through the carriers' own code path."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from functools import partial

import click
from bidi import get_display

from gateway.cli.context import with_app
from gateway.dialog import current_conversation
from gateway.dialog.conversation import Conversation, Inbound

CHANNEL = "simulator"
PROMPT = "you> "


def show(text: str, *, bidi: bool, width: int | None = None) -> str:
    """The gateway's reply for a terminal: Persian laid out right to left, right-aligned."""
    width = width or shutil.get_terminal_size((80, 24)).columns
    lines = text.splitlines() or [""]
    if not bidi:
        return "\n".join(lines)
    return "\n".join(get_display(line).rjust(width) for line in lines)


def next_line(read: Callable[[], str]) -> str | None:
    """The next line typed, or None at the end of input or on `/quit`."""
    try:
        line = read()
    except (EOFError, click.Abort):
        return None
    return None if line.strip() == "/quit" else line


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
    while (line := next_line(read)) is not None:
        outcome = conversation.handle(
            Inbound(channel=CHANNEL, phone=phone, text=line, external_id=f"sim-{uuid.uuid4()}")
        )
        write("(no reply)" if outcome.text is None else show(outcome.text, bidi=bidi))


def chat_ussd(
    conversation: Conversation,
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
        request = partial(_ussd_request, conversation, phone, session_id)
        outcome = request("")
        while not outcome.ended:
            write(show(outcome.screen_text, bidi=bidi))
            if (line := next_line(read)) is None:
                return
            inputs.append(line)
            outcome = request("*".join(inputs))
        write(show(outcome.screen_text, bidi=bidi))
        write("(session ended; press Enter to dial again)")
        if next_line(read) is None:
            return


def _ussd_request(conversation: Conversation, phone: str, session_id: str, text: str):
    inbound = Inbound(channel=CHANNEL, phone=phone, text=text, session_id=session_id)
    return conversation.handle(inbound)


@click.command()
@click.option("--phone", required=True, help="The pensioner's phone, any common format.")
@click.option(
    "--raw", is_flag=True, help="Print replies in logical order (for terminals that do bidi)."
)
@click.option("--channel", type=click.Choice(["sms", "ussd"]), default="sms", show_default=True)
@with_app
def simulate(app, phone: str, raw: bool, channel: str) -> None:
    """Chat with the dialog in the terminal, through the same path as a carrier."""

    def read() -> str:
        return click.prompt("", prompt_suffix="you> ", default="", show_default=False)

    chat = chat_ussd if channel == "ussd" else chat_sms
    chat(current_conversation(), phone, read, click.echo, bidi=not raw)


COMMANDS = (simulate,)
