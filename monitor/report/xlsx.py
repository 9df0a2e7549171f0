"""The Excel workbook of `monitor report --format xlsx` and `monitor check --format xlsx`.

Sheets: 汇总 (counts by status per region × plan, 指标完成率, 约束性 indicators apart, and the counts of the final
review of ended plans); one sheet per region (every indicator with the columns of
:data:`monitor.report.sheet.INDICATOR_HEADERS`, the 状态 cell filled red / amber / green by severity, the final
review (终期评估) of its ended plans, and a native Excel chart per indicator); 图表数据, the points the charts
draw. Returns bytes: the caller decides where they go.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from datetime import date

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from monitor.charts.series import Chart, Key
from monitor.report import sheet as sh
from monitor.report.xlsx_charts import CHART_HEIGHT_CM, excel_chart, write_points

SUMMARY_SHEET = "汇总"
DATA_SHEET = "图表数据"
FILLS = {  # light fills a printed page keeps readable
    "green": PatternFill("solid", fgColor="C6EFCE"),
    "amber": PatternFill("solid", fgColor="FFEB9C"),
    "red": PatternFill("solid", fgColor="FFC7CE"),
}
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
THIN = Side(style="thin", color="B0B7C3")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WIDTHS = [30, 8, 9, 11, 20, 10, 11, 11, 18, 10, 11, 11, 14, 18, 50]
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
ROWS_PER_CHART = 17  # rows a chart of CHART_HEIGHT_CM covers at the default row height, and a gap


def workbook_bytes(assessment: pd.DataFrame, charts: Mapping[Key, Chart], as_of: date) -> bytes:
    """The workbook as bytes (.xlsx)."""
    book = Workbook()
    summary = book.active
    summary.title = SUMMARY_SHEET
    _summary(summary, assessment, as_of)
    data = book.create_sheet(DATA_SHEET)
    data_row = 1
    names = {SUMMARY_SHEET, DATA_SHEET}
    for code, name, part in sh.regions(assessment):
        ws = book.create_sheet(sheet_name(name, names), index=len(book.sheetnames) - 1)
        names.add(ws.title)
        data_row = _region(ws, data, data_row, code, name, part, charts, as_of)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unused sheet name: no []:*?/\\, at most 31 characters, made unique with （2）, （3）…"""
    base = _BAD_SHEET_CHARS.sub("_", name).strip("'") or "地区"
    base = base[:31]
    candidate, n = base, 2
    while candidate.lower() in {t.lower() for t in taken}:
        suffix = f"（{n}）"
        candidate = base[:31 - len(suffix)] + suffix
        n += 1
    return candidate


def _summary(ws: Worksheet, frame: pd.DataFrame, as_of: date) -> None:
    ws["A1"] = f"规划指标序时进度监测报告　评估日期：{as_of.isoformat()}"
    ws["A1"].font = TITLE
    row = _table(ws, 3, sh.SUMMARY_HEADERS, [(cells, None) for cells in sh.summary_rows(frame)])
    ws.cell(row=row, column=1, value=sh.COMPLETION_NOTE)
    row += 2
    from monitor.report.review import binding_line, counts_line

    reviews = sh.review_rows(frame)
    if reviews:
        ws.cell(row=row, column=1, value="终期评估").font = BOLD
        row += 1
        for summary, _ in reviews:
            head = f"{summary['region_name']}　{summary['plan_id']}（{summary['final_period']}年）："
            ws.cell(row=row, column=1, value=head + counts_line(summary) + "；" + binding_line(summary))
            row += 1
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 26
    for col in range(3, len(sh.SUMMARY_HEADERS) + 1):
        ws.column_dimensions[get_column_letter(col)].width = 11
    ws.freeze_panes = "A4"


def _region(ws: Worksheet, data: Worksheet, data_row: int, code: str, name: str, part: pd.DataFrame,
            charts: Mapping[Key, Chart], as_of: date) -> int:
    ws["A1"] = f"{name}（{code}）　评估日期：{as_of.isoformat()}"
    ws["A1"].font = TITLE
    row = 3
    for plan_id, rows in part.groupby("plan_id", sort=False, observed=True):
        ws.cell(row=row, column=1, value=f"规划 {plan_id}").font = BOLD
        lines = sh.indicator_rows(rows)
        row = _table(ws, row + 1, sh.INDICATOR_HEADERS, [(line.cells, line.tone) for line in lines],
                     tone_column=sh.INDICATOR_HEADERS.index("状态"))
    from monitor.report.review import binding_line, counts_line

    for summary, lines in sh.review_rows(part):
        ws.cell(row=row, column=1, value=f"终期评估　{summary['plan_id']}（{summary['final_period']}年）").font = BOLD
        row = _table(ws, row + 1, sh.REVIEW_HEADERS, lines, tone_column=sh.REVIEW_HEADERS.index("完成情况"))
        ws.cell(row=row, column=1, value=f"共 {summary['total']} 项：{counts_line(summary)}。")
        ws.cell(row=row + 1, column=1, value=f"{binding_line(summary)}。")
        row += 3
    for i, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "B3"
    drawn = [charts[k] for k in _keys(part) if k in charts and charts[k].has_data]
    if drawn:
        ws.cell(row=row, column=1, value="图表：规划路径、年度目标、实际值与预计").font = BOLD
        row += 1
    for i, chart in enumerate(drawn):
        placed = write_points(data, data_row, chart)
        data_row += 2 * len(placed) + 1
        anchor = f"{'A' if i % 2 == 0 else 'F'}{row + (i // 2) * ROWS_PER_CHART}"
        ws.add_chart(excel_chart(data, chart, placed), anchor)
    return data_row


def _keys(part: pd.DataFrame) -> list[Key]:
    return [(str(p), str(r), str(i)) for p, r, i in zip(part["plan_id"], part["region_code"], part["indicator_id"])]


def _table(ws: Worksheet, row: int, headers: list[str], lines: list, tone_column: int | None = None) -> int:
    """Headers at ``row``, then each (cells, tone); the row after the blank row that ends the table."""
    for col, header in enumerate(headers, start=1):
        cell = ws.cell(row=row, column=col, value=header)
        cell.font, cell.fill, cell.border = BOLD, HEADER_FILL, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for cells, tone in lines:
        row += 1
        for col, item in enumerate(cells, start=1):
            cell = ws.cell(row=row, column=col, value=item.value)
            cell.border = BORDER
            if item.fmt:
                cell.number_format = item.fmt
            cell.alignment = Alignment(vertical="top", wrap_text=isinstance(item.value, str))
            if tone and col - 1 == tone_column:
                cell.fill = FILLS[tone]
    return row + 2


__all__ = ["CHART_HEIGHT_CM", "workbook_bytes", "sheet_name"]
