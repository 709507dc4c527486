"""Thin RQ jobs: each takes ids, calls the gateway's domain with the app's services, and
returns. Jobs are safe to run twice; the domain's conditional updates make sure of it.
gateway.programme.jobs names them and queues them."""

from __future__ import annotations

from gateway.dialog import reminders
from gateway.outbound import sending
from gateway.platform.services import current as services
from gateway.programme import broadcasts, decisions, export_requests, waitlist
from gateway.programme import reconcile as reconciler


def validate_application(application_id: int) -> None:
    """Decide one pending application and queue its result SMS."""
    decisions.validate_application(services(), application_id)


def decide_association(association_code: str) -> int:
    """Decide an association's pending applications, oldest first, in batches."""
    return decisions.decide_association(services(), association_code)


def promote_waitlist(association_code: str, phase: int) -> None:
    """Promote waitlisted applications of (association, phase) while places are free."""
    waitlist.promote_waitlist(services(), association_code, phase)


def reconcile() -> dict:
    """Re-queue what Redis lost and move waitlists along (once a minute)."""
    return reconciler.reconcile(services())


def send_sms(message_id: int) -> None:
    """Send one stored outbound message."""
    sending.send_message(services(), message_id)


def remind_unfinished(message_id: int) -> None:
    """Send, wait for or cancel a dropped USSD session's reminder."""
    reminders.send_if_dropped(services(), message_id)


def export_registrations(export_id: str) -> None:
    """Write one export requested in the console."""
    export_requests.run_export(services(), export_id)


def send_notice(notice_id: int, actor: str) -> int:
    """Reach every phone a broadcast notice has not reached yet (safe to run again)."""
    return broadcasts.send_notice(services(), notice_id, actor)
