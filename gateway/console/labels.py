"""Words for every stored code the console shows (statuses, channels, states, queues, audit
actions...), in both languages; the code itself stays in a tooltip for support."""

from __future__ import annotations

import json
import re

from gateway.console.i18n import STRINGS, add_strings, t

# kind -> code -> (Persian, English). A code with no entry shows as itself.
CODES: dict[str, dict[str, tuple[str, str]]] = {
    "channel": {
        "twilio": ("پیامک (Twilio)", "SMS (Twilio)"),
        "http": ("پیامک (درگاه اپراتور)", "SMS (operator gateway)"),
        "sms": ("پیامک", "SMS"),
        "ussd": ("کد دستوری USSD", "USSD"),
        "simulator": ("شبیه‌ساز", "Simulator"),
        "console": ("کنسول", "Console"),
    },
    "message_status": {
        "received": ("دریافت شد", "received"),
        "handled": ("پاسخ داده شد", "answered"),
        "rate_limited": ("بیش از حد مجاز", "over the rate limit"),
        "ignored": ("بی‌پاسخ (فرستندهٔ ناپذیرفته)", "ignored (sender not allowed)"),
        "scheduled": ("زمان‌بندی‌شده", "scheduled"),
        "queued": ("در صف ارسال", "queued"),
        "sending": ("در حال ارسال", "sending"),
        "sent": ("ارسال شد", "sent"),
        "delivered": ("تحویل شد", "delivered"),
        "undelivered": ("تحویل نشد", "undelivered"),
        "failed": ("ناموفق", "failed"),
        "suppressed": ("فرستاده نشد (لغو اشتراک)", "not sent (opted out)"),
        "cancelled": ("لغو شد", "cancelled"),
        "retry": ("تلاش دوباره", "retried"),
    },
    "state": {
        "start": ("آغاز گفتگو", "dialog start"),
        "ask_national_id": ("پرسش کد ملی", "asking national ID"),
        "ask_pension_number": ("پرسش شماره مستمری", "asking pension number"),
        "confirm": ("پرسش تأیید", "asking to confirm"),
        "submit": ("ثبت درخواست", "application submitted"),
    },
    "queue": {
        "decisions": ("تصمیم‌ها", "decisions"),
        "sms": ("ارسال پیامک", "SMS sending"),
        "exports": ("خروجی‌ها", "exports"),
    },
    "role": {
        "admin": ("مدیر", "admin"),
        "operator": ("اپراتور", "operator"),
        "head_office": ("کارشناس ستاد", "head-office staff"),
        "staff": ("کارشناس کانون", "association staff"),
    },
    "event": {
        "decided": ("تصمیم", "decided"),
        "promoted": ("پذیرش از صف انتظار", "promoted from the waitlist"),
        "carried_over": ("انتقال به صف مرحلهٔ بعد", "carried over to the next phase"),
        "cancelled": ("لغو", "cancelled"),
        "paid": ("پرداخت بانک", "paid by the bank"),
        "payment_failed": ("پرداخت ناموفق بانک", "bank payment failed"),
    },
    "flag": {
        "phone_mismatch": ("تلفن با فهرست نمی‌خواند", "phone differs from the registry"),
    },
    "kind": {
        "reply": ("پاسخ گفتگو", "dialog reply"),
        "result": ("پیامک نتیجه", "result SMS"),
        "reminder": ("یادآوری", "reminder"),
        "notice": ("پیامک اطلاع‌رسانی", "notice SMS"),
        "support_reply": ("پاسخ پشتیبانی", "support reply"),
    },
    "support_status": {
        "open": ("در انتظار پاسخ", "waiting"),
        "assigned": ("سپرده به کارشناس", "assigned"),
        "answered": ("پاسخ داده شد", "answered"),
    },
    "format": {"csv": ("CSV", "CSV"), "xlsx": ("اکسل (XLSX)", "Excel (XLSX)")},
    "action": {
        "login": ("ورود", "signed in"),
        "login.failed": ("ورود ناموفق", "failed sign-in"),
        "login.blocked": ("ورود در زمان انتظار", "sign-in while waiting"),
        "login.disabled": ("ورود با حساب غیرفعال", "sign-in to a disabled account"),
        "logout": ("خروج", "signed out"),
        "user.created": ("ساخت کاربر", "user created"),
        "user.role_changed": ("تغییر نقش", "role changed"),
        "user.password_reset": ("گذرواژهٔ موقت", "temporary password set"),
        "user.password_changed": ("تغییر گذرواژه", "password changed"),
        "user.disabled": ("غیرفعال کردن کاربر", "user disabled"),
        "user.enabled": ("فعال کردن کاربر", "user enabled"),
        "national_id_revealed": ("نمایش کد ملی", "national ID shown"),
        "application_cancelled": ("لغو درخواست", "application cancelled"),
        "registry.import": ("ورود فهرست بازنشستگان", "registry imported"),
        "quotas.import": ("ورود فایل سهمیه‌ها", "quotas file imported"),
        "payments.import": ("ورود نتیجهٔ پرداخت بانک", "bank payments imported"),
        "notice.sent": ("ارسال پیامک همگانی", "notice sent"),
        "quota.set": ("تغییر سهمیه", "quota changed"),
        "phase.set": ("تغییر تاریخ مرحله", "phase dates changed"),
        "export": ("ساخت خروجی", "export written"),
        "export.requested": ("درخواست خروجی", "export requested"),
        "export.downloaded": ("دریافت خروجی", "export downloaded"),
        "job.retry": ("اجرای دوبارهٔ کار", "job retried"),
        "message.resend": ("ارسال دوبارهٔ نتیجه", "result SMS resent"),
        "conversation.view": ("دیدن گفتگو", "conversation viewed"),
        "simulator.message": ("پیام شبیه‌ساز", "simulator message"),
        "support.view": ("دیدن پرسش پشتیبانی", "support question viewed"),
        "support.reply": ("پاسخ به پرسش", "support question answered"),
        "support.assign": ("سپردن پرسش", "support question assigned"),
        "support.answered": ("بستن پرسش", "support question closed"),
        "report.download": ("دریافت گزارش برنامه", "programme report downloaded"),
    },
}
# Field names found in history lines and audit details.
FIELDS = {
    "status": "field.status",
    "reason": "field.reason",
    "flags": "field.flags",
    "association_code": "field.association",
    "association": "field.association",
    "phase": "field.phase",
    "waitlist_position": "field.position",
    "address": ("نشانی", "Address"),
    "role": ("نقش", "Role"),
    "was": ("پیش‌تر", "Before"),
    "before": ("پیش‌تر", "Before"),
    "after": ("پس از آن", "After"),
    "format": ("قالب", "Format"),
    "filters": ("فیلترها", "Filters"),
    "rows": ("ردیف‌ها", "Rows"),
    "sha256": ("اثر انگشت فایل", "File SHA-256"),
    "imported": ("ردیف‌های واردشده", "Rows imported"),
    "unchanged": ("ردیف‌های ثبت‌شده از پیش", "Rows done already"),
    "rejected": ("ردیف‌های ردشده", "Rows rejected"),
    "recipients": ("گیرندگان", "Recipients"),
    "queue": ("صف", "Queue"),
    "wait": ("ثانیه انتظار", "Seconds to wait"),
    "phones": ("شماره‌های یافته", "Phones found"),
    "application_id": ("شناسهٔ درخواست", "Application id"),
    "copied_from": ("رونوشت از پیام", "Copied from message"),
    "date": ("تاریخ", "Date"),
    "message_id": ("شناسهٔ پیام", "Message id"),
    "chars": ("نویسه‌ها", "Characters"),
    "to": ("به", "To"),
}
# Which kind of code a field's value is.
VALUE_KINDS = {
    "status": "status", "reason": "reason", "flags": "flag", "role": "role",
    "format": "format", "queue": "queue",
}  # fmt: skip

