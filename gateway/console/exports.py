"""Exports for the bank (spec 3.7) from the console: asked here, written by a job."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)

from gateway.console.auth import association_scope, current_user, require
from gateway.console.forms import FormError, choice, registration_filters
from gateway.console.i18n import add_strings, t
from gateway.console.roles import EXPORTS
from gateway.platform import services
from gateway.programme.bank_export import FORMATS, export_filters
from gateway.programme.export_files import export_folder
from gateway.programme.export_requests import get_export, recent_exports, request_export
from gateway.store.audit import add_audit_event
from gateway.store.models import STATUSES
from gateway.store.phases import list_phases
from gateway.store.registrations import RegistrationFilters
from gateway.store.registry import associations

bp = Blueprint("console_exports", __name__, url_prefix="/console/exports")
NAV = [("/console/exports", "nav.exports", EXPORTS)]
add_strings(
    {
        "exp.title": ("خروجی برای بانک", "Exports for the bank"),
        "exp.format": ("قالب", "Format"),
        "exp.submit": ("ساختن خروجی", "Export"),
        "exp.queued": ("خروجی در نوبت ساخت است.", "The export is queued."),
        "exp.recent": ("خروجی‌های اخیر", "Recent exports"),
        "exp.by": ("درخواست‌کننده", "Asked by"),
        "exp.file": ("فایل", "File"),
        "exp.rows": ("ردیف‌ها", "Rows"),
        "exp.state": ("وضعیت", "State"),
        "exp.download": ("دریافت", "Download"),
        "exp.state.queued": ("در نوبت", "queued"),
        "exp.state.running": ("در حال ساخت", "running"),
        "exp.state.done": ("آماده", "ready"),
        "exp.state.failed": ("ناموفق", "failed"),
        "exp.gone": ("این فایل دیگر موجود نیست.", "This file is gone."),
        "exp.csv_hint": (
            "برای خواندن در اکسل XLSX را بگیرید. CSV برای سامانهٔ بانک است: اگر آن را در اکسل"
            " باز می‌کنید، از Data ← From Text/CSV ستون‌ها را «Text» بگیرید تا صفرهای آغاز کد ملی"
            " نیفتد.",
            "For reading in Excel take XLSX. CSV is for the bank's system: to open it in Excel,"
            " use Data > From Text/CSV and make the columns Text, or national IDs lose their"
            " leading zeros.",
        ),
    }
)


def _visible(info: dict | None) -> dict:
    """The export if the user may see it (staff of an association: theirs only), else 404."""
    scope = association_scope()
    if info is None or (scope is not None and info["association"] != scope):
        abort(404)
    return info


def _redis():
    return services.redis_client()


@bp.get("")
@require(EXPORTS)
def index():
    """The export form (same filters as the CLI) and the latest exports the user may see."""
    scope = association_scope()
    session = services.request_session()
    exports = [e for e in recent_exports(_redis()) if scope is None or e["association"] == scope]
    return render_template(
        "console/exports.html",
        exports=exports[:50],
        associations=associations(session, scope),
        phases=list_phases(session),
        statuses=STATUSES,
        formats=FORMATS,
    )


@bp.post("")
@require(EXPORTS)
def create():
    """Queue an export (audited); staff of an association always get only theirs."""
    scope = association_scope()
    filters, errors = registration_filters(request.form, scope)
    try:
        fmt = choice(request.form.get("format"), FORMATS, "exp.format") or "xlsx"
    except FormError as exc:
        errors.append(str(exc))
    known = {a.code for a in associations(services.request_session(), scope)}
    if filters.association is not None and filters.association not in known:
        errors.append(t("form.bad_choice", field=t("field.association")))
    if errors:
        for error in errors:
            flash(error, "error")
        return redirect(url_for(".index"))
    wanted = RegistrationFilters(filters.association, filters.phase, filters.status)
    info = request_export(services.current(), current_user().username, fmt, wanted)
    with services.database().session(write=True) as session:
        add_audit_event(
            session, current_user().username, "export.requested", info["file"],
            format=fmt, filters=export_filters(wanted),
        )  # fmt: skip
    flash(t("exp.queued"), "ok")
    return redirect(url_for(".index"))


@bp.get("/<export_id>.json")
@require(EXPORTS)
def progress(export_id: str):
    """State and progress of one export, for the page's polling."""
    info = _visible(get_export(_redis(), export_id))
    return jsonify(
        state=info["state"],
        state_label=t(f"exp.state.{info['state']}"),
        total=int(info["total"]),
        done=int(info["done"]),
    )


@bp.get("/<export_id>/download")
@require(EXPORTS)
def download(export_id: str):
    """The finished file, as an attachment (audited)."""
    info = _visible(get_export(_redis(), export_id))
    folder = export_folder(services.current())
    path = folder / info["file"]
    if info["state"] != "done" or not path.is_file():
        abort(404)
    with services.database().session(write=True) as session:
        add_audit_event(
            session, current_user().username, "export.downloaded", info["file"],
            sha256=info.get("sha256", ""),
        )  # fmt: skip
    return send_from_directory(folder, info["file"], as_attachment=True)
