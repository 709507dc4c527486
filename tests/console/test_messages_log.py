"""The message log: filters, keyset pages that return every row once, masked phones."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from gateway.platform.dates import utcnow
from gateway.store.models import Message

PHONE = "+989121234567"


@pytest.fixture
def log_rows(db):
    """130 messages; many share a created_at (the id breaks the tie), two channels."""
    start = utcnow() - timedelta(hours=1)
    rows = [
        Message(
            direction=("in", "out")[n % 2],
            channel=("twilio", "ussd")[n % 3 == 0],
            phone=PHONE,
            text=f"پیام {n}",
            status=("handled", "sent")[n % 2],
            created_at=start + timedelta(seconds=n // 7),
        )
        for n in range(130)
    ]
    db.add_all(rows)
    db.commit()
    return rows


def walk(client, url: str) -> list[int]:
    """Every message id shown, following the "older" links to the end."""
    seen = []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        seen += [int(i) for i in re.findall(r'data-message-id="(\d+)"', response.text)]
        older = re.search(r'href="([^"]+)" rel="next"', response.text)
        url = older.group(1).replace("&amp;", "&") if older else None
    return seen


def newest_first(rows) -> list[int]:
    return [m.id for m in sorted(rows, key=lambda m: (m.created_at, m.id), reverse=True)]


def test_keyset_pages_return_every_row_once_newest_first(signed_in, log_rows):
    seen = walk(signed_in("operator"), "/console/messages")
    assert seen == newest_first(log_rows)


@pytest.mark.parametrize(
    ("query", "keep"),
    [
        ("channel=ussd", lambda m: m.channel == "ussd"),
        ("direction=out", lambda m: m.direction == "out"),
        (
            "status=handled&channel=twilio",
            lambda m: m.status == "handled" and m.channel == "twilio",
        ),
    ],
)
def test_filters_keep_their_rows_across_pages(signed_in, log_rows, query, keep):
    seen = walk(signed_in("operator"), f"/console/messages?{query}")
    assert seen == newest_first([m for m in log_rows if keep(m)])


def test_a_time_range_in_jalali_or_gregorian_limits_the_log(signed_in, log_rows):
    client = signed_in("operator")
    tomorrow = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%d")
    assert walk(client, f"/console/messages?since={tomorrow}") == []
    assert len(walk(client, f"/console/messages?until={tomorrow}")) == 130


@pytest.mark.parametrize(
    "query",
    ["before=yesterday", "before=2026-01-01T00:00:00.000000Z~x", "channel=carrier-pigeon",
     "since=1405-13-40", "status=lost"],
)  # fmt: skip
def test_bad_filters_and_keys_get_a_short_message(signed_in, log_rows, query):
    response = signed_in("operator").get(f"/console/messages?{query}")
    assert response.status_code == 400
    assert 'class="error"' in response.text and "data-message-id" not in response.text


def test_operators_see_phones_masked_and_admins_whole(signed_in, log_rows):
    assert "1234567" not in signed_in("operator").get("/console/messages").text
    assert "۹۱۲۱۲۳۴۵۶۷" in signed_in("admin").get("/console/messages").text


def test_operators_see_the_numbers_typed_into_a_ussd_menu_masked(signed_in, db):
    """A USSD request's text joins the inputs with `*`: `1*<national ID>*<pension number>`."""
    db.add(Message(direction="in", channel="ussd", phone=PHONE, status="handled",
                   text="1*0012345678*12345678"))  # fmt: skip
    db.commit()
    operator = signed_in("operator").get("/console/messages").text
    assert "1*00******78*12****78" in operator and "0012345678" not in operator
    assert "1*0012345678*12345678" in signed_in("admin").get("/console/messages").text


def test_the_log_filters_by_phone_in_any_format_and_by_part_of_the_text(signed_in, db):
    from tests.console.pensioners import add_registry, register

    nid = add_registry(db, 1)[0]
    register("+989121000001", nid)
    register("+989121000002", "0000000000")
    client = signed_in("admin")
    by_phone = client.get("/console/messages", query_string={"phone": "۰۹۱۲ ۱۰۰ ۰۰۰۲"}).text
    assert by_phone.count("data-message-id=") > 0 and "+989121000001" not in by_phone
    by_text = client.get("/console/messages", query_string={"text": nid}).text
    assert by_text.count("data-message-id=") == 1 and nid in by_text


def test_a_bad_phone_filter_says_so(signed_in):
    response = signed_in("admin").get("/console/messages?phone=abc")
    assert response.status_code == 400 and "شمارهٔ درستی نیست" in response.text


def test_channels_and_statuses_are_words_with_the_code_on_hover(signed_in, db):
    from tests.console.pensioners import add_registry, register

    register("+989121000001", add_registry(db, 1)[0])
    page = signed_in("admin").get("/console/messages").text
    assert 'title="twilio" data-code="twilio">پیامک (Twilio)<' in page
    assert 'data-code="handled">پاسخ داده شد<' in page
