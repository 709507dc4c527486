"""The console's home: admins get a page of panels, everyone else lands on their main page."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, url_for

from gateway.console.auth import current_user, require
from gateway.console.filters import digits
from gateway.console.i18n import add_strings, t
from gateway.console.labels import label
from gateway.console.roles import MONITOR, USERS
from gateway.platform import services
from gateway.programme.readiness import check_programme

bp = Blueprint("console_home", __name__, url_prefix="/console")
MONITOR_PATH = "/console/monitor"
add_strings(
    {
        "home.title": ("خانه", "Home"),
        "home.pages": ("بخش‌های کنسول", "Console pages"),
        "check.title": ("آمادگی ثبت‌نام", "Ready for registrations?"),
        "check.ready": (
            "مرحلهٔ {phase} باز است و ثبت‌نام انجام می‌شود.",
            "Phase {phase} is open: registrations are taken.",
        ),
        "check.not_ready": (
            "ثبت‌نام آماده نیست؛ این موارد را درست کنید:",
            "Not ready for registrations: fix these first.",
        ),
        "check.phases": ("مرحله‌ها", "Phases"),
        "check.associations": ("کانون‌ها", "Associations"),
        "check.pensioners": ("مستمری‌بگیران", "Pensioners"),
        "check.places": ("جای گرفته / سهمیه در هر مرحله", "Places used / limit per phase"),
        "check.platform": ("درگاه‌ها، ارسال و پردازشگرها", "Channels, sending and workers"),
        "check.secret_set": ("رمز تنظیم شده", "secret set"),
        "check.secret_missing": ("رمز تنظیم نشده", "secret NOT set"),
        "check.provider": ("ارسال پیامک: {provider}", "SMS provider: {provider}"),
        "check.workers": ("پردازشگرهای فعال: {n}", "Workers running: {n}"),
        "check.no_name": ("(بی‌نام)", "(no name)"),
        "check.no_quota": ("بدون سهمیه", "no quota"),
        "check.problem.no_open_phase": (
            "هیچ مرحله‌ای اکنون باز نیست (مرحلهٔ بعد: {next}).",
            "No phase is open now (next: phase {next}).",
        ),
        "check.problem.no_phase_dated": (
            "هیچ مرحله‌ای باز نیست و مرحلهٔ تاریخ‌داری هم در پیش نیست.",
            "No phase is open now, and none is dated to open later.",
        ),
        "check.problem.empty_registry": (
            "فهرست مستمری‌بگیران خالی است (smsgw registry import).",
            "The registry is empty (smsgw registry import).",
        ),
        "check.problem.no_quota": (
            "کانون {code} {pensioners} مستمری‌بگیر دارد ولی در مرحلهٔ {phase} سهمیه ندارد.",
            "Association {code} has {pensioners} pensioners but no quota in phase {phase}.",
        ),
        "check.problem.quota_without_pensioners": (
            "کانون {code} سهمیه دارد ولی هیچ مستمری‌بگیری در فهرست ندارد (اشتباه در کد؟).",
            "Association {code} has a quota but no pensioner in the registry (a typo?).",
        ),
        "check.problem.unnamed": (
            "کانون {code} نام ندارد: هیچ فایل سهمیه‌ای آن را نام نبرده است.",
            "Association {code} has no name: no quotas file named it.",
        ),
        "check.problem.undated": (
            "مرحلهٔ {numbers} هنوز تاریخ ندارد (smsgw phases set).",
            "Phase {numbers} has no dates yet (smsgw phases set).",
        ),
        "check.problem.channel_secret": (
            "درگاه {channel} همه را رد می‌کند: {secret} تنظیم نشده است.",
            "The {channel} channel answers 403: {secret} is not set.",
        ),
        "check.problem.provider_setting": (
            "{name} برای ارسال با {provider} تنظیم نشده است.",
            "{name} is not set for SMS_PROVIDER={provider}.",
        ),
        "check.problem.no_public_base_url": (
            "PUBLIC_BASE_URL تنظیم نشده است: گزارش‌های تحویل برنمی‌گردند.",
            "PUBLIC_BASE_URL is not set: delivery reports cannot come back.",
        ),
        "check.problem.console_provider": (
            "پیامک‌های نتیجه فقط در خروجی چاپ می‌شوند و به گوشی نمی‌رسند.",
            "Result SMS are only printed, never sent to a phone.",
        ),
        "provider.console": ("بدون ارسال (فقط چاپ)", "none (printed only)"),
        "provider.twilio": ("Twilio", "Twilio"),
        "provider.http": ("درگاه HTTP", "HTTP gateway"),
        "provider.kannel": ("Kannel", "Kannel"),
        "check.problem.no_worker": (
            "هیچ پردازشگری اجرا نمی‌شود: درخواستی بررسی و پیامکی ارسال نمی‌شود.",
            "No worker is running: nothing will be decided or sent.",
        ),
    }
)


@bp.get("/")
@require()
def index():
    """Admins -> the home page; operators -> the monitor; staff -> registrations."""
    user = current_user()
    if user.may(USERS):
        check = check_programme(services.current())
        provider = label("provider", check.provider)
        return render_template(
            "console/home.html", check=check, findings=_findings(check), provider=provider
        )
    paths = {rule.rule for rule in current_app.url_map.iter_rules()}
    if user.may(MONITOR) and MONITOR_PATH in paths:
        return redirect(MONITOR_PATH)
    return redirect(url_for("console_registrations.index"))


def _findings(check) -> list[tuple[str, str, str]]:
    """(kind, code, words) of each problem, then each warning, in the page's language."""
    found = [("problem", f) for f in check.problems] + [("warning", f) for f in check.warnings]
    return [(kind, f.code, t(f"check.problem.{f.code}", **_words(f.params))) for kind, f in found]


def _words(params: dict) -> dict:
    """A finding's values as the page shows them: channels in words, digits in its script."""
    shown = {name: digits(value) for name, value in params.items()}
    if "channel" in params:
        shown["channel"] = label("channel", params["channel"])
    if "provider" in params:
        shown["provider"] = label("provider", params["provider"])
    return shown