add_strings(
    {
        f"{kind}.{code}": pair
        for kind, codes in CODES.items()
        if kind not in ("role",)
        for code, pair in codes.items()
    }
)
add_strings({f"role.{code}": pair for code, pair in CODES["role"].items()})
add_strings({f"detail.{name}": v for name, v in FIELDS.items() if isinstance(v, tuple)})
_PAIR = re.compile(r"^([a-z_]+)=(\S*)$")
_PHASE = re.compile(r"^phase (\d+)(?: -> (\d+))?$")


def label(kind: str, code: str | None) -> str:
    """The words for a stored code (the code itself when none are known)."""
    if not code:
        return ""
    key = f"{kind}.{code}"
    return t(key) if key in STRINGS else code


def field_label(name: str) -> str:
    found = FIELDS.get(name)
    if found is None:
        return name
    return t(found) if isinstance(found, str) else t(f"detail.{name}")


def value_text(name: str, value) -> str:
    """A detail's value in words: codes translated, lists and dicts spelled out."""
    from gateway.console.filters import digits

    if value is None or value == "":
        return "-"
    if isinstance(value, dict):
        parts = [f"{field_label(k)}: {value_text(k, v)}" for k, v in value.items() if v]
        return t("common.comma").join(parts) if parts else t("common.all")
    if isinstance(value, list | tuple):
        return t("common.comma").join(value_text(name, v) for v in value)
    kind = VALUE_KINDS.get(name)
    if name in ("association", "association_code"):
        from gateway.console.filters import association_name

        return association_name(str(value))
    if kind == "flag":
        return t("common.comma").join(label("flag", flag) for flag in str(value).split(",") if flag)
    if kind is not None:
        return label(kind, str(value))
    return digits(value)


def history_detail(text: str) -> list[tuple[str, str]]:
    """An application event's detail as (label, value) pairs; free text stays one value.

    `status=approved association_code=04 phase=1` -> [(Status, approved), ...];
    `phase 1 -> 2` -> [(Phase, 1 → 2)].
    """
    from gateway.console.filters import digits
    from gateway.console.i18n import current_lang

    words = (text or "").split()
    pairs = [_PAIR.match(word) for word in words]
    if words and all(pairs):
        return [(field_label(m[1]), value_text(m[1], m[2])) for m in pairs]
    phase = _PHASE.match(text or "")
    if phase:
        arrow = "\u2190" if current_lang() == "fa" else "\u2192"  # along the reading order
        moved = digits(phase[1]) + (f" {arrow} {digits(phase[2])}" if phase[2] else "")
        return [(field_label("phase"), moved)]
    return [("", text)] if text else []


def audit_details(raw: str) -> list[tuple[str, str]]:
    """An audit row's JSON details as (label, value) pairs."""
    try:
        details = json.loads(raw or "{}")
    except ValueError:
        return [("", raw)]
    if not isinstance(details, dict):
        return [("", str(details))]
    return [(field_label(k), value_text(k, v)) for k, v in details.items()]
