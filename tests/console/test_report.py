"""The programme report: counts per association and phase, scope, chart, CSV and XLSX."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from sqlalchemy import select

from gateway.programme.report import REPORT_COLUMNS
from gateway.store.models import AuditEvent
from tests.console.pensioners import national_id, text_in
from tests.factories import add_application, add_pensioner

# (association, phase, status, reason) of each application of the fixture.
APPLICATIONS = [
    ("08", 1, "approved", None),
    ("08", 1, "approved", None),
    ("08", 1, "paid", None),
    ("08", 1, "payment_failed", None),
    ("08", 1, "waitlisted", None),
    ("08", 1, "rejected", "prior_loan"),
    ("08", 2, "waitlisted", None),
    ("08", None, "pending", None),  # undecided: no association of its own yet
    ("01", 1, "approved", None),
    ("01", None, "rejected", "not_found"),
    ("01", None, "rejected", "pension_mismatch"),
]


@pytest.fixture
def programme_data(db, users):
    """The applications above, each from its own phone; the first 08 one asks a question."""
    for serial, (code, phase, status, reason) in enumerate(APPLICATIONS):
        nid = national_id(serial)
        add_pensioner(db, nid, association_code=code)
        own = None if status == "pending" else code
        add_application(
            db, nid, phone=f"+98912100{serial:04d}", association_code=own, phase=phase,
            status=status, reason=reason,
        )  # fmt: skip
    text_in("+989121000000", "سوال دارم")


def row_counts(page: str, key: str) -> dict[str, str]:
    """data-field -> the shown (Persian-digit) count of one table row."""
    row = re.search(rf'<tr data-row="{key}">(.*?)</tr>', page, re.S).group(1)
    return dict(re.findall(r'data-field="(\w+)">([^<]*)<', row))


def fa(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


def test_admins_see_every_association_per_phase_with_rejections_by_reason(
    signed_in, programme_data
):
    page = signed_in("admin").get("/console/report").text
    first = row_counts(page, "08-1")
    assert first["registrations"] == fa(6)
    assert (first["approved"], first["paid"], first["payment_failed"]) == (fa(2), fa(1), fa(1))
    assert (first["waitlisted"], first["rejected"], first["rejected_prior_loan"]) == (fa(1),) * 3
    assert first["open_support"] == fa(1)
    assert row_counts(page, "08-")["pending"] == fa(1)  # the registry's association
    early = row_counts(page, "01-")
    assert (early["rejected_not_found"], early["rejected_pension_mismatch"]) == (fa(1), fa(1))
    total = re.search(r"<tr class=\"total\" data-total>(.*?)</tr>", page, re.S).group(1)
    assert f'data-field="registrations">{fa(len(APPLICATIONS))}<' in total
    assert 'data-association="08"' in page and 'data-association="01"' in page  # the chart


def test_staff_see_their_own_association_whatever_they_ask(signed_in, programme_data):
    page = signed_in("tabriz").get("/console/report?association=08").text
    assert set(re.findall(r'data-row="(\d+)-', page)) == {"01"}
    assert 'data-association="08"' not in page


def test_head_office_may_filter_by_association_and_phase(signed_in, programme_data):
    page = signed_in("office").get("/console/report?association=08&phase=2").text
    assert re.findall(r'data-row="([\d-]+)"', page) == ["08-2"]


def test_operators_may_not_open_the_report(signed_in, programme_data):
    assert signed_in("operator").get("/console/report").status_code == 403
    assert signed_in("operator").get("/console/report/download").status_code == 403


@pytest.mark.parametrize("phase", ["x", "-1", "۰", "9999999999"])
def test_a_bad_phase_is_a_short_message_not_an_error(signed_in, programme_data, phase):
    response = signed_in("admin").get(f"/console/report?phase={phase}")
    assert response.status_code == 200 and 'role="alert"' in response.text


def test_the_csv_has_stable_columns_and_the_download_is_audited(signed_in, programme_data, db):
    response = signed_in("admin").get("/console/report/download?format=csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == REPORT_COLUMNS
    first = next(r for r in rows if (r["association_code"], r["phase"]) == ("08", "1"))
    assert (first["registrations"], first["paid"], first["open_support"]) == ("6", "1", "1")
    assert first["association_name"] == "تهران"
    db.rollback()
    [event] = db.scalars(select(AuditEvent).where(AuditEvent.action == "report.download"))
    assert event.actor == "admin" and event.target.endswith(".csv")


def test_the_xlsx_has_persian_headers_and_numbers(signed_in, programme_data, tmp_path):
    response = signed_in("tehran").get("/console/report/download?format=xlsx")
    path = tmp_path / "report.xlsx"
    path.write_bytes(response.data)
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("کد کانون", "کانون", "مرحله", "همه درخواست‌ها")
    assert sheet.sheet_view.rightToLeft
    assert [r[:4] for r in rows[1:]] == [("08", "تهران", 1, 6), ("08", "تهران", 2, 1),
                                         ("08", "تهران", None, 1)]  # fmt: skip


@pytest.mark.parametrize("association", ["%00", "99", "08%00", "x" * 300])
def test_an_unknown_association_is_a_short_message_not_an_error(
    signed_in, programme_data, association
):
    admin = signed_in("admin")
    page = admin.get(f"/console/report?association={association}")
    assert page.status_code == 200 and 'role="alert"' in page.text
    assert (
        admin.get(f"/console/report/download?format=csv&association={association}").status_code
        == 200
    )
