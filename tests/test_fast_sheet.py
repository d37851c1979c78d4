"""The workbook's own row writer (exports/fast_sheet.py) read back with openpyxl: every kind of
value, text that must stay text, styles, row attributes, and the sheet's settings around it."""

import math
from datetime import date, datetime
from zipfile import ZipFile

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from rackplan.exports.fast_sheet import add_fast_sheet, styled

FILL = PatternFill("solid", fgColor="4E79A7")
BOLD = Font(bold=True)


def _write(tmp_path, rows, **setup):
    wb = Workbook(write_only=True)
    ws = add_fast_sheet(wb, "S")
    for row, attrs in rows(wb, ws):
        ws.append(row, **attrs)
    for key, value in setup.items():
        setattr(ws, key, value)
    ws.column_dimensions["B"].width = 33  # after the rows: still written (top comes at close)
    path = tmp_path / "f.xlsx"
    wb.save(path)
    return path


def test_values_round_trip(tmp_path):
    def rows(wb, ws):
        yield ["a", 1, 2.5, True, False, None, 7], {}
        yield [datetime(2024, 5, 6, 6, 30), date(2024, 5, 7), 10**12, 1 / 3], {}
        yield [float("nan"), math.inf, "", " lead", "x & <y> \"q\" 'r'"], {}
        yield ["two\nlines", "tab\there", "bell\x07gone", "é ✓ 漢"], {}

    ws = load_workbook(_write(tmp_path, rows))["S"]
    assert [c.value for c in ws[1]] == ["a", 1, 2.5, True, False, None, 7]
    assert ws["A2"].value == datetime(2024, 5, 6, 6, 30) and ws["A2"].is_date
    assert ws["B2"].value == datetime(2024, 5, 7) and ws["B2"].is_date
    assert ws["C2"].value == 10**12 and math.isclose(ws["D2"].value, 1 / 3, rel_tol=1e-15)
    # NaN and infinity have no cell value in Excel; an empty text is an empty cell.
    assert [c.value for c in ws[3]][:5] == [None, None, None, " lead", "x & <y> \"q\" 'r'"]
    # Line breaks and tabs survive; control characters Excel refuses are dropped.
    assert [c.value for c in ws[4]][:4] == ["two\nlines", "tab\there", "bellgone", "é ✓ 漢"]
    assert ws.column_dimensions["B"].width == 33


def test_text_that_looks_like_a_formula_stays_text_with_the_quote_prefix(tmp_path):
    def rows(wb, ws):
        yield [styled(wb, "=1+1"), styled(wb, "@SUM(A1)", font=BOLD), "=2+2",
               styled(wb, "plain")], {}

    ws = load_workbook(_write(tmp_path, rows))["S"]
    assert [c.value for c in ws[1]] == ["=1+1", "@SUM(A1)", "=2+2", "plain"]
    assert all(c.data_type == "s" for c in ws[1][:4])
    assert ws["A1"].quotePrefix and ws["B1"].quotePrefix and ws["B1"].font.b
    # A raw string is text in this writer too (never a formula), without the prefix.
    assert not ws["C1"].quotePrefix and not ws["D1"].quotePrefix


def test_styles_are_shared_and_applied(tmp_path):
    def rows(wb, ws):
        yield [styled(wb, 3, fill=FILL, fmt=";;;"), styled(wb, None, fill=FILL),
               styled(wb, datetime(2024, 1, 2, 3, 4), fmt="yyyy-mm-dd hh:mm", font=BOLD),
               WriteOnlyCell(ws, value="from openpyxl")], {}
        yield [styled(wb, 4, fill=FILL, fmt=";;;")], {}

    path = _write(tmp_path, rows)
    ws = load_workbook(path)["S"]
    assert ws["A1"].value == 3 and ws["A1"].number_format == ";;;"
    assert ws["A1"].fill.fgColor.rgb.endswith("4E79A7")
    assert ws["B1"].value is None and ws["B1"].fill.fill_type == "solid"  # a styled empty cell
    assert ws["C1"].number_format == "yyyy-mm-dd hh:mm" and ws["C1"].font.b
    assert ws["D1"].value == "from openpyxl"
    assert ws["A1"].style_id == ws["A2"].style_id  # registered once, reused


def test_row_attributes_dimension_and_sheet_settings(tmp_path):
    def rows(wb, ws):
        yield ["title"], {"ht": 60, "customHeight": 1}
        yield ["unit", None, "x"], {"outlineLevel": 1, "collapsed": 1}
        yield ["step"], {"outlineLevel": 2, "hidden": 1}

    path = _write(tmp_path, rows, freeze_panes="B2")
    ws = load_workbook(path)["S"]
    assert ws.row_dimensions[1].ht == 60
    assert ws.row_dimensions[2].outlineLevel == 1 and ws.row_dimensions[2].collapsed
    assert ws.row_dimensions[3].outlineLevel == 2 and ws.row_dimensions[3].hidden
    assert ws.freeze_panes == "B2"
    with ZipFile(path) as z:
        assert '<dimension ref="A1:C3"/>' in z.read("xl/worksheets/sheet1.xml").decode()
