"""The operators' live monitor page, and the retry of a failed background job."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.registry import FailedJobRegistry

from gateway.console.api import RANGES
from gateway.console.auth import current_user, require
from gateway.console.i18n import STRINGS, add_strings, t
from gateway.console.roles import MONITOR
from gateway.platform import services
from gateway.programme.jobs import QUEUE_NAMES, get_queue
from gateway.store.audit import add_audit_event

bp = Blueprint("console_monitor", __name__, url_prefix="/console/monitor")
NAV = [("/console/monitor", "nav.monitor", MONITOR)]
POLL_SECONDS = 5
LABEL_PREFIXES = (
    "monitor.", "funnel.", "send.", "status.", "reason.", "field.phase", "queue.", "job.",
    "channel.", "worker.", "common.none",
)  # fmt: skip

add_strings(
    {
        "monitor.title": ("پایش زنده", "Live monitor"),
        "monitor.rates": ("پیام در دقیقه، یک ساعت گذشته", "Messages per minute, last hour"),
        "monitor.in": ("دریافتی", "inbound"),
        "monitor.out": ("ارسالی", "outbound"),
        "monitor.sends": ("ارسال‌ها", "Sends"),
        "monitor.hour": ("یک ساعت گذشته", "last hour"),
        "monitor.today": ("امروز", "today"),
        "monitor.delivery_rate": ("نرخ تحویل", "Delivery rate"),
        "monitor.failure_rate": ("نرخ خطا", "Failure rate"),
        "monitor.failures": ("خطاهای امروز به تفکیک کد", "Today's failures by error code"),
        "monitor.queues": ("صف‌ها", "Queues"),
        "monitor.workers": ("کارگرهای فعال", "Workers alive"),
        "monitor.failed_jobs": ("کارهای ناموفق", "Failed jobs"),
        "monitor.retry": ("اجرای دوباره", "Retry"),
        "monitor.retried": ("دوباره در صف گذاشته شد.", "Queued again."),
        "monitor.funnel": ("مسیر ثبت‌نام", "Registration funnel"),
        "monitor.support": ("پرسش‌های پشتیبانی", "Support questions"),
        "monitor.support_open": ("بی‌پاسخ", "unanswered"),
        "monitor.support_oldest": ("انتظار قدیمی‌ترین", "oldest waiting"),
        "monitor.minutes": ("{n} دقیقه", "{n} min"),
        "monitor.by_phase": ("به تفکیک مرحله", "By phase"),
        "monitor.updated": ("به‌روز شده", "Updated"),
        "monitor.stale": ("ارتباط با سرور قطع است", "Cannot reach the server"),
        "monitor.warn.queue_depth": (
            "صف {queue} شلوغ است: {value}",
            "Queue {queue} is deep: {value}",
        ),
        "monitor.warn.failure_rate": (
            "نرخ خطای ارسال بالاست: {value}",
            "Send failure rate is high: {value}",
        ),
        "monitor.warn.no_workers": (
            "هیچ کارگری فعال نیست و {value} کار در صف است",
            "No worker is alive and {value} jobs wait",
        ),
        "funnel.started": ("شروع گفتگو", "dialog started"),
        "funnel.national_id": ("کد ملی داده شد", "national ID given"),
        "funnel.pension_number": ("شماره مستمری داده شد", "pension number given"),
        "funnel.confirmed": ("تأیید شد", "confirmed"),
        "funnel.promoted": ("از صف انتظار پذیرفته", "promoted from waitlist"),
        "send.sent": ("ارسال شد", "sent"),
        "send.retry": ("تلاش دوباره", "retried"),
        "send.failed": ("ناموفق", "failed"),
        "send.delivered": ("تحویل شد", "delivered"),
        "send.undelivered": ("تحویل نشد", "undelivered"),
        "monitor.code": ("کد خطا", "Error code"),
        "monitor.queue": ("صف", "Queue"),
        "monitor.job": ("کار", "Job"),
        "monitor.error": ("خطا", "Error"),
        "monitor.queued": ("در صف", "queued"),
        "monitor.scheduled": ("زمان‌بندی‌شده", "scheduled"),
        "monitor.started": ("در حال اجرا", "running"),
        "monitor.failed": ("ناموفق", "failed"),
        "monitor.no_phase": ("بیرون از مرحله", "no phase open"),
        "monitor.bad_job": ("این کار در فهرست ناموفق‌ها نیست.", "No such failed job."),
        "monitor.range": ("بازه", "Range"),
        "monitor.range.60": ("یک ساعت", "1 hour"),
        "monitor.range.360": ("۶ ساعت", "6 hours"),
        "monitor.range.1440": ("۲۴ ساعت", "24 hours"),
        "monitor.per_point": ("پیام در هر {n} دقیقه", "messages per {n} minutes"),
        "monitor.no_reports": (
            "گزارش تحویلی از سرویس‌دهنده نرسیده است؛ نرخ تحویل معلوم نیست.",
            "The provider sent no delivery reports: the delivery rate is unknown.",
        ),
        "monitor.no_failures": ("امروز خطایی نبوده است.", "No failures today."),
        "monitor.no_failed_jobs": ("کار ناموفقی نیست.", "No failed jobs."),
        "monitor.no_workers": ("هیچ کارگری فعال نیست.", "No worker is alive."),
        "monitor.ended_at": ("زمان", "When"),
        "job.validate_application": ("بررسی درخواست", "decide an application"),
        "job.promote_waitlist": ("پیشروی صف انتظار", "promote a waitlist"),
        "job.reconcile": ("بازبینی کارهای جامانده", "reconcile"),
        "job.send_sms": ("ارسال پیامک", "send an SMS"),
        "job.remind_unfinished": ("یادآوری گفتگوی نیمه‌کاره", "remind an unfinished dialog"),
        "job.export_registrations": ("ساخت خروجی", "write an export"),
        "worker.idle": ("بیکار", "idle"),
        "worker.busy": ("مشغول", "busy"),
        "worker.suspended": ("متوقف", "suspended"),
        "worker.started": ("آغاز شده", "started"),
    }
)


@bp.get("")
@require(MONITOR)
def index():
    return render_template(
        "console/monitor.html", poll_ms=POLL_SECONDS * 1000, labels=labels(), ranges=RANGES
    )


def labels() -> dict[str, str]:
    """The words monitor.js shows, in the console's language."""
    keys = [key for key in STRINGS if key.startswith(LABEL_PREFIXES)]
    return {key: t(key) for key in keys}


@bp.post("/failed-jobs/retry")
@require(MONITOR)
def retry_failed_job():
    """Requeue one job of a queue's failed-job registry (JSON in, JSON out); audited."""
    data = request.get_json(silent=True) or request.form
    queue_name, job_id = str(data.get("queue", "")), str(data.get("job_id", ""))[:100]
    if queue_name not in QUEUE_NAMES or not job_id:
        return jsonify(error=t("monitor.bad_job")), 400
    registry = FailedJobRegistry(queue=get_queue(queue_name, services.redis_client()))
    try:
        registry.requeue(job_id)
    except (NoSuchJobError, InvalidJobOperation, ValueError):
        return jsonify(error=t("monitor.bad_job")), 404
    with services.database().session() as session:
        add_audit_event(session, current_user().username, "job.retry", job_id, queue=queue_name)
    return jsonify(ok=True, message=t("monitor.retried"))
