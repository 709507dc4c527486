"""A USSD registration that dropped halfway gets one SMS saying how to finish it."""

from __future__ import annotations

import hashlib
import json
import logging
import time
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


def schedule_unfinished_reminder(redis, phone: str, session_id: str, touched_at: float):
    """Look again REMIND_AFTER after the USSD session's last request at `touched_at`."""
    tag = hashlib.sha256(session_id.encode()).hexdigest()[:16]
    enqueue(
        redis,
        "sms",
        remind_unfinished,
        phone,
        session_id,
        job_id=f"ussd_reminder:{tag}:{int(touched_at * 1000)}",
        delay=max(timedelta(0), REMIND_AFTER - timedelta(seconds=time.time() - touched_at)),
    )


def remind_unfinished(phone: str, session_id: str) -> None:
    """Job: one SMS if the USSD session went silent mid-registration and nothing came since.

    A session still in use looks again later; a dialog that moved on by SMS after the
    session's last request, or that ended, needs no reminder.
    """
    redis = current_app.extensions["redis"]
    raw = redis.get(f"smsgw:ussd:{session_id}")
    if raw is None:
        return  # long gone: a reminder now would come too late to help
    touched_at = json.loads(raw).get("touched_at", 0.0)
    if time.time() - touched_at < REMIND_AFTER.total_seconds():
        schedule_unfinished_reminder(redis, phone, session_id, touched_at)
        return
    dialog = SessionStore(redis).load(phone)
    if dialog is None or dialog.state == "start" or (dialog.updated_at or 0) > touched_at:
        return  # finished, cancelled, or continued by SMS
    if not redis.set(f"smsgw:ussd-reminded:{phone}:{dialog.updated_at}", 1, nx=True, ex=3600):
        return  # one reminder per dropped dialog, whatever the retries
    with current_app.extensions["database"].session(write=True) as session:
        message_id = store.add_outbound_message(
            session, phone, dialog.lang, "ussd_unfinished", "notice"
        )
    enqueue_sends(redis, [message_id])
    log_event(log, "ussd_reminder_queued", phone=phone, message_id=message_id)
