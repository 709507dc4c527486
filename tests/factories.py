"""Rows for the pipeline tests: pensioners, applications, messages, contacts."""

from __future__ import annotations

from itertools import count

from flows.tracking import make_tracking_code
from gateway.store.models import Application, Contact, Message, Pensioner

_serial = count(1)


def add_pensioner(db, national_id: str, **fields) -> Pensioner:
    values = dict(
        pension_number="123456",
        full_name="علی رضایی",
        association_code="08",
        mobile="+989121234567",
        eligible=True,
        prior_loan=False,
    )
    values.update(fields)
    pensioner = Pensioner(national_id=national_id, **values)
    db.add(pensioner)
    db.commit()
    return pensioner


def add_application(db, national_id: str, **fields) -> Application:
    serial = next(_serial)
    values = dict(
        tracking_code=make_tracking_code(f"{serial:07d}"),
        pension_number="123456",
        phone="+989121234567",
        channel="twilio",
        lang="fa",
        status="pending",
    )
    values.update(fields)
    application = Application(national_id=national_id, **values)
    db.add(application)
    db.commit()
    return application


def add_queued_message(db, phone="+989121234567", text="سلام", application_id=None) -> Message:
    message = Message(
        direction="out", channel="sms", phone=phone, text=text, kind="result",
        status="queued", attempts=0, application_id=application_id,
    )  # fmt: skip
    db.add(message)
    db.commit()
    return message


def opt_out(db, phone: str) -> None:
    db.add(Contact(phone=phone, lang="fa", opted_out=True))
    db.commit()


def fresh(db, model, key):
    """The row as the database has it now (the test session may hold an old snapshot)."""
    db.rollback()
    return db.get(model, key, populate_existing=True)
