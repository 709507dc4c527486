"""The operators' and staff's web console: one blueprint per area, registered here."""

from __future__ import annotations

from flask import Flask

# Modules of gateway.console, each with a blueprint `bp`; add an area with one line.
AREAS: tuple[str, ...] = ()


def register_console(app: Flask) -> None:
    """Register every console area's blueprint."""
    import importlib

    for area in AREAS:
        app.register_blueprint(importlib.import_module(f"gateway.console.{area}").bp)
