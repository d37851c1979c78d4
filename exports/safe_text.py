"""Text from a plan must never become a formula where a spreadsheet reads it (OWASP CSV
injection): a cell or field starting with = + - @ tab or CR is neutralised — in workbooks by
Excel's own quote prefix (the text stays as written, editing it keeps it text), in CSV, MSPDI
and iCalendar by a leading apostrophe."""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def risky(value) -> bool:
    """A string a spreadsheet would read as a formula (numbers such as '-3' are not)."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return False
    try:
        float(value)
    except ValueError:
        return True
    return False


def neutral(text: str) -> str:
    """The text with a leading apostrophe when it is risky."""
    return "'" + text if risky(text) else text


def guard_row(ws, row: int, values) -> None:
    """On a normal (not write-only) sheet: the cells of `row` holding risky text made text
    with Excel's quote prefix (openpyxl would otherwise write them as formulas)."""
    for col, value in enumerate(values, start=1):
        if risky(value):
            cell = ws.cell(row, col)
            cell.data_type = "s"
            cell.quotePrefix = True
