"""Native Excel charts of an indicator (openpyxl scatter charts with lines), so a workbook's charts are drawn by
the reader's Excel or WPS with the reader's own fonts. The points come from :mod:`monitor.charts.series` and are
written to a data sheet the charts refer to.
"""

from __future__ import annotations

import math

from openpyxl.chart import Reference, ScatterChart, Series
from openpyxl.worksheet.worksheet import Worksheet

from monitor.charts.series import ACTUAL, ANNUAL, BOUND, PATH, PROJECTION, REFERENCE, Chart, Line

CHART_WIDTH_CM = 15.0
CHART_HEIGHT_CM = 8.0
# colour, dash, marker, whether the points are joined, per role
STYLE = {
    PATH: ("7F8C9A", "solid", None, True),
    BOUND: ("C0392B", "dash", None, True),
    ANNUAL: ("E67E22", None, "diamond", False),
    ACTUAL: ("1F5FA8", "solid", "circle", True),
    PROJECTION: ("1F5FA8", "dash", "triangle", True),
    REFERENCE: ("27AE60", "sysDot", "square", True),
}


def write_points(data: Worksheet, row: int, chart: Chart) -> list[tuple[Line, int]]:
    """Write each line of ``chart`` as two rows of ``data`` (x then y) from ``row``; the rows used, per line."""
    placed = []
    for line in chart.lines:
        if not line.points:
            continue
        data.cell(row=row, column=1, value=f"{chart.title}·{line.name}（年份）")
        data.cell(row=row + 1, column=1, value=f"{chart.title}·{line.name}" + (f"（{chart.unit}）" if chart.unit
                                                                               else ""))
        for i, (x, y) in enumerate(line.points, start=2):
            data.cell(row=row, column=i, value=x)
            data.cell(row=row + 1, column=i, value=round(y, 6))
        placed.append((line, row))
        row += 2
    return placed


def excel_chart(data: Worksheet, chart: Chart, placed: list[tuple[Line, int]]) -> ScatterChart:
    """A scatter chart with one series per line of ``chart``, reading the rows :func:`write_points` wrote."""
    out = ScatterChart()
    out.title = chart.title
    out.style = 2
    out.width, out.height = CHART_WIDTH_CM, CHART_HEIGHT_CM
    out.legend.position = "b"
    out.x_axis.title = "年份"
    out.y_axis.title = chart.unit or None
    out.x_axis.number_format = "0"
    out.x_axis.delete = False  # openpyxl hides axes unless told
    out.y_axis.delete = False
    low, high = chart.x_range()
    out.x_axis.scaling.min = math.floor(low)
    out.x_axis.scaling.max = math.ceil(high) if math.ceil(high) > math.floor(low) else math.floor(low) + 1
    span = out.x_axis.scaling.max - out.x_axis.scaling.min
    out.x_axis.majorUnit = 1 if span <= 12 else (2 if span <= 24 else 5)
    for line, row in placed:
        n = len(line.points)
        xs = Reference(data, min_col=2, max_col=n + 1, min_row=row, max_row=row)
        ys = Reference(data, min_col=2, max_col=n + 1, min_row=row + 1, max_row=row + 1)
        series = Series(ys, xs, title=line.name)
        colour, dash, marker, joined = STYLE[line.role]
        series.smooth = False
        if joined:
            series.graphicalProperties.line.solidFill = colour
            series.graphicalProperties.line.width = 28575 if line.role == ACTUAL else 19050
            if dash:
                series.graphicalProperties.line.dashStyle = dash
        else:
            series.graphicalProperties.line.noFill = True
        if marker:
            series.marker.symbol = marker
            series.marker.size = 7
            series.marker.graphicalProperties.solidFill = colour
            series.marker.graphicalProperties.line.solidFill = colour
        else:
            series.marker.symbol = "none"
        out.series.append(series)
    return out
