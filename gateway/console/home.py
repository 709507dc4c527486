"""The console's home: each role lands on its main page."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, url_for

from gateway.console.auth import current_user

bp = Blueprint("console_home", __name__, url_prefix="/console")
MONITOR_PATH = "/console/monitor"


@bp.get("/")
def index():
    """Operators -> the monitor (when there is one), everyone else -> registrations."""
    user = current_user()
    if user is None:
        return redirect(url_for("console_auth.login"))
    paths = {rule.rule for rule in current_app.url_map.iter_rules()}
    if user.role == "operator" and MONITOR_PATH in paths:
        return redirect(MONITOR_PATH)
    return redirect(url_for("console_registrations.index"))
