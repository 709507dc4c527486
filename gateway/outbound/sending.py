"""Sending: each stored outbound message goes to the provider once, throttled, retried,
or given up.

Exactly once: the job first claims the row (queued -> sending, attempts + 1, sending_since)
in its own committed transaction, so two jobs for one message never both call the
provider. A transient failure puts the row back to `queued` and raises, so RQ's Retry
runs the job again with back-off; after SMS_MAX_ATTEMPTS the message is `failed`. A
worker that dies between its claim and its outcome leaves the row in `sending`: after
SMS_SENDING_STUCK_SECONDS the next job (RQ's abandoned-job retry or the reconciler)
takes it over - re-sending with a provider that dedupes on our id (http), or marking it
`failed` with `unknown_outcome` where a repeat could reach the phone twice (twilio, kannel).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from gateway.monitoring import counters
from gateway.outbound.providers import PermanentSendError, TransientSendError, get_provider
from gateway.outbound.ratelimit import acquire_send_slot
from gateway.platform.dates import utcnow
from gateway.platform.logs import log_event
from gateway.platform.services import Services
from gateway.store import contacts
from gateway.store import messages as store
from gateway.store.models import DIRECT_REPLY_KINDS

log = logging.getLogger(__name__)


def send_message(services: Services, message_id: int) -> None:
    """Send one stored outbound message through the configured provider (see above)."""
    settings, database, redis = services.settings, services.database, services.redis
    provider = get_provider(settings)
    with database.session() as session:
        message = store.get_message(session, message_id)
        if message is None or message.status not in ("queued", "sending"):
            return
    # The carrier's rate first, the claim after: a claim is a promise that the call follows
    # at once, so a worker that dies while waiting leaves the message queued, not unknown.
    acquire_send_slot(redis, settings.SMS_RATE_PER_SECOND)
    now = utcnow()
    with database.session(write=True) as session:
        message = store.get_message(session, message_id)
        if message is None or message.status not in ("queued", "sending"):
            return
        phone, text, was_stuck = message.phone, message.text, message.status == "sending"
        direct = message.kind in DIRECT_REPLY_KINDS  # answers the pensioner: STOP allows it
        if not direct and contacts.is_opted_out(session, phone):
            if store.set_status(session, message_id, "suppressed", ("queued", "sending")):
                store.add_message_event(session, message_id, "suppressed", detail="STOP")
            return
        stuck_before = now - timedelta(seconds=settings.SMS_SENDING_STUCK_SECONDS)
        attempt = store.claim_message(
            session,
            message_id,
            now,
            stuck_before,
            channel=provider.channel,
            provider_id=str(message_id),  # http and kannel reports carry our id
        )
        if attempt is None:
            return  # another job holds a live claim, or it is done
        if was_stuck and not provider.dedupes:
            store.finish_attempt(
                session, message_id, attempt, status="failed", error_code="unknown_outcome",
                error="a worker died while sending; not repeated to avoid a duplicate",
            )  # fmt: skip
            return
        store.add_message_event(session, message_id, "sending", detail=f"attempt {attempt}")
    try:
        provider_id = provider.send(message_id, phone, text)
    except PermanentSendError as exc:
        _finish(
            database, message_id, attempt, status="failed", error_code=exc.code, error=exc.detail
        )
        log_event(log, "sms_failed", logging.WARNING, message_id=message_id, code=exc.code)
        return
    except TransientSendError as exc:
        final = attempt >= settings.SMS_MAX_ATTEMPTS
        _finish(
            database, message_id, attempt, status="failed" if final else "queued",
            error_code=exc.code, error=exc.detail, sending_since=None,
        )  # fmt: skip
        log_event(log, "sms_retry", logging.WARNING, message_id=message_id, code=exc.code)
        if not final:
            raise  # RQ's Retry runs the job again after the queue's back-off
        return
    _finish(database, message_id, attempt, status="sent", provider_id=provider_id, error_code=None)
    log_event(log, "sms_sent", message_id=message_id, provider=provider.name)


def _finish(database, message_id: int, attempt: int, **values) -> None:
    with database.session(write=True) as session:
        done = store.finish_attempt(session, message_id, attempt, **values)
        counters.count_send(session, values["status"], values.get("error_code"), n=int(done))
