"""`smsgw applications show|cancel`: support staff's view of one application."""

from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    """Add this area's commands to the `smsgw` group."""
