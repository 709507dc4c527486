"""Staff cancel an application: its quota place or waitlist position is freed, audited,
and the pensioner is told why by SMS (the staff's reason, cut to fit)."""

from __future__ import annotations

from flows.messages import NOTE_MAX_CHARS
from gateway.monitoring import counters
from gateway.platform.dates import utcnow
from gateway.platform.services import Services
from gateway.programme.jobs import enqueue_sends
from gateway.programme.results import add_result_message
from gateway.programme.waitlist import promote_head
from gateway.store import applications as store
from gateway.store import quotas
from gateway.store.audit import add_audit_event
from gateway.store.models import LIVE_STATUSES, Application


class CancelError(ValueError):
    """An application that cannot be cancelled (unknown, or already decided otherwise)."""


def cancel_application(services: Services, tracking_code: str, note: str, actor: str):
    """Cancel a live application; the head of its waitlist moves into a freed place.

    The pensioner gets one SMS saying so, with `note` (the reason, in plain words) cut
    to NOTE_MAX_CHARS; it is queued in the same transaction as the cancel.

    The quota of the application's (association, phase) is locked first, as every path
    locks it, and then the application's own row: a decision in flight either finishes
    first (the cancel then frees the place it took) or finds the application cancelled
    (and sends nothing). Should the row have moved to another quota meanwhile, it starts
    again with that one.
    """
    now = utcnow()
    with services.database.session(write=True) as session:
        application = _lock(session, tracking_code)
        code, phase = application.association_code, application.phase
        previous, position = application.status, application.waitlist_position
        if previous not in LIVE_STATUSES:
            raise CancelError(f"application {tracking_code} is {previous}")
        if not store.record_decision(
            session, application.id, previous,
            status="cancelled", reason="cancelled", waitlist_position=None, decided_at=now,
        ):  # fmt: skip
            raise CancelError(f"application {tracking_code} changed meanwhile: try again")
        if previous == "approved":
            quotas.free_quota_place(session, code, phase)
        elif previous == "waitlisted":
            quotas.close_waitlist_gap(session, code, phase, after=position - 1)
        store.add_event(session, application.id, "cancelled", note)
        add_audit_event(
            session, actor, "application_cancelled", tracking_code, reason=note, was=previous
        )
        notice = add_result_message(
            session, application, "notice_cancelled", once=f"cancelled:{application.id}",
            note=sms_note(note),
        )  # fmt: skip
        ids = promote_head(session, code, phase, now) if code and phase else []
        counters.count_messages(session, "sms", "out", n=int(notice is not None))
    enqueue_sends(services.redis, [notice, *ids])
    return application


def sms_note(note: str) -> str:
    """A staff note as one short line for an SMS (the whole note stays in the history)."""
    line = " ".join(note.split())
    return line if len(line) <= NOTE_MAX_CHARS else line[: NOTE_MAX_CHARS - 1] + "…"


def _lock(session, tracking_code: str, tries: int = 5) -> Application:
    """The application's quota lock, then its row lock; again if it moved in between."""
    for _ in range(tries):
        found = store.find_application(session, tracking_code)
        if found is None:
            raise CancelError(f"no application {tracking_code}")
        code, phase = found.association_code, found.phase
        if code and phase:
            quotas.lock_quota(session, code, phase)
        application = store.lock_application(session, found.id)
        if (application.association_code, application.phase) == (code, phase):
            return application
    raise CancelError(f"application {tracking_code} keeps changing: try again")
