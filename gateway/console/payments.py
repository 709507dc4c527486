"""The bank's payment results uploaded from the console (admins and head office): the
same import as `smsgw payments import`, its counts and rejects shown on the page."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, render_template, request
from werkzeug.utils import secure_filename

from gateway.console.auth import current_user, require
from gateway.console.i18n import add_strings, t
from gateway.console.roles import PAYMENTS
from gateway.platform import services
from gateway.programme.payments import PAYMENT_COLUMNS, import_payments
from gateway.programme.staff_files import FileError

bp = Blueprint("console_payments", __name__, url_prefix="/console/payments")
NAV = [("/console/payments", "nav.payments", PAYMENTS)]
MAX_UPLOAD_BYTES = 32 * 1024 * 1024  # about 400,000 rows; larger files: the CLI
add_strings(
    {
        "pay.title": ("نتیجهٔ پرداخت بانک", "Bank payment results"),
        "pay.file": ("فایل CSV بانک", "The bank's CSV file"),
        "pay.hint": (
            "فایل CSV بانک (UTF-8) با سرستون‌ها و مقدارهای زیر؛ زمان پرداخت میلادی (ISO) یا"
            " شمسی به وقت برنامه. هر تغییر یک پیامک به بازنشسته می‌فرستد؛ فایل تکراری چیزی را"
            " تغییر نمی‌دهد.",
            "The bank's CSV (UTF-8) with these columns; result paid or failed, paid_at ISO"
            " 8601 or Jalali in programme time. Each change texts the pensioner once; a file"
            " imported again changes nothing.",
        ),
        "pay.strict": (
            "اگر حتی یک ردیف نادرست است، هیچ ردیفی وارد نشود",
            "Import nothing if any row is bad",
        ),
        "pay.submit": ("ورود فایل", "Import"),
        "pay.no_file": ("فایلی انتخاب نشده است.", "No file was chosen."),
        "pay.result": (
            "{imported} ردیف وارد شد، {unchanged} از پیش ثبت شده بود، {rejected} رد شد.",
            "{imported} rows imported, {unchanged} done already, {rejected} rejected.",
        ),
        "pay.rejects": ("ردیف‌های ردشده", "Rejected rows"),
        "pay.line": ("سطر", "Line"),
        "pay.more": ("و {n} ردیف دیگر", "and {n} more"),
        "pay.too_large": (
            "فایل بزرگ‌تر از ۳۲ مگابایت است؛ آن را با smsgw payments import وارد کنید.",
            "The file is over 32 MB; import it with smsgw payments import.",
        ),
    }
)


@bp.before_request
def _allow_bank_files() -> None:
    """A bank file is larger than the console's usual 1 MB request; the limit is raised
    before the CSRF check reads the form."""
    if request.endpoint == "console_payments.upload":
        request.max_content_length = MAX_UPLOAD_BYTES


@bp.errorhandler(413)
def _too_large(_exc):
    return _page(error=t("pay.too_large")), 413


@bp.get("")
@require(PAYMENTS)
def index():
    return _page()


@bp.post("")
@require(PAYMENTS)
def upload():
    """Import the uploaded file as the CLI does (audited as this user), then show what
    it did: counts and the first rejects with their line and reason."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(error=t("pay.no_file")), 400
    name = secure_filename(upload.filename) or "payments.csv"
    with tempfile.TemporaryDirectory(prefix="smsgw-payments-") as folder:
        path, rejects = Path(folder) / name, Path(folder) / "rejects" / "rejects.csv"
        rejects.parent.mkdir()
        upload.save(path)
        try:
            report = import_payments(
                services.current(), path, rejects,
                current_user().username, strict=request.form.get("strict") == "1",
            )  # fmt: skip
        except FileError as exc:
            return _page(error=str(exc)), 400
    return _page(report=report), 200 if report.imported or report.unchanged else 400


def _page(report=None, error: str | None = None):
    columns = ",".join(PAYMENT_COLUMNS)
    return render_template("console/payments.html", columns=columns, report=report, error=error)
