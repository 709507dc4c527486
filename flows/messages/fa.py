"""Persian replies: short, plain and polite; Latin digits become Persian on render."""

_HELP = "ثبت‌نام وام: «وام» را بفرستید. پیگیری: «وضعیت». لغو: «لغو». English: EN. قطع پیامک: STOP"
_MISMATCH = "کد ملی و شماره مستمری با سوابق ما مطابقت ندارد."

CATALOGUE: dict[str, str] = {
    # The dialog.
    "welcome_ask_national_id": "به ثبت‌نام وام بازنشستگان خوش آمدید. لطفا کد ملی را بفرستید.",
    "ask_national_id": "لطفا کد ملی ۱۰ رقمی خود را بفرستید.",
    "bad_national_id": "کد ملی درست نیست. لطفا ۱۰ رقم روی کارت ملی را بفرستید.",
    "ask_pension_number": "لطفا شماره مستمری خود را بفرستید.",
    "bad_pension_number": "شماره مستمری درست نیست. لطفا فقط رقم‌های آن را بفرستید.",
    "confirm": "کد ملی: {national_id}\nشماره مستمری: {pension_number}\nدرست است؟ ۱ بله، ۲ اصلاح",
    "bad_confirm": "لطفا برای تایید ۱ و برای اصلاح ۲ را بفرستید.",
    "too_many_tries": "تعداد تلاش‌ها زیاد شد. " + _HELP,
    "help": _HELP,
    "cancelled": "ثبت‌نام لغو شد. برای شروع دوباره «وام» را بفرستید.",
    "expired_restart": "مهلت گفتگوی قبلی تمام شد. از نو: لطفا کد ملی را بفرستید.",
    "lang_set": "زبان پیام‌ها: فارسی",
    "stopped": "دیگر پیامی برای شما نمی‌فرستیم. برای لغو این کار START بفرستید.",
    "started": "ارسال پیامک دوباره فعال شد. برای ثبت‌نام «وام» را بفرستید.",
    # Outcomes of the gateway's effects.
    "application_created": "درخواست شما ثبت شد. کد پیگیری: {tracking_code}. نتیجه پیامک می‌شود.",
    "application_exists": (
        "این کد ملی قبلا ثبت شده است. کد پیگیری: {tracking_code}، وضعیت: {status}"
    ),
    "phone_limit": "با یک شماره تلفن حداکثر {limit} نفر می‌توانند ثبت‌نام کنند.",
    "status_none": "از این شماره درخواستی ثبت نشده است. برای ثبت‌نام «وام» بفرستید.",
    "status_unknown_code": "این کد پیگیری پیدا نشد. لطفا کد ۸ رقمی را بررسی کنید.",
    "status_pending": "درخواست {tracking_code} در حال بررسی است. نتیجه پیامک می‌شود.",
    "status_approved": "درخواست {tracking_code} تایید شده است.",
    "status_waitlisted": "درخواست {tracking_code} در صف انتظار است. نوبت شما: {position}",
    "status_rejected": "درخواست {tracking_code} پذیرفته نشد. دلیل: {reason}",
    "status_cancelled": "درخواست {tracking_code} لغو شده است.",
    "support_received": "پیام شما به کارشناسان پشتیبانی رسید و پاسخ پیامک می‌شود.",
    "status_paid": "وام درخواست {tracking_code} به حساب شما واریز شده است.",
    "status_payment_failed": "واریز وام {tracking_code} انجام نشد. پس از واریز پیامک می‌شود.",
    # Results sent later by background jobs.
    "result_approved": "درخواست وام شما تایید شد. کد پیگیری: {tracking_code}",
    "result_waitlisted": (
        "سهمیه این مرحله پر است. درخواست {tracking_code} در صف است. نوبت: {position}"
    ),
    "result_rejected_records_mismatch": (
        "درخواست {tracking_code} پذیرفته نشد: کد ملی و شماره مستمری مطابقت ندارد."
    ),
    "result_rejected_not_eligible": "درخواست وام شما پذیرفته نشد: شرایط این وام را ندارید.",
    "result_rejected_prior_loan": "درخواست شما پذیرفته نشد: این وام را قبلا گرفته‌اید.",
    "result_rejected_phone_mismatch": (
        "درخواست شما پذیرفته نشد: این تلفن با شماره همراه ثبت‌شده شما یکی نیست."
    ),
    "result_rejected_phase_closed": (
        "ثبت‌نام بسته است. مرحله بعد از {date} است؛ آن روز دوباره بفرستید."
    ),
    "result_rejected_programme_closed": "ثبت‌نام همه مراحل این وام تمام شده است.",
    "result_promoted": "خبر خوب: درخواست {tracking_code} از صف انتظار خارج و تایید شد.",
    # Ready answers staff pick in the support inbox (flows.messages.CANNED_REPLY_KEYS).
    "canned_thanks": "سلام. پیام شما را دیدیم؛ کارشناس ما پیگیری می‌کند.",
    "canned_wait_result": "نتیجه درخواست شما پس از بررسی پیامک می‌شود. سپاس از شکیبایی شما.",
    "canned_send_status": "برای دیدن وضعیت درخواست، «وضعیت» را به ۷۰۷۰ بفرستید.",
    "canned_call_association": "لطفا با کانون بازنشستگان استان خود تماس بگیرید.",
    "result_paid": "وام شما به حساب‌تان واریز شد. کد پیگیری: {tracking_code}",
    "result_payment_failed": "واریز وام {tracking_code} انجام نشد. پس از واریز پیامک می‌شود.",
    # Notices: what happened to an application later, and programme news.
    "notice_cancelled": "درخواست {tracking_code} لغو شد. دلیل: {note}",
    "notice_carried_over": "درخواست {tracking_code} به صف مرحله {phase} رفت. نوبت: {position}",
    "notice_phase_opened": "ثبت‌نام مرحله {phase} وام باز شد. برای ثبت‌نام «وام» را بفرستید.",
    # USSD screens (80 characters at most): the menus, and shorter forms of long replies.
    "ussd_menu": "وام بازنشستگان\n۱ ثبت‌نام\n۲ وضعیت درخواست من\n۳ راهنما",
    "ussd_bad_choice": "لطفا یکی از گزینه‌ها را بفرستید.",
    "ussd_resume": "ثبت‌نام شما نیمه‌کاره است.\n۱ ادامه\n۲ شروع دوباره",
    "ussd_back_hint": "۰ بازگشت",
    "ussd_help": "ثبت‌نام: گزینه ۱. پیگیری: گزینه ۲. یا «وام» را به ۷۰۷۰ پیامک کنید.",
    "ussd_too_many_tries": "تعداد تلاش‌ها زیاد شد. لطفا دوباره شماره را بگیرید.",
    "ussd_unfinished": "ثبت‌نام نیمه‌کاره ماند. *۴۰۴۰# را بگیرید یا کد ملی را به ۷۰۷۰ بفرستید.",
    # Words put into other messages.
    "status_word_pending": "در حال بررسی",
    "status_word_approved": "تایید شده",
    "status_word_waitlisted": "در صف انتظار",
    "status_word_rejected": "پذیرفته نشده",
    "status_word_cancelled": "لغو شده",
    "status_word_paid": "واریز شده",
    "status_word_payment_failed": "واریز ناموفق",
    "reason_not_found": "مغایرت کد ملی و شماره مستمری",
    "reason_pension_mismatch": "مغایرت کد ملی و شماره مستمری",
    "reason_not_eligible": "نداشتن شرایط وام",
    "reason_prior_loan": "دریافت این وام در گذشته",
    "reason_phone_mismatch": "شماره تلفن با پرونده یکی نیست",
    "reason_phase_closed": "مرحله ثبت‌نام بسته است",
    "reason_cancelled": "لغو درخواست",
}
