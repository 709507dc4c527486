"""The SMS an application's outcome sends: rendered in the pensioner's language, queued."""

from __future__ import annotations

from sqlalchemy.orm import Session

from flows.messages import render
from gateway.store import messages
from gateway.store.models import Application


def add_result_message(
    session: Session, application: Application, key: str, *, once: str | None = None, **params
) -> int | None:
    """Store the SMS `key` of an application (status queued) and return its id.

    `once` names the cause (`paid:42`): a cause that already sent its SMS sends nothing
    again, and None is returned.
    """
    params.setdefault("tracking_code", application.tracking_code)
    text = render(key, application.lang, **params)
    kind = "result" if key.startswith("result_") else "notice"
    return messages.add_outbound_message(
        session, application.phone, text, kind, application.id, idempotency_key=once
    )
