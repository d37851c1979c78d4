"""A write-only worksheet whose rows are rendered to worksheet XML here, not cell by cell.

openpyxl's write-only sheet makes a cell object per value, first tries to bind each styled cell
as a plain value (and fails), and serialises every cell element by element: on the Colossus
workbook's 420,000 cells that cost three times as much as plain values. Here a style is
registered once in openpyxl's own style table, a row becomes one line of XML in a temporary
file as it is appended (memory stays flat), and when openpyxl closes the sheet lxml parses the
lines back in batches into openpyxl's stream. Everything around the rows — columns, views,
filters, conditional formats, page setup, charts — is still openpyxl's.

Relies on two internals of openpyxl 3.1's WriteOnlyWorksheet (`_get_writer`, `_writer`), which
is why pyproject pins openpyxl below 3.2; tests read every sheet back.
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from math import isfinite

from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.xml.functions import fromstring

from .safe_text import risky

DEFAULT_DATE_FMT = "yyyy-mm-dd h:mm:ss"  # openpyxl's, for a date given without a format
BATCH = 2000  # rows parsed at a time when the sheet is closed
MAX_TEXT = 32767  # Excel's longest cell text


class Styled:
    """A value with a registered style (see `style_id`), as `FastSheet.append` takes it."""

    __slots__ = ("value", "style")

    def __init__(self, value, style: int):
        self.value = value
        self.style = style


def style_id(wb, font=None, fill=None, fmt=None, border=None, align=None,
             quote=False) -> int:
    """The workbook's index of this cell style, registered on first use; the objects are
    keyed by identity (the module's style constants), and kept alive so ids stay unique."""
    cache = wb.__dict__.setdefault("_rackplan_styles", {})
    key = (id(font), id(fill), fmt, id(border), id(align), quote)
    found = cache.get(key)
    if found is None:
        c = WriteOnlyCell(_Probe(wb))
        if font:
            c.font = font
        if fill:
            c.fill = fill
        if fmt:
            c.number_format = fmt
        if border:
            c.border = border
        if align:
            c.alignment = align
        if quote:
            c.quotePrefix = True
        found = cache[key] = (c.style_id if c.has_style else 0, (font, fill, border, align))
    return found[0]


class _Probe:
    """Stands in for a sheet when a style is registered: a cell reaches the workbook's style
    tables through `cell.parent.parent`."""

    def __init__(self, wb):
        self.parent = wb


def styled(wb, value, *, font=None, fill=None, fmt=None, border=None, align=None):
    """`value` as a cell for FastSheet.append. Unstyled values other than formula-looking text
    go as they are; a date without a format gets openpyxl's default one."""
    if fmt is None and isinstance(value, date):
        fmt = DEFAULT_DATE_FMT
    quote = isinstance(value, str) and risky(value)
    if font is fill is fmt is border is align is None and not quote:
        return value
    return Styled(value, style_id(wb, font, fill, fmt, border, align, quote))


def add_fast_sheet(wb, title: str) -> FastSheet:
    ws = FastSheet(parent=wb, title=title)
    wb._add_sheet(ws)
    return ws


class FastSheet(WriteOnlyWorksheet):
    """`append(values, **row_attributes)` renders the row at once; values are plain values,
    `Styled` ones, or openpyxl cells. Strings are always text (inline strings), never
    formulas. The sheet's top (columns, views) is written when it is closed, so column widths
    set after the rows still count."""

    def __init__(self, parent, title):
        super().__init__(parent, title)
        self._lines = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n")
        self._rows_written = 0
        self._widest = 0
        self._texts: dict[str, str] = {}

    def append(self, row, **attributes):
        self._rows_written += 1
        r = self._rows_written
        extra = "".join(f' {k}="{v}"' for k, v in attributes.items() if v is not None)
        parts = [f'<row r="{r}"{extra}>']
        col = 0
        for col, value in enumerate(row, 1):
            if value is None:
                continue
            parts.append(self._cell(col, r, value))
        self._widest = max(self._widest, col)
        parts.append("</row>\n")
        self._lines.write("".join(parts))

    def calculate_dimension(self) -> str:
        if not self._rows_written:
            return "A1:A1"
        return f"A1:{get_column_letter(max(self._widest, 1))}{self._rows_written}"

    def _cell(self, col: int, r: int, value) -> str:
        style = 0
        if type(value) is Styled:
            value, style = value.value, value.style
        elif isinstance(value, Cell):
            value, style = value.value, (value.style_id if value.has_style else 0)
        ref = f"{_letter(col)}{r}"
        s = f' s="{style}"' if style else ""
        kind = type(value)
        if kind is str:
            if not value:  # as openpyxl: an empty text is an empty (maybe styled) cell
                return f'<c r="{ref}"{s}/>'
            return f'<c r="{ref}"{s} t="inlineStr">{self._text(value)}</c>'
        if kind is float or kind is int:
            if kind is float and not isfinite(value):
                return f'<c r="{ref}"{s}/>'
            return f'<c r="{ref}"{s}><v>{value:.16g}</v></c>'
        if value is None:
            return f'<c r="{ref}"{s}/>'
        if kind is bool:
            return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
        if isinstance(value, date):
            if isinstance(value, datetime) and value.tzinfo is not None:
                raise TypeError("Excel does not support time zones in dates")
            if not style:
                s = f' s="{style_id(self.parent, fmt=DEFAULT_DATE_FMT)}"'
            return f'<c r="{ref}"{s}><v>{to_excel(value, self.parent.epoch):.16g}</v></c>'
        if isinstance(value, (int, float)):  # numpy and other number types
            return self._cell(col, r, Styled(float(value), style))
        return self._cell(col, r, Styled(str(value), style))

    def _text(self, value: str) -> str:
        found = self._texts.get(value)
        if found is None:
            text = ILLEGAL_CHARACTERS_RE.sub("", value[:MAX_TEXT])
            escaped = (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                       .replace("\n", "&#10;").replace("\r", "&#13;"))
            space = ' xml:space="preserve"' if text != text.strip() else ""
            found = f"<is><t{space}>{escaped}</t></is>"
            if len(self._texts) < 100_000:
                self._texts[value] = found
        return found

    def _get_writer(self):
        if self._writer is None:
            self._writer = _RowsWriter(self)
            self._writer.write_top()


class _RowsWriter(WorksheetWriter):
    """openpyxl's sheet writer, with the rows taken from the sheet's rendered lines."""

    def write_rows(self):
        lines = self.ws._lines
        lines.seek(0)
        xf = self.xf.send(True)
        with xf.element("sheetData"):
            batch: list[str] = []
            for line in lines:
                batch.append(line)
                if len(batch) == BATCH:
                    _write_batch(xf, batch)
                    batch = []
            if batch:
                _write_batch(xf, batch)
        self.xf.send(None)
        lines.close()


def _write_batch(xf, batch: list[str]) -> None:
    for row in fromstring("<sheetData>" + "".join(batch) + "</sheetData>"):
        xf.write(row)


_LETTERS: list[str] = []


def _letter(col: int) -> str:
    while len(_LETTERS) < col:
        _LETTERS.append(get_column_letter(len(_LETTERS) + 1))
    return _LETTERS[col - 1]
