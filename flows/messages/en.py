"""English replies, sent after EN: plain GSM-7 text, one SMS each."""

_HELP = (
    "To register for the loan send LOAN. Status: STATUS. Cancel: CANCEL. "
    "Farsi: FA. No more texts: STOP"
)
_MISMATCH = "The national ID and pension number do not match our records."

CATALOGUE: dict[str, str] = {
    # The dialog.
    "welcome_ask_national_id": (
        "Welcome to the pensioners' loan registration. Please send your national ID."
    ),
    "ask_national_id": "Please send your 10-digit national ID.",
    "bad_national_id": (
        "That national ID is not valid. Please send the 10 digits on your national card."
    ),
    "ask_pension_number": "Please send your pension number.",
    "bad_pension_number": "That pension number is not valid. Please send its digits only.",
    "confirm": (
        "National ID: {national_id}\nPension number: {pension_number}\nIs this right? 1 yes, 2 edit"
    ),
    "bad_confirm": "Please send 1 to confirm or 2 to edit.",
    "too_many_tries": "Too many tries. " + _HELP,
    "help": _HELP,
    "cancelled": "Registration cancelled. Send LOAN to start again.",
    "expired_restart": (
        "Your previous session expired. Starting again: please send your national ID."
    ),
    "lang_set": "Replies are now in English.",
    "stopped": "You will get no more messages from us. Send START to undo this.",
    "started": "Messages are on again. Send LOAN to register.",
    # Outcomes of the gateway's effects.
    "application_created": (
        "Your application is registered. Tracking code: {tracking_code}. "
        "We will text you the result."
    ),
    "application_exists": (
        "This national ID is already registered. Tracking code: {tracking_code}, status: {status}"
    ),
    "phone_limit": "One phone can register at most {limit} people.",
    "status_none": "No application from this phone. Send LOAN to register.",
    "status_unknown_code": "Tracking code not found. Please check the 8 digits.",
    "status_pending": (
        "Application {tracking_code} is being checked. We will text you the result."
    ),
    "status_approved": "Application {tracking_code} is approved.",
    "status_waitlisted": (
        "Application {tracking_code} is on the waiting list. Your place: {position}"
    ),
    "status_rejected": "Application {tracking_code} was not accepted. Reason: {reason}",
    "status_cancelled": "Application {tracking_code} was cancelled.",
    "support_received": "Your message was passed to the support team; the answer will come by SMS.",
    "status_paid": "The loan of application {tracking_code} has been paid into your account.",
    "status_payment_failed": (
        "The loan payment of application {tracking_code} did not go through. "
        "We will text you once it is paid."
    ),
    # Results sent later by background jobs.
    "result_approved": "Your loan application is approved. Tracking code: {tracking_code}",
    "result_waitlisted": (
        "This phase's quota is full. Application {tracking_code} is on the waiting "
        "list. Your place: {position}"
    ),
    "result_rejected_records_mismatch": (
        "Application {tracking_code} was not accepted. " + _MISMATCH
    ),
    "result_rejected_not_eligible": (
        "Your loan application was not accepted: you are not eligible for this loan."
    ),
    "result_rejected_prior_loan": (
        "Your loan application was not accepted: you have already had this loan."
    ),
    "result_rejected_phone_mismatch": (
        "Your loan application was not accepted: this phone is not the mobile number "
        "in your pension file."
    ),
    "result_rejected_phase_closed": (
        "Registration is closed now. The next phase opens on {date}. Please apply again then."
    ),
    "result_rejected_programme_closed": "Registration for this loan has ended.",
    "result_promoted": (
        "Good news: application {tracking_code} has left the waiting list and is approved."
    ),
    # Ready answers staff pick in the support inbox (flows.messages.CANNED_REPLY_KEYS).
    "canned_thanks": "Hello. We have read your message; our staff are looking into it.",
    "canned_wait_result": "The result of your application will come by SMS once it is checked.",
    "canned_send_status": "To see your application's status, text STATUS to 7070.",
    "canned_call_association": "Please call your provincial pensioners' association.",
    "result_paid": "Your loan has been paid into your account. Tracking code: {tracking_code}",
    "result_payment_failed": (
        "The loan payment of application {tracking_code} did not go through. "
        "We will text you once it is paid."
    ),
    # Notices: what happened to an application later, and programme news.
    "notice_cancelled": "Application {tracking_code} was cancelled. Reason: {note}",
    "notice_carried_over": (
        "Application {tracking_code} moved to the waiting list of phase {phase}. "
        "Your place: {position}"
    ),
    "notice_phase_opened": (
        "Registration for phase {phase} of the loan is open. Send LOAN to register."
    ),
    # USSD screens (182 characters at most): the menus, and shorter forms of long replies.
    "ussd_menu": "Pensioners' loan\n1 Register\n2 Status of my application\n3 Help",
    "ussd_bad_choice": "Please choose one of the options.",
    "ussd_resume": "Your registration is unfinished.\n1 Continue\n2 Start again",
    "ussd_back_hint": "0 Back",
    "ussd_help": "Register: dial *4040# and choose 1. Status: choose 2. Or text LOAN to 7070.",
    "ussd_too_many_tries": "Too many tries. Please dial again.",
    "ussd_unfinished": (
        "Your loan registration is unfinished. Dial *4040# again or text your national ID to 7070."
    ),
    # Words put into other messages.
    "status_word_pending": "being checked",
    "status_word_approved": "approved",
    "status_word_waitlisted": "waiting list",
    "status_word_rejected": "not accepted",
    "status_word_cancelled": "cancelled",
    "status_word_paid": "paid",
    "status_word_payment_failed": "payment failed",
    "reason_not_found": "details do not match our records",
    "reason_pension_mismatch": "details do not match our records",
    "reason_not_eligible": "not eligible",
    "reason_prior_loan": "loan already received",
    "reason_phone_mismatch": "phone not in your pension file",
    "reason_phase_closed": "registration phase closed",
    "reason_cancelled": "cancelled",
}
