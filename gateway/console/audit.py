"""The audit log (admins only): who did what and when, newest first, paged by id."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from gateway.console.auth import require
from gateway.console.i18n import add_strings
from gateway.console.roles import AUDIT
from gateway.platform import services
from gateway.store.audit import recent_audit_events

bp = Blueprint("console_audit", __name__, url_prefix="/console/audit")
NAV = [("/console/audit", "nav.audit", AUDIT)]
PAGE = 100
add_strings(
    {
        "nav.audit": ("رویدادها", "Audit log"),
        "audit.title": ("رویدادهای ثبت‌شده", "Audit log"),
        "audit.actor": ("کاربر", "Who"),
        "audit.action": ("کار", "Action"),
        "audit.target": ("روی", "Target"),
        "audit.details": ("جزئیات", "Details"),
        "audit.older": ("قدیمی‌تر", "Older"),
        "audit.all": ("همه", "All"),
    }
)


@bp.get("")
@require(AUDIT)
def index():
    """Filter by action; `before` is the last id of the previous page."""
    action = (request.args.get("action") or "").strip()[:64] or None
    before = request.args.get("before", "")
    before_id = int(before) if before.isdigit() and len(before) < 19 else None
    events = recent_audit_events(services.request_session(), action, PAGE, before_id)
    older = events[-1].id if len(events) == PAGE else None
    return render_template("console/audit.html", events=events, action=action, older=older)
