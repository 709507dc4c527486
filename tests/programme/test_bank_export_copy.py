"""On PostgreSQL the bank's CSV is made by COPY: byte for byte the Python path's file."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from gateway.programme import bank_export
from gateway.programme.bank_export import formatted_rows, write_csv, write_csv_by_copy
from gateway.store.models import Application, Association, Pensioner
from gateway.store.registrations import RegistrationFilters

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL only (TEST_DATABASE_URL unset)"
)
# Text a spreadsheet or a CSV reader could trip on, for every text column.
HOSTILE = [
    "=1+1", "+1+cmd", "-2", "@SUM(A1)", "\tx", "\rx", "\nx", "+98912345", "+9891234567",
    "+1234567", "+123456789012345", "+1234567890123456", "+۹۸۹۱۲۳۴۵۶۷", "+٩٨٩١٢٣٤٥٦٧",
    "+９８９１２３４５６７", "+98۹۱۲۳۴۵۶۷", "+98 912 345", "+9891234567\n", "+", "", "a,b", ",",
    'say "hi"', '"', "line\nbreak", "cr\rin", "crlf\r\n", "\\.", "\\N", "NULL", "\\", "'=x",
    " lead", "trail ", "علی رضایی", "=علی", "-۱۲", "@", "x\ty",
]  # fmt: skip
ASSOCIATIONS = ["08", "=A", "+1", "a,b", '"q"', "x\ny", "-", "@x"]
MOMENTS = [
    datetime(2026, 11, 25, 20, 29, 59, 999999, tzinfo=UTC),  # 23:59:59 in Tehran
    datetime(2026, 11, 25, 20, 30, tzinfo=UTC),  # midnight: the next Jalali day
    datetime(2025, 3, 20, 20, 29, tzinfo=UTC),  # 1403/12/30 23:59, a leap year's last day
    datetime(2025, 3, 20, 20, 30, tzinfo=UTC),  # 1404/01/01 00:00
    datetime(2026, 3, 20, 20, 30, 1, tzinfo=UTC),  # 1405/01/01
    datetime(2021, 6, 1, 19, 45, tzinfo=UTC),  # Tehran's summer time (+04:30) until 2022
    datetime(2021, 9, 21, 19, 29, 59, tzinfo=UTC),
    datetime(2000, 1, 1, tzinfo=UTC),
]
FILTERS = [
    RegistrationFilters(),
    RegistrationFilters(association="08"),
    RegistrationFilters(association="=A"),
    RegistrationFilters(phase=2),
    RegistrationFilters(status="approved"),
    RegistrationFilters(association="a,b", phase=1, status="pending"),
    RegistrationFilters(association="none"),
]


@pytest.fixture
def hostile(app, db):
    """Applications whose every text column cycles through HOSTILE, empty and NULL; two in
    three have a registry row (name, mobile, association), the others none."""
    db.add_all(Association(code=code, name=code) for code in ASSOCIATIONS)
    db.flush()
    for i in range(3 * len(HOSTILE)):
        text = HOSTILE[i % len(HOSTILE)]
        other = HOSTILE[(i * 7 + 3) % len(HOSTILE)]
        association = ASSOCIATIONS[i % len(ASSOCIATIONS)]
        national_id = f"{text[:6]}{i:04d}"
        if i % 3:
            db.add(Pensioner(
                national_id=national_id, pension_number="1", full_name=other,
                association_code=association, mobile=None if i % 4 == 0 else text[:16],
            ))  # fmt: skip
        db.add(Application(
            tracking_code=f"{text[:5]}{i:03d}", national_id=national_id,
            pension_number=other[:12], phone=other[:16], channel=text[:16],
            association_code=None if i % 5 == 0 else association,
            phase=[1, 2, None, -1][i % 4], status=["approved", "pending", text[:16]][i % 3],
            reason=None if i % 2 else other[:32], flags=text, created_at=MOMENTS[i % 8],
            decided_at=None if i % 3 == 0 else MOMENTS[(i + 3) % 8], updated_at=MOMENTS[0],
        ))  # fmt: skip
    db.commit()


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize("timezone", ["Asia/Tehran", "Pacific/Chatham"])
def test_copy_writes_the_python_paths_csv_byte_for_byte(hostile, db, tmp_path, filters, timezone):
    by_python, by_copy = tmp_path / "python.csv", tmp_path / "copy.csv"
    rows = write_csv(by_python, formatted_rows(db, filters, timezone))
    assert write_csv_by_copy(db, by_copy, filters, timezone) == rows
    assert by_copy.read_bytes() == by_python.read_bytes()


def test_the_hostile_rows_are_all_there_quoted_and_escaped(hostile, db, tmp_path):
    path = tmp_path / "copy.csv"
    assert write_csv_by_copy(db, path, RegistrationFilters(), "Asia/Tehran") == 3 * len(HOSTILE)
    raw = path.read_bytes()
    assert b'"line\nbreak"' in raw and b'"crlf\r\n"' in raw and b",'=1+1," in raw
    assert b",+9891234567," in raw and b",'+1234567," in raw


def test_copy_reports_progress_and_counts_rows(hostile, db, tmp_path, monkeypatch):
    monkeypatch.setattr(bank_export, "PROGRESS_EVERY", 10)
    done: list[int] = []
    rows = write_csv_by_copy(
        db, tmp_path / "p.csv", RegistrationFilters(), "Asia/Tehran", done.append
    )
    assert rows == 3 * len(HOSTILE)
    assert done == list(range(10, rows + 1, 10))
