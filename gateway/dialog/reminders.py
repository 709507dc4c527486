"""A USSD registration that goes silent mid-way gets one SMS saying how to finish it.

The reminder is an outbound message row, `scheduled`, written in the same transaction
as the USSD screen that asked for it (so no crash can lose it or send it twice); its
job looks at the dialog under the phone's lock REMIND_AFTER later and sends it, waits
while the dialog is still in use, or cancels it once the dialog ended, expired or went
on by SMS. A newer USSD session's reminder replaces an older one still scheduled.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from redis import Redis
from sqlalchemy.orm import Session

from flows import ussd
from flows.messages import render
from gateway.dialog import dialog_flow
from gateway.dialog.sessions import session_store
from gateway.platform.logs import log_event
from gateway.platform.services import Services
from gateway.programme.jobs import enqueue, enqueue_sends
from gateway.store import messages

REMIND_AFTER = timedelta(seconds=ussd.REMIND_AFTER)
KIND = "reminder"
log = logging.getLogger(__name__)


def schedule(session: Session, phone: str, lang: str) -> int:
    """Store this phone's reminder (replacing one still scheduled); return its id."""
    return messages.replace_scheduled(session, phone, render("ussd_unfinished", lang), KIND)


def queue(redis: Redis, message_id: int, delay: timedelta = REMIND_AFTER) -> None:
    due = int(time.time() + delay.total_seconds())
    enqueue(redis, "remind_unfinished", message_id, key=(message_id, due), delay=delay)


def send_if_dropped(services: Services, message_id: int) -> None:
    """Job body: send, wait or cancel the reminder, by what the dialog did since."""
    with services.database.session() as db:
        message = messages.get_message(db, message_id)
        if message is None or message.status != "scheduled":
            return
        phone = message.phone
    with session_store(services).turn(phone) as turn:
        dialog = turn.session
    flow = dialog_flow(services.settings)
    action, wait = ussd.reminder_action(flow, dialog, time.time())
    if action == "wait":
        queue(services.redis, message_id, timedelta(seconds=wait))
        return
    status = "queued" if action == "send" else "cancelled"
    with services.database.session(write=True) as db:
        moved = messages.set_status(db, message_id, status, ("scheduled",))
    if moved and action == "send":
        enqueue_sends(services.redis, [message_id])
        log_event(log, "ussd_reminder_queued", phone=phone, message_id=message_id)
