"""The SMS an application's outcome sends: rendered in the pensioner's language, queued."""

from __future__ import annotations

from sqlalchemy.orm import Session

from flows.messages import render
from gateway.store import messages
from gateway.store.models import Application


def add_result_message(session: Session, application: Application, key: str, **params) -> int:
    """Store the result SMS of an application (status queued) and return its id."""
    params.setdefault("tracking_code", application.tracking_code)
    text = render(key, application.lang, **params)
    return messages.add_outbound_message(session, application.phone, text, "result", application.id)
