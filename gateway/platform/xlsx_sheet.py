"""A one-sheet XLSX written as its rows stream in: the project's only XLSX writer.

Written by hand because a general writer spends most of an export's time per cell (about
100 µs a row at 14 cells with xlsxwriter); here a row is a few string joins. The sheet is
for people: right to left, column widths, a bold shaded header row that stays in view,
an optional filter on it. Text is only ever an inline string (never a formula, a number
or a link); ints are numbers; None and empty text leave the cell out, as xlsxwriter did.
Text is escaped as Excel escapes it: control characters as `_xHHHH_` (and a literal
`_xHHHH_` by escaping its underscore), `&`, `<`, `>` as entities.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from typing import IO

Cell = str | int | None
# Whether a row's text (joined by DEL, which none of these tests matches) needs escaping.
_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f]|_x[0-9a-fA-F]{4}_|\x7f\s|\s\x7f")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_ESCAPE_LIKE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_EDGE_SPACE = re.compile(r"^\s|\s$")
_BATCH = 1000  # rows per write
_COPY_CHUNK = 1 << 20
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_TYPES = (
    _XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_OFFICE_TYPE}.sheet.main+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_OFFICE_TYPE}.styles+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    f'ContentType="{_OFFICE_TYPE}.worksheet+xml"/></Types>'
)
_ROOT_RELS = (
    _XML + f'<Relationships xmlns="{_PACKAGE_RELS}"><Relationship Id="rId1" '
    f'Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK_RELS = (
    _XML + f'<Relationships xmlns="{_PACKAGE_RELS}">'
    f'<Relationship Id="rId1" Type="{_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_RELS}/styles" Target="styles.xml"/></Relationships>'
)
# Style 0: plain; style 1: the header, bold on #EEF2F6 with a thin border all round.
_STYLES = (
    _XML + f'<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFEEF2F6"/><bgColor indexed="64"/>'
    "</patternFill></fill></fills>"
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '<border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/>'
    '</right><top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/>'
    "</bottom><diagonal/></border></borders>"
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" '
    'applyFill="1" applyBorder="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)  # fmt: skip


_PARTS = {
    "[Content_Types].xml": _TYPES,
    "_rels/.rels": _ROOT_RELS,
    "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS,
    "xl/styles.xml": _STYLES,
}


class SheetFullError(ValueError):
    """More rows than the sheet may hold."""


def write_sheet(
    target: str | IO[bytes],
    name: str,
    header: Sequence[str],
    widths: Sequence[float],
    rows: Iterable[Sequence[Cell]],
    *,
    autofilter: bool = False,
    max_rows: int = 1_048_575,
) -> int:
    """Write `header` and `rows` as the one sheet `name` of an XLSX at target (a path or a
    binary file); return the row count, the header not counted.

    The rows go to a temporary file first, as in xlsxwriter's constant-memory mode: the
    sheet's dimension, which readers size it by, comes before them. Raises
    SheetFullError past max_rows."""
    letters = [_column_letter(index) for index in range(len(header))]
    with tempfile.TemporaryFile() as data:  # the rows, until their count is known
        count = _write_rows(data, letters, rows, max_rows)
        last = f"{letters[-1]}{count + 1}"
        data.seek(0)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
            for part, xml in _PARTS.items():
                package.writestr(part, xml)
            with package.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
                sheet.write(_sheet_start(widths, last, _row(letters, 1, header, ' s="1"')))
                shutil.copyfileobj(data, sheet, _COPY_CHUNK)
                end = f'<autoFilter ref="A1:{last}"/>' if autofilter else ""
                sheet.write(f"</sheetData>{end}{_MARGINS}</worksheet>".encode())
            filtered = f"$A$1:${letters[-1]}${count + 1}" if autofilter else None
            package.writestr("xl/workbook.xml", _workbook(name, filtered))
    return count


def _write_rows(out: IO[bytes], letters: list[str], rows, max_rows: int) -> int:
    count = 0
    lines: list[str] = []
    for count, row in enumerate(rows, 1):
        if count > max_rows:
            raise SheetFullError(f"a sheet holds at most {max_rows} rows")
        lines.append(_row(letters, count + 1, row))
        if count % _BATCH == 0:
            out.write("".join(lines).encode())
            lines.clear()
    out.write("".join(lines).encode())
    return count


def _row(letters: list[str], number: int, cells: Sequence[Cell], style: str = "") -> str:
    texts = "\x7f".join(cell for cell in cells if type(cell) is str)
    special = _SPECIAL.search(f"\x7f{texts}\x7f")
    parts = [
        f'<c r="{letter}{number}"{style} t="inlineStr"><is>'
        f"{_text(cell) if special else f'<t>{cell}</t>'}</is></c>"
        if type(cell) is str
        else f'<c r="{letter}{number}"{style}><v>{cell}</v></c>'
        for letter, cell in zip(letters, cells, strict=True)
        if cell or cell == 0
    ]
    return f'<row r="{number}">{"".join(parts)}</row>'


def _text(text: str) -> str:
    """A cell's <t> as Excel writes it: `_xHHHH_` escapes, entities, and
    `xml:space="preserve"` when the text starts or ends in a space."""
    text = _ESCAPE_LIKE.sub(r"_x005F\1", text)
    text = _CONTROL.sub(lambda match: f"_x{ord(match.group()):04X}_", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    space = ' xml:space="preserve"' if _EDGE_SPACE.search(text) else ""
    return f"<t{space}>{text}</t>"


def _sheet_start(widths: Sequence[float], last: str, header_row: str) -> bytes:
    columns = "".join(
        f'<col min="{n}" max="{n}" width="{_excel_width(width)}" customWidth="1"/>'
        for n, width in enumerate(widths, 1)
    )
    return (
        f'{_XML}<worksheet xmlns="{_MAIN}" xmlns:r="{_RELS}"><dimension ref="A1:{last}"/>'
        '<sheetViews><sheetView rightToLeft="1" tabSelected="1" workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft"/></sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><cols>{columns}</cols><sheetData>{header_row}'
    ).encode()


_MARGINS = (
    '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
)


def _workbook(name: str, filtered: str | None) -> str:
    """The workbook part; Excel finds a sheet's filter range by this hidden name."""
    names = (
        f'<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" '
        f'hidden="1">{name}!{filtered}</definedName></definedNames>'
        if filtered
        else ""
    )
    return (
        f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}"><bookViews><workbookView/>'
        f'</bookViews><sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets>{names}'
        "</workbook>"
    )


def _excel_width(characters: float) -> float:
    """A width in characters as Excel stores it: with its 5 pixels of padding at 7 pixels
    a digit, in 1/256ths (12 -> 12.7109375, as xlsxwriter writes it)."""
    pixels = int(characters * 7 + 0.5) + 5
    return int(pixels / 7 * 256) / 256


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
