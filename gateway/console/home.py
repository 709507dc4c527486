"""The console's home: admins get a page of panels, everyone else lands on their main page."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, url_for

from gateway.console.auth import current_user, require
from gateway.console.i18n import add_strings
from gateway.console.roles import MONITOR, USERS

bp = Blueprint("console_home", __name__, url_prefix="/console")
MONITOR_PATH = "/console/monitor"
add_strings(
    {
        "home.title": ("خانه", "Home"),
        "home.pages": ("بخش‌های کنسول", "Console pages"),
    }
)


@bp.get("/")
@require()
def index():
    """Admins -> the home page; operators -> the monitor; staff -> registrations."""
    user = current_user()
    if user.may(USERS):
        return render_template("console/home.html")
    paths = {rule.rule for rule in current_app.url_map.iter_rules()}
    if user.may(MONITOR) and MONITOR_PATH in paths:
        return redirect(MONITOR_PATH)
    return redirect(url_for("console_registrations.index"))
