"""The streaming XLSX writer: cells read back as given (text stays text), the sheet's look."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from gateway.platform.xlsx_sheet import SheetFullError, write_sheet


def written(rows, **options) -> io.BytesIO:
    out = io.BytesIO()
    write_sheet(out, "sheet", ["first", "second", "third"], [12, 28, 8], rows, **options)
    return out


@pytest.mark.parametrize(
    ("cell", "read"),
    [
        ("=1+1", "=1+1"), ("+989121234567", "+989121234567"), ("0012345679", "0012345679"),
        ("http://example.com", "http://example.com"), ("1e5", "1e5"), ("TRUE", "TRUE"),
        ("a&b<c>d\"e'", "a&b<c>d\"e'"), ("<r>bold</r>", "<r>bold</r>"), ("</t>x", "</t>x"),
        (" lead", " lead"), ("trail ", "trail "), ("\u00a0nbsp", "\u00a0nbsp"),
        ("line\nbreak", "line\nbreak"), ("tab\tin", "tab\tin"),
        # Excel's escapes (which Excel reads back as the characters; openpyxl leaves them)
        ("cr\rin", "cr_x000D_in"), ("\x01\x1f\x0b", "_x0001__x001F__x000B_"),
        ("_x0041_", "_x005F_x0041_"), ("a_x00e9_b", "a_x005F_x00e9_b"),
        ("علی رضایی", "علی رضایی"), ("😀", "😀"), (7, 7), (0, 0), (-3, -3), (None, None),
        ("", None),
    ],
)  # fmt: skip
@pytest.mark.parametrize("read_only", [True, False])
def test_each_cell_reads_back_as_written_and_text_stays_text(cell, read, read_only):
    sheet = openpyxl.load_workbook(written([["x", cell, "y"]]), read_only=read_only).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows == [["first", "second", "third"], ["x", read, "y"]]
    if not read_only and isinstance(cell, str) and cell:
        assert sheet["B2"].data_type == "s" and sheet["B2"].hyperlink is None


def test_the_sheet_is_right_to_left_with_widths_a_bold_frozen_header_and_a_filter():
    out = written([["a", 1, None], [None, None, "c"]], autofilter=True)
    sheet = openpyxl.load_workbook(out).active
    assert sheet.title == "sheet" and sheet.sheet_view.rightToLeft is True
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:C3"
    workbook = zipfile.ZipFile(out).read("xl/workbook.xml").decode()
    assert '"_xlnm._FilterDatabase" localSheetId="0" hidden="1">sheet!$A$1:$C$3<' in workbook
    assert [sheet.column_dimensions[c].width for c in "ABC"] == [12.7109375, 28.7109375, 8.7109375]
    header = sheet["A1"]
    assert (
        header.font.b
        and header.fill.fgColor.rgb == "FFEEF2F6"
        and header.border.top.style == "thin"
    )
    assert not sheet["A2"].font.b and sheet["A2"].fill.fill_type is None
    assert zipfile.ZipFile(out).testzip() is None


def test_no_filter_unless_asked_and_an_empty_sheet_has_its_header():
    sheet = openpyxl.load_workbook(written([])).active
    assert sheet.auto_filter.ref is None
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        ["first", "second", "third"]
    ]


def test_rows_are_counted_and_a_full_sheet_is_refused():
    assert write_sheet(io.BytesIO(), "s", ["a"], [8], [["x"]] * 3, max_rows=3) == 3
    with pytest.raises(SheetFullError):
        write_sheet(io.BytesIO(), "s", ["a"], [8], [["x"]] * 4, max_rows=3)
