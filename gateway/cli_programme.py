"""`smsgw registry|quotas|phases|export`: the programme's data in and out."""

from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    """Add this area's commands to the `smsgw` group."""
