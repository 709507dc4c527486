"""`smsgw export`: one row per application, exact columns, CSV with BOM or XLSX, audited."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import UTC, datetime

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from gateway.cli import cli
from gateway.programme.bank_export import (
    EXPORT_COLUMNS,
    XLSX_HEADERS,
    XLSX_WORDS,
    escape_formula,
    iso_utc,
)
from gateway.store.models import Application, Association, AuditEvent, Pensioner, Phase

CREATED = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)
DECIDED = datetime(2026, 11, 25, 8, 31, 5, tzinfo=UTC)


@pytest.fixture
def applications(app, db):
    """Three applications: approved in 08 (registry mobile), pending in 04, rejected unknown."""
    db.add_all([Association(code="08", name="تهران"), Association(code="04", name="اصفهان")])
    db.add(Phase(number=2, opens_at=CREATED, closes_at=DECIDED.replace(month=12)))
    db.flush()
    db.add_all([
        Pensioner(national_id="0012345679", pension_number="123456", full_name="=HYPERLINK(1)",
                  association_code="08", mobile="+989121234567", updated_at=CREATED),
        Pensioner(national_id="1234567891", pension_number="654321", full_name="مریم احمدی",
                  association_code="04", mobile=None, updated_at=CREATED),
    ])  # fmt: skip
    common = dict(channel="sms", created_at=CREATED, updated_at=CREATED)
    db.add_all([
        Application(tracking_code="10000009", national_id="0012345679", pension_number="123456",
                    phone="+989351112222", association_code="08", phase=2, status="approved",
                    flags="phone_mismatch", decided_at=DECIDED, **common),
        Application(tracking_code="20000008", national_id="1234567891", pension_number="654321",
                    phone="+989193334444", status="pending", **common),
        Application(tracking_code="30000007", national_id="0084575948", pension_number="111111",
                    phone="+989015556666", status="rejected", reason="not_found", **common),
    ])  # fmt: skip
    db.commit()


def invoke(cli_env, *args):
    return CliRunner().invoke(cli, list(args), env=cli_env, catch_exceptions=False)


def read_csv(path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM"
    return list(csv.reader(raw.decode("utf-8-sig").splitlines()))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"), ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
        ("+989121234567", "+989121234567"), ("+98912 1234567", "'+98912 1234567"),
        ("علی", "علی"), ("a=b", "a=b"), ("", ""),
    ],
)  # fmt: skip
def test_escape_formula_defuses_formula_cells_but_keeps_e164(value, expected):
    assert escape_formula(value) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [(CREATED, "2026-11-25T08:30:00Z"), (DECIDED.replace(microsecond=7), "2026-11-25T08:31:05Z"),
     (None, "")],
)  # fmt: skip
def test_iso_utc_has_seconds_and_a_z(moment, expected):
    assert iso_utc(moment) == expected


def test_csv_export_has_the_columns_in_order_and_one_row_per_application(
    applications, db, cli_env, tmp_path
):
    out = tmp_path / "out.csv"
    result = invoke(cli_env, "export", "--format", "csv", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "exported 3 rows" in result.output
    rows = read_csv(out)
    assert rows[0] == list(EXPORT_COLUMNS)
    assert rows[1] == [
        "10000009", "0012345679", "123456", "'=HYPERLINK(1)", "+989121234567", "08", "2",
        "approved", "", "phone_mismatch", "sms", "2026-11-25T08:30:00Z",
        "2026-11-25T08:31:05Z", "1405/09/04 12:00",
    ]  # fmt: skip
    # pending: the registry's association; no registry mobile: the phone that applied
    assert rows[2][4:7] == ["+989193334444", "04", ""]
    # not in the registry: no name, the applying phone
    assert rows[3][3:9] == ["", "+989015556666", "", "", "rejected", "not_found"]
    assert len(rows) == 4


@pytest.mark.parametrize(
    ("filters", "codes"),
    [
        (["--association", "08"], ["10000009"]),
        (["--association", "04"], ["20000008"]),
        (["--phase", "2"], ["10000009"]),
        (["--status", "rejected"], ["30000007"]),
        (["--status", "pending", "--association", "08"], []),
    ],
)
def test_export_filters(applications, cli_env, tmp_path, filters, codes):
    out = tmp_path / "f.csv"
    result = invoke(cli_env, "export", "--format", "csv", "--out", str(out), *filters)
    assert result.exit_code == 0, result.output
    assert [row[0] for row in read_csv(out)[1:]] == codes


def test_xlsx_export_holds_the_same_cells_as_text(applications, cli_env, tmp_path):
    out = tmp_path / "out.xlsx"
    result = invoke(cli_env, "export", "--format", "xlsx", "--out", str(out))
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out, read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == [XLSX_HEADERS[name][0] for name in EXPORT_COLUMNS]
    assert rows[1][:7] == ["10000009", "0012345679", "123456", "'=HYPERLINK(1)",
                           "+989121234567", "08", 2]  # fmt: skip
    assert rows[1][13] == "1405/09/04 12:00"
    assert len(rows) == 4


def test_xlsx_is_right_to_left_with_widths_a_frozen_header_a_filter_and_persian_words(
    applications, cli_env, tmp_path
):
    out = tmp_path / "out.xlsx"
    assert invoke(cli_env, "export", "--format", "xlsx", "--out", str(out)).exit_code == 0
    sheet = openpyxl.load_workbook(out).active
    assert sheet.sheet_view.rightToLeft is True
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:N4"
    assert sheet.column_dimensions["D"].width > 20  # full names are not cut
    statuses = {row[7] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert statuses <= set(XLSX_WORDS["status"].values()) and statuses


def test_each_export_is_audited_with_filters_rows_and_sha256(applications, db, cli_env, tmp_path):
    out = tmp_path / "a.csv"
    invoke(cli_env, "export", "--format", "csv", "--out", str(out), "--status", "approved")
    db.rollback()
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    details = json.loads(event.details)
    assert event.actor.startswith("cli:") and event.target == "a.csv"
    assert details["filters"] == {"association": None, "phase": None, "status": "approved"}
    assert details["rows"] == 1 and details["format"] == "csv"
    assert details["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()


def test_an_unknown_association_is_refused_and_nothing_is_written(applications, cli_env, tmp_path):
    out = tmp_path / "x.csv"
    result = invoke(cli_env, "export", "--format", "csv", "--out", str(out), "--association", "99")
    assert result.exit_code == 2
    assert "no association '99'" in result.output
    assert not out.exists()


def test_an_unwritable_path_is_a_short_error(applications, cli_env, tmp_path):
    out = tmp_path / "missing-dir" / "x.csv"
    result = invoke(cli_env, "export", "--format", "csv", "--out", str(out))
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "Traceback" not in result.output
