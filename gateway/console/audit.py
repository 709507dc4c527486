"""The audit log (admins only): who did what and when, newest first, paged by id."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for

from gateway.console.auth import require
from gateway.console.forms import programme_moment, read_fields, record_id
from gateway.console.i18n import add_strings
from gateway.console.labels import CODES
from gateway.console.roles import AUDIT
from gateway.platform import services
from gateway.store.audit import AuditFilters, recent_audit_events
from gateway.store.users import list_users

bp = Blueprint("console_audit", __name__, url_prefix="/console/audit")
NAV = [("/console/audit", "nav.audit", AUDIT)]
PAGE = 100
# The action filter's choices: whole groups (`login`, `user`, ...) and single actions.
ACTION_GROUPS = ("login", "user", "export")
add_strings(
    {
        "nav.audit": ("رویدادها", "Audit log"),
        "audit.title": ("رویدادهای ثبت‌شده", "Audit log"),
        "audit.actor": ("کاربر", "Who"),
        "audit.action": ("کار", "Action"),
        "audit.target": ("روی", "Target"),
        "audit.details": ("جزئیات", "Details"),
        "audit.older": ("قدیمی‌تر", "Older"),
        "audit.newest": ("تازه‌ترین‌ها", "Newest"),
        "audit.all": ("همه", "All"),
        "audit.group.login": ("همهٔ ورودها و خروج‌ها", "every sign-in"),
        "audit.group.user": ("همهٔ تغییرهای کاربران", "every change to users"),
        "audit.group.export": ("همهٔ خروجی‌ها", "every export"),
    }
)


def read_filters(args) -> tuple[AuditFilters, list[str]]:
    readers = {
        "action": lambda v: v if v in CODES["action"] or v in ACTION_GROUPS else None,
        "actor": lambda v: (v or "").strip()[:64] or None,
        "since": lambda v: programme_moment(v, "field.since"),
        "until": lambda v: programme_moment(v, "field.until", end_of_day=True),
    }
    values, errors = read_fields(args, readers)
    return AuditFilters(**values), errors


@bp.get("")
@require(AUDIT)
def index():
    """Filter by action (or a group of them), user and dates; `before` pages back by id."""
    filters, errors = read_filters(request.args)
    before = request.args.get("before", "")
    before_id = record_id(before)
    session = services.request_session()
    events = recent_audit_events(session, filters, PAGE, before_id)
    kept = {k: v for k, v in request.args.items() if k != "before" and v}
    older = url_for(".index", **kept, before=events[-1].id) if len(events) == PAGE else None
    page = render_template(
        "console/audit.html",
        events=events,
        errors=errors,
        args=request.args,
        older=older,
        newest=url_for(".index", **kept) if before_id else None,
        groups=ACTION_GROUPS,
        actions=CODES["action"],
        usernames=[u.username for u in list_users(session)],
    )
    return page, 400 if errors else 200
