"""Native Excel charts drawn from columns of a sheet: the one way every workbook builds an x-y
chart (axes kept, straight lines), so LibreOffice and Excel draw them alike."""

from __future__ import annotations

from openpyxl.chart import Reference, ScatterChart, Series


def xy_chart(title: str, x_title: str, y_title: str, *, y_format: str = "General",
             height: float = 8, width: float = 16) -> ScatterChart:
    chart = ScatterChart()
    chart.title = title
    chart.style = 13
    chart.x_axis.title = x_title
    chart.y_axis.title = y_title
    chart.y_axis.number_format = y_format
    # openpyxl marks axes deleted by default, and LibreOffice then draws no scale.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.height, chart.width = height, width
    return chart


def add_xy(chart: ScatterChart, ws, x_col: int, y_col: int, rows: tuple[int, int], title: str,
           marker: str = "none") -> None:
    """A series of (column x_col, column y_col) over rows [first, last] of `ws`."""
    first, last = rows
    series = Series(Reference(ws, min_col=y_col, min_row=first, max_row=last),
                    Reference(ws, min_col=x_col, min_row=first, max_row=last), title=title)
    series.marker.symbol = marker
    series.smooth = False
    chart.series.append(series)
