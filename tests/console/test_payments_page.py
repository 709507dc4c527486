"""The bank's payment results from the console: admins and head office, same import as the CLI."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from gateway.store.models import Application, AuditEvent, Message
from tests.console.conftest import token
from tests.factories import fresh

HEADER = "tracking_code,national_id,result,paid_at,reference,reason"


def upload(client, text: str, name="bank.csv", **form):
    data = {"file": (io.BytesIO(text.encode("utf-8")), name), "csrf_token": token(client)}
    return client.post("/console/payments", data={**data, **form},
                       content_type="multipart/form-data")  # fmt: skip


def bank_file(applications, *extra: str) -> str:
    approved = applications["08"]
    return "\n".join(
        [HEADER, f"{approved.tracking_code},{approved.national_id},paid,1405/09/04 12:00,B-1,",
         *extra]
    )  # fmt: skip


@pytest.mark.parametrize(("username", "status"), [
    ("admin", 200), ("office", 200), ("tehran", 403), ("operator", 403),
])  # fmt: skip
def test_only_admins_and_head_office_open_the_payments_page(signed_in, username, status):
    response = signed_in(username).get("/console/payments")
    assert response.status_code == status
    if status == 200:
        assert "نتیجهٔ پرداخت بانک" in response.text and 'type="file"' in response.text


def test_staff_cannot_post_a_file_either(signed_in, applications, db):
    response = upload(signed_in("tehran"), bank_file(applications))
    assert response.status_code == 403
    assert fresh(db, Application, applications["08"].id).status == "approved"


def test_an_upload_imports_like_the_cli_and_shows_counts_and_rejects(signed_in, applications, db):
    text = bank_file(applications, "12345674,0000534722,paid,2026-11-25T08:30:00Z,B-2,")
    response = upload(signed_in("office"), text)
    assert response.status_code == 200
    assert "۱ ردیف وارد شد، ۰ از پیش ثبت شده بود، ۱ رد شد." in response.text
    assert 'data-reject="3"' in response.text
    assert "tracking_code: no application &#39;12345674&#39;" in response.text
    application = fresh(db, Application, applications["08"].id)
    assert (application.status, application.payment_reference) == ("paid", "B-1")
    (sms,) = db.scalars(select(Message).where(Message.application_id == application.id))
    assert sms.idempotency_key == f"paid:{application.id}"
    (event,) = db.scalars(select(AuditEvent).where(AuditEvent.action == "payments.import"))
    assert (event.actor, event.target) == ("office", "bank.csv")
    assert json.loads(event.details)["imported"] == 1


def test_the_same_upload_again_changes_and_sends_nothing(signed_in, applications, db):
    client = signed_in("admin")
    upload(client, bank_file(applications))
    again = upload(client, bank_file(applications))
    assert again.status_code == 200
    assert "۰ ردیف وارد شد، ۱ از پیش ثبت شده بود، ۰ رد شد." in again.text
    db.rollback()
    assert len(db.scalars(select(Message)).all()) == 1


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("national_id,x\n1,2\n", f"line 1: the header must be {HEADER}"),
        (f"{HEADER}\n\x00,,,,,\n", "nothing imported"),
    ],
)
def test_a_bad_file_is_a_short_message_and_changes_nothing(
    signed_in, applications, db, text, shown
):
    response = upload(signed_in("admin"), text)
    assert response.status_code == 400
    assert shown in response.text or "۰ ردیف وارد شد" in response.text
    assert fresh(db, Application, applications["08"].id).status == "approved"


def test_no_file_is_a_short_message(signed_in):
    client = signed_in("admin")
    response = client.post("/console/payments", data={"csrf_token": token(client)})
    assert response.status_code == 400 and "فایلی انتخاب نشده است" in response.text


def test_strict_on_the_page_imports_nothing_when_a_row_is_bad(signed_in, applications, db):
    text = bank_file(applications, "12345674,0000534722,paid,2026-11-25T08:30:00Z,B-2,")
    response = upload(signed_in("admin"), text, strict="1")
    assert response.status_code == 400 and 'data-reject="3"' in response.text
    assert fresh(db, Application, applications["08"].id).status == "approved"


def test_a_file_over_the_limit_gets_the_page_with_a_message_not_a_crash(
    signed_in, applications, monkeypatch
):
    from gateway.console import payments

    monkeypatch.setattr(payments, "MAX_UPLOAD_BYTES", 2000)
    response = upload(signed_in("admin"), bank_file(applications) + "\n" + "x" * 5000)
    assert response.status_code == 413 and "۳۲ مگابایت" in response.text
