"""Broadcast notices: one SMS to every phone whose application matches the filters.

A notice is known by its fingerprint (its text and filters): running the same notice
again - after a kill, or on purpose - resumes it and reaches only the phones it has not
reached yet. Each chunk of phones gets its messages and recipient rows in one
transaction (unique per notice and phone, the message keyed `notice:<id>:<phone>`), then
their send jobs; a kill between the two leaves queued messages that the reconciler
queues again. Sends go through send_sms: the carrier's rate, and STOP (a phone that
opted out is `suppressed`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from flows.segments import count_segments
from gateway.monitoring import counters
from gateway.platform.dates import utcnow
from gateway.platform.services import Services
from gateway.programme.jobs import enqueue, enqueue_sends
from gateway.programme.staff_files import CONTROL_CHARACTERS
from gateway.store import chunks
from gateway.store import notices as store
from gateway.store.audit import add_audit_event
from gateway.store.models import Notice
from gateway.store.registrations import RegistrationFilters

CHUNK_PHONES = 1000
MAX_SEGMENTS = 2


class NoticeError(ValueError):
    """A notice text that cannot be sent; `code` (`empty`, `control`, `too_long`) says why
    to a page, the message to a terminal."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Audience:
    """Who a notice would reach: its phones, and how many of them sent STOP."""

    phones: list[str]
    opted_out: int


def check_text(text: str) -> str:
    """The notice's text, trimmed; NoticeError when empty, holding a control character
    or over two SMS segments."""
    text = text.strip().replace("\r\n", "\n")
    if not text:
        raise NoticeError("empty", "the text is empty")
    if CONTROL_CHARACTERS.search(text):
        raise NoticeError("control", "a control character (such as NUL) in the text")
    found = count_segments(text)
    if found.segments > MAX_SEGMENTS:
        raise NoticeError(
            "too_long",
            f"the text takes {found.segments} SMS; at most {MAX_SEGMENTS} (134 characters of "
            "Persian, 306 of plain English)",
        )
    return text


def find_audience(services: Services, filters: RegistrationFilters, scope=None) -> Audience:
    """The phones a notice with these filters reaches (within a staff user's scope)."""
    with services.database.session() as session:
        phones = store.notice_phones(session, filters, scope)
        return Audience(phones, store.count_opted_out(session, phones))


def start_notice(services: Services, text: str, filters: RegistrationFilters, actor: str) -> Notice:
    """The notice of this text and these filters: started now, or the one started before."""
    text = check_text(text)
    fields = {
        "text": text, "status": filters.status, "association_code": filters.association,
        "phase": filters.phase,
    }  # fmt: skip
    fingerprint = hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()
    with services.database.session(write=True) as session:
        return store.find_or_add_notice(
            session, fingerprint=fingerprint, actor=actor, recipients=0, created_at=utcnow(),
            **fields,
        )  # fmt: skip


def send_notice(
    services: Services,
    notice_id: int,
    actor: str,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Reach every matching phone the notice has not reached yet; its recipient count.

    Audited with the text, the filters and the count.
    """
    with services.database.session() as session:
        notice = session.get(Notice, notice_id)
    filters = RegistrationFilters(notice.association_code, notice.phase, notice.status)
    phones = find_audience(services, filters).phones
    done = 0
    for chunk in chunks(phones, CHUNK_PHONES):
        with services.database.session(write=True) as session:
            message_ids = store.add_recipients(session, notice, chunk)
            counters.count_messages(session, "sms", "out", n=len(message_ids))
        enqueue_sends(services.redis, message_ids)
        done += len(chunk)
        if progress:
            progress(done, len(phones))
    with services.database.session(write=True) as session:
        count = store.finish_notice(session, notice.id, utcnow())
        add_audit_event(
            session, actor, "notice.sent", f"notice:{notice.id}", text=notice.text,
            filters={"status": notice.status, "association": notice.association_code,
                     "phase": notice.phase},
            recipients=count,
        )  # fmt: skip
    return count


def queue_notice(redis, notice_id: int, actor: str, started_grace: float | None = None) -> bool:
    """Send the notice in a worker (the console's way, and the reconciler's for a run that
    was lost; the CLI sends it itself)."""
    return enqueue(
        redis, "send_notice", notice_id, actor, key=(notice_id,), started_grace=started_grace
    )
