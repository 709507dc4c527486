"""A phase opens: the pensioners told to come back then get one SMS saying it is open.

The reconciler's minute tick calls announce_phase_opening for the open phase; the
phase's `opening_announced_at` is claimed by a conditional UPDATE in the same
transaction as the messages (each keyed `phase_opened:<phase>:<phone>`), so however many
workers tick, each phone is told once. Applications carried over from an earlier
phase's waitlist are told by the carry-over itself (waitlist.carry_over).
"""

from __future__ import annotations

from flows.messages import render
from gateway.monitoring import counters
from gateway.platform.dates import utcnow
from gateway.platform.services import Services
from gateway.programme.jobs import enqueue_sends
from gateway.store import chunks, notices, phases
from gateway.store.messages import add_keyed_messages


def announce_phase_opening(services: Services, number: int) -> int:
    """Text each phone waiting for phase `number` once; how many were texted now."""
    now = utcnow()
    with services.database.session(write=True) as session:
        phase = phases.find_phase(session, number)
        if phase is None or phase.opening_announced_at is not None:
            return 0
        if not notices.claim_phase_announcement(session, number, now):
            return 0
        rows = [
            (application.phone, render("notice_phase_opened", application.lang, phase=number),
             "notice", application.id, f"phase_opened:{number}:{application.phone}")
            for application in notices.waiting_for_phase(session, phase.opens_at)
        ]  # fmt: skip
        ids = [
            message_id
            for chunk in chunks(rows, 1000)
            for message_id, _phone in add_keyed_messages(session, chunk)
        ]
        counters.count_messages(session, "sms", "out", n=len(ids))
    enqueue_sends(services.redis, ids)
    return len(ids)
