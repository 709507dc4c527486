"""The console's words in Persian and English, and `t(key)` for templates and views."""

from __future__ import annotations

from flask import request

from gateway.console.session import LANG_COOKIE, request_state

LANGUAGES = ("fa", "en")

# key -> (Persian, English); other console areas add theirs with add_strings().
STRINGS: dict[str, tuple[str, str]] = {
    "app.title": ("کنسول سامانه ثبت‌نام وام", "Loan registration console"),
    "nav.home": ("خانه", "Home"),
    "nav.registrations": ("درخواست‌ها", "Registrations"),
    "nav.quotas": ("مراحل و سهمیه‌ها", "Phases and quotas"),
    "nav.exports": ("خروجی", "Exports"),
    "nav.payments": ("پرداخت‌های بانک", "Bank payments"),
    "nav.notices": ("پیامک همگانی", "Notices"),
    "nav.users": ("کاربران", "Users"),
    "nav.monitor": ("پایش", "Monitor"),
    "nav.conversations": ("گفتگوها", "Conversations"),
    "nav.messages": ("پیام‌ها", "Messages"),
    "nav.simulator": ("شبیه‌ساز", "Simulator"),
    "auth.title": ("ورود به کنسول", "Sign in"),
    "auth.username": ("نام کاربری", "Username"),
    "auth.password": ("گذرواژه", "Password"),
    "auth.submit": ("ورود", "Sign in"),
    "auth.logout": ("خروج", "Sign out"),
    "auth.failed": ("نام کاربری یا گذرواژه درست نیست.", "Wrong username or password."),
    "auth.wait": (
        "ورودهای ناموفق زیاد بود؛ {seconds} ثانیهٔ دیگر دوباره امتحان کنید.",
        "Too many failed sign-ins; try again in {seconds} seconds.",
    ),
    "auth.disabled": (
        "این حساب غیرفعال است؛ با مدیر سامانه تماس بگیرید.",
        "This account is disabled; ask an administrator.",
    ),
    "lang.switch": ("English", "فارسی"),
    "error.title": ("خطا", "Error"),
    "error.400": ("درخواست نامعتبر بود؛ صفحه را دوباره باز کنید.", "Bad request; reload the page."),
    "error.403": ("به این صفحه دسترسی ندارید.", "You may not open this page."),
    "error.404": ("این صفحه پیدا نشد.", "This page was not found."),
    "error.414": (
        "نشانی بیش از اندازه بلند است؛ جستجو یا فیلترها را کوتاه‌تر کنید.",
        "The address is too long; shorten the search or the filters.",
    ),
    "error.500": ("خطای داخلی؛ دوباره امتحان کنید.", "Internal error; try again."),
    "error.503": ("سامانه موقتاً در دسترس نیست.", "Temporarily unavailable."),
    "form.bad_number": ("«{field}» باید یک عدد درست باشد.", "{field} must be a whole number."),
    "form.bad_date": (
        "«{field}» تاریخ درستی نیست؛ مانند ۱۴۰۵-۰۹-۰۴ یا 2026-11-25 بنویسید.",
        "{field} is not a date; write it like 1405-09-04 or 2026-11-25.",
    ),
    "form.bad_choice": ("«{field}» مقدار درستی ندارد.", "{field} has an unknown value."),
    "form.until_inclusive": (
        "خود این روز هم حساب است (تا پایان روز).",
        "This day is included (up to its end).",
    ),
    "field.association": ("کانون", "Association"),
    "field.phase": ("مرحله", "Phase"),
    "field.status": ("وضعیت", "Status"),
    "field.reason": ("دلیل", "Reason"),
    "field.since": ("از تاریخ", "From"),
    "field.until": ("تا تاریخ", "To"),
    "field.tracking_code": ("کد پیگیری", "Tracking code"),
    "field.national_id": ("کد ملی", "National ID"),
    "field.pension_number": ("شماره مستمری", "Pension number"),
    "field.full_name": ("نام", "Name"),
    "field.phone": ("تلفن", "Phone"),
    "field.channel": ("کانال", "Channel"),
    "field.flags": ("نشانه‌ها", "Flags"),
    "field.position": ("نوبت در صف", "Waitlist position"),
    "field.created_at": ("زمان ثبت", "Registered"),
    "field.decided_at": ("زمان تصمیم", "Decided"),
    "field.paid_at": ("زمان پرداخت", "Paid"),
    "field.payment_reference": ("شمارهٔ پیگیری بانک", "Bank reference"),
    "field.payment_reason": ("دلیل ناموفق بودن پرداخت", "Why the payment failed"),
    "status.pending": ("در حال بررسی", "pending"),
    "status.approved": ("پذیرفته", "approved"),
    "status.waitlisted": ("در صف انتظار", "waitlisted"),
    "status.rejected": ("رد شده", "rejected"),
    "status.cancelled": ("لغو شده", "cancelled"),
    "status.paid": ("پرداخت شده", "paid"),
    "status.payment_failed": ("پرداخت ناموفق", "payment failed"),
    "reason.not_found": ("در فهرست نیست", "not found"),
    "reason.pension_mismatch": ("شماره مستمری نمی‌خواند", "pension number mismatch"),
    "reason.not_eligible": ("واجد شرایط نیست", "not eligible"),
    "reason.prior_loan": ("وام گرفته است", "prior loan"),
    "reason.phone_mismatch": ("تلفن نمی‌خواند", "phone mismatch"),
    "reason.phase_closed": ("مرحله بسته بود", "phase closed"),
    "reason.cancelled": ("لغو شد", "cancelled"),
    "common.all": ("همه", "all"),
    "common.filter": ("نمایش", "Filter"),
    "common.save": ("ذخیره", "Save"),
    "common.next": ("صفحهٔ بعد", "Next page"),
    "common.none": ("چیزی پیدا نشد.", "Nothing found."),
    "common.back": ("بازگشت", "Back"),
    "common.saved": ("ذخیره شد.", "Saved."),
    "common.comma": ("، ", ", "),
}


def add_strings(strings: dict[str, tuple[str, str]]) -> None:
    """Let another console area add its own words (key -> (Persian, English))."""
    STRINGS.update(strings)


def current_lang() -> str:
    """`fa` or `en`: the language chosen with the header's switch (Persian until then)."""
    state = request_state()
    if "lang" not in state:
        lang = state.get("new_lang") or request.cookies.get(LANG_COOKIE, "fa")
        state["lang"] = lang if lang in LANGUAGES else "fa"
    return state["lang"]


def t(key: str, **values) -> str:
    """The text of `key` in the current language; unknown keys show as themselves."""
    pair = STRINGS.get(key)
    text = key if pair is None else pair[LANGUAGES.index(current_lang())]
    return text.format(**values) if values else text
