"""Delivery reports (Twilio status callbacks, HTTP/Kannel DLRs): our statuses, only forwards."""

from __future__ import annotations

from sqlalchemy.orm import Session

from gateway.monitoring import counters
from gateway.store import messages as store

# How far along a message is; a report never moves it to an equal or lower rank, so a
# late `sent` after `delivered` (or `failed` after `delivered`) is ignored.
RANK = {"queued": 0, "sending": 1, "sent": 2, "delivered": 3, "undelivered": 3, "failed": 3}
FAILURES = ("undelivered", "failed")

# Kannel's numeric DLR types (the %d of dlr-url):
# https://www.kannel.org/download/kannel-userguide-snapshot/userguide.html#DELIVERY-REPORTS
KANNEL_CODES = {
    "1": "delivered",
    "2": "undelivered",  # delivery failure (the phone was not reached)
    "4": "sent",  # buffered by the SMSC
    "8": "sent",  # submitted to the SMSC
    "16": "failed",  # rejected by the SMSC
}
# Named statuses: Twilio's MessageStatus values and the generic HTTP gateway's words.
# https://www.twilio.com/docs/messaging/api/message-resource#message-status-values
NAMED = {
    "accepted": "queued",
    "scheduled": "queued",
    "queued": "queued",
    "sending": "sending",
    "sent": "sent",
    "submitted": "sent",
    "buffered": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "undelivered",
    "expired": "undelivered",
    "failed": "failed",
    "rejected": "failed",
    "canceled": "failed",
}


def map_status(status: str) -> str | None:
    """Our stored status for a carrier's report, or None when it is not one we know."""
    status = (status or "").strip().lower()
    return KANNEL_CODES.get(status) if status.isdigit() else NAMED.get(status)


def record_delivery(
    session: Session,
    channel: str,
    provider_id: str,
    status: str,
    error_code: str | None,
    our_id: str | None = None,
) -> bool:
    """Apply a delivery report to the outbound message it names; False when none matches.

    `our_id` is the message id the report also carries (Twilio's callback URL): a message
    whose provider id was never stored (its worker died right after the call) is found by
    it, and gets the provider's id. Every report is appended to the message's history,
    applied or not; the status only moves forwards (see RANK). The caller's session commits.
    """
    message = store.find_outbound(session, channel, str(provider_id))
    if message is None and our_id and our_id.isdigit():
        message = store.find_outbound(session, channel, our_id)  # the claim's placeholder
        if message is not None:
            store.set_provider_id(session, message.id, str(provider_id))
    if message is None:
        return False
    ours = map_status(status)
    code = str(error_code)[:32] if error_code not in (None, "", "0") else None
    if ours is None:
        store.add_message_event(session, message.id, message.status, code, f"unknown {status!r}")
        return True
    earlier = [name for name, rank in RANK.items() if rank < RANK[ours]]
    values = {"error_code": code} if ours in FAILURES else {}
    applied = store.set_status(session, message.id, ours, earlier, **values)
    counters.count_send(session, ours, code, n=int(applied))
    detail = f"report {status}" if applied else f"report {status} ignored (already further)"
    store.add_message_event(session, message.id, ours, code, detail)
    return True
