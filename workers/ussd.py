"""A USSD registration that dropped halfway gets one SMS saying how to finish it."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta

from flask import current_app

from gateway.logs import log_event
from gateway.sessions import SessionStore
from gateway.store import messages as store
from workers import enqueue
from workers.notifications import enqueue_sends

# Operators end a USSD session after 180 seconds; past this, silence means it dropped.
REMIND_AFTER = timedelta(seconds=200)
log = logging.getLogger(__name__)


def schedule_unfinished_reminder(redis, phone: str, session_id: str, inputs: int, at: float):
    """After each unfinished USSD step: remind later unless the pensioner goes on."""
    tag = hashlib.sha256(session_id.encode()).hexdigest()[:16]
    enqueue(
        redis,
        "sms",
        remind_unfinished,
        phone,
        session_id,
        inputs,
        at,
        job_id=f"ussd_reminder:{tag}:{inputs}",
        delay=REMIND_AFTER,
    )


def remind_unfinished(phone: str, session_id: str, inputs: int, at: float) -> None:
    """Job: one SMS if the USSD session went silent mid-registration and nothing came since.

    `inputs` and `at` are the USSD session's input count and the dialog's time when the
    reminder was scheduled: any later input (USSD or SMS) makes this reminder stale.
    """
    redis = current_app.extensions["redis"]
    raw = redis.get(f"smsgw:ussd:{session_id}")
    if raw is None or json.loads(raw).get("inputs") != inputs:
        return  # the session went on (or expired long ago)
    dialog = SessionStore(redis).load(phone)
    if dialog is None or dialog.state == "start" or dialog.updated_at != at:
        return  # finished, cancelled, or continued by SMS
    if not redis.set(f"smsgw:ussd-reminded:{phone}:{at}", 1, nx=True, ex=3600):
        return  # one reminder per dropped dialog, whatever the retries
    with current_app.extensions["database"].session(write=True) as session:
        message_id = store.add_outbound_message(
            session, phone, dialog.lang, "ussd_unfinished", "notice"
        )
    enqueue_sends(redis, [message_id])
    log_event(log, "ussd_reminder_queued", phone=phone, message_id=message_id)
