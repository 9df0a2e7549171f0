"""The submission template (报送模板): an XLSX to send to a county, pre-filled with every indicator it reports for
one period, that imports back with `monitor actuals import` or through the inbox with no editing.

:func:`template_for` chooses the rows (pure: plans and today in); :func:`write_template` writes the workbook. The
sheet 数据 has a title row, a line of instructions, the header 地区 | 指标 | 单位 | 期间 | 数值 | 来源 | 备注 and a
row per indicator (names as the plan prints them, the period in words such as 2025年); 数值 is empty, with decimal
data validation, and only 数值, 来源 and 备注 are unlocked (the sheet is protected without a password, so a clerk
cannot change a name by accident but can lift the protection). The sheet 填表说明 says in Chinese how to fill it in.
The reader finds the header under the title rows (monitor.actuals.reader), reads 2025年 as 2025
(normalise.period_label) and skips the rows left without a value (validate.check).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from monitor.actuals.normalise import period_label, period_words
from monitor.core.periods import ANNUAL, Period, parse_period
from monitor.errors import MonitorError
from monitor.plans.model import Plan
from monitor.reminders.expected import due_date, spans

SHEET = "数据"
GUIDE = "填表说明"
HEADER = ("地区", "指标", "单位", "期间", "数值", "来源", "备注")
VALUE_COLUMN = HEADER.index("数值") + 1  # 1-based, as openpyxl counts
FIRST_ROW = 4  # title, instructions, header, then the rows
WIDTHS = (14, 44, 12, 16, 14, 24, 30)
DEFAULT_RETURN = "按通知要求交回规划实施监测牵头部门（放入报送文件夹，或发给通知中的联系人）"
_LIMIT = 1e15  # the data validation's bounds: any statistic, and no date or text


@dataclass(frozen=True)
class TemplateRow:
    indicator_id: str
    indicator_name: str
    unit: str
    period: str  # canonical label: 2025, 2025Q2, 2025-06
    due_on: date


@dataclass(frozen=True)
class Template:
    region_code: str
    region_name: str
    period: str  # the period asked for (canonical label)
    plans: tuple[str, ...]  # titles of the plans the rows come from
    rows: tuple[TemplateRow, ...]

    @property
    def title(self) -> str:
        return f"{self.region_name}{period_words(self.period)}规划指标数据报送表"


def template_for(plans: Iterable[Plan], region_code: str, today: date, *, period: str | None = None,
                 plan_id: str | None = None) -> Template:
    """The rows a county fills in for ``period`` (default: the latest period due by ``today``): every indicator of
    its plans (or of ``plan_id``) that reports for that period; for a year, also the quarters or months of that year
    of an indicator reported more often. An indicator two plans share is listed once, under the plan whose years
    hold the period (as the reminders list it)."""
    plans = list(plans)
    mine = [p for p in plans if p.region.code == region_code and (plan_id is None or p.id == plan_id)]
    if not mine:
        what = f"规划“{plan_id}”" if plan_id else "规划"
        raise MonitorError(f"地区 {region_code} 没有{what}；`monitor plans list` 列出各规划及其地区")
    ids = {p.id for p in mine}
    found: dict[tuple[str, str], tuple[bool, TemplateRow, tuple]] = {}  # (id, period) → (in plan, row, order)
    for span in spans(plans, today):
        if span.plan.id not in ids:
            continue
        for p in span.periods():
            row = TemplateRow(span.indicator.id, span.indicator.name, span.indicator.unit, p.label,
                              due_date(p, span.indicator.reporting.due_days))
            key = (row.indicator_id, row.period)
            order = (span.plan.period.start, span.plan.id, span.position, p)
            held = found.get(key)
            if held is None or (span.in_plan(p) and not held[0]):
                found[key] = (span.in_plan(p), row, order)
    chosen = _period(period, [(row, order[-1]) for _, row, order in found.values()], today, mine[0].region.name)
    rows = sorted(((order, row) for _, row, order in found.values() if _belongs(order[-1], chosen)),
                  key=lambda item: item[0])
    if not rows:
        raise MonitorError(f"{mine[0].region.name}的规划中没有 {period_words(chosen.label)}需要报送的指标；"
                           "规划期见 `monitor plans show ID`")
    titles = tuple(dict.fromkeys(p.title for p in sorted(mine, key=lambda p: p.period.start)))
    return Template(region_code, mine[0].region.name, chosen.label, titles, tuple(row for _, row in rows))


def _period(text: str | None, rows: list[tuple[TemplateRow, Period]], today: date, region: str) -> Period:
    """The period asked for, or the latest one due by ``today``."""
    if text:
        try:
            return parse_period(period_label(text))
        except ValueError as exc:
            raise MonitorError(f"无法识别的报告期“{text}”：应写作 2025、2025年、2025年第二季度或 2025年6月") from exc
    due = [p for row, p in rows if row.due_on <= today]
    if not due:
        raise MonitorError(f"截至 {today.isoformat()}，{region}还没有到报送期限的数据；请用 --period 指定报告期")
    return max(due, key=lambda p: (p.end, p.freq == ANNUAL))


def _belongs(period: Period, chosen: Period) -> bool:
    return period == chosen or (chosen.freq == ANNUAL and period.year == chosen.year)


def write_template(template: Template, path: Path, *, return_to: str | None = None) -> Path:
    """Write the workbook to ``path`` (an .xlsx) and return it."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    _data_sheet(sheet, template)
    _guide_sheet(book.create_sheet(GUIDE), template, return_to or DEFAULT_RETURN)
    book.properties.title = template.title
    book.properties.creator = "plan-pace-monitor"
    path = Path(path)
    book.save(path)
    return path


def _data_sheet(sheet, template: Template) -> None:  # type: ignore[no-untyped-def]
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
    from openpyxl.worksheet.datavalidation import DataValidation

    last = len(HEADER)
    sheet.append([template.title])
    sheet.append([f"请在“数值”列填写{period_words(template.period)}的数值（按“单位”列的单位，不带单位），"
                  "“来源”“备注”可选填；其他列请勿改动，暂无数据的留空。详见“填表说明”工作表。"])
    sheet.append(list(HEADER))
    for row in template.rows:
        sheet.append([template.region_name, row.indicator_name, row.unit, period_words(row.period), None, None, None])
    for number in (1, 2):
        sheet.merge_cells(start_row=number, start_column=1, end_row=number, end_column=last)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[2].height = 32
    thin = Side(style="thin", color="999999")
    grey, yellow = PatternFill("solid", fgColor="DDDDDD"), PatternFill("solid", fgColor="FFF2CC")
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.fill = grey
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    end = FIRST_ROW + len(template.rows) - 1
    for cells in sheet.iter_rows(min_row=FIRST_ROW, max_row=end, max_col=last):
        for cell in cells:
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
            if cell.column >= VALUE_COLUMN:
                cell.protection = Protection(locked=False)
            if cell.column == VALUE_COLUMN:
                cell.fill = yellow
                cell.number_format = "General"
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[chr(64 + index)].width = width
    check = DataValidation(type="decimal", operator="between", formula1=str(-_LIMIT), formula2=str(_LIMIT),
                           allow_blank=True, showErrorMessage=True, showInputMessage=True,
                           errorTitle="请填写数字", error="“数值”列只能填写数字（可带小数），单位见“单位”列；暂无数据请留空。",
                           promptTitle="数值", prompt="按“单位”列的单位填写数字，暂无数据请留空")
    sheet.add_data_validation(check)
    check.add(f"{chr(64 + VALUE_COLUMN)}{FIRST_ROW}:{chr(64 + VALUE_COLUMN)}{end}")
    sheet.freeze_panes = f"A{FIRST_ROW}"
    protection = sheet.protection
    protection.sheet = True  # no password: against slips, not people
    protection.formatColumns = protection.formatRows = protection.formatCells = False


def _guide_sheet(sheet, template: Template, return_to: str) -> None:  # type: ignore[no-untyped-def]
    from openpyxl.styles import Alignment, Font

    when = period_words(template.period)
    lines = [
        "填表说明",
        f"1. 本表用于报送{template.region_name}{when}的规划指标数据，共 {len(template.rows)} 项，"
        f"指标来自：{'、'.join(template.plans)}。",
        "2. 只在“数据”工作表的“数值”列（黄色）填写数字。按“单位”列所示单位填写，不要带单位："
        "单位为“亿元”时，1085万元填 0.1085；单位为“%”时，2.5% 填 2.5（直接输入 2.5% 也可以）。",
        "3. 请勿改动“地区”“指标”“单位”“期间”四列和表头，不要增删行列，不要改动工作表名称“数据”，"
        "也不要把数字写成文字（如“约100”“100左右”）。某项指标暂无数据时，“数值”留空即可，留空的行不导入。",
        "4. “来源”填写数据出处（如 统计年鉴、统计快报、部门统计），“备注”填写需要说明的情况"
        "（如初步数、口径变化），都可以不填。",
        "5. 数据按规划印制的指标口径填写；同一指标同一期间只填一个数值。",
        "6. 填好后直接保存（保持 .xlsx 格式，不要另存为 .xls 或 .csv），文件名可以不改。",
        f"7. 交回：{return_to}。",
        "8. 文件提交后由系统自动检查：有错时整份文件都不导入，并逐行说明原因（第几行、哪一列、应怎样填写）；"
        "按说明改正后重新提交整份文件即可。已经导入的数值，重新提交时以新数值为准并保留修订记录。",
    ]
    for line in lines:
        sheet.append([line])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.column_dimensions["A"].width = 110
    for cells in sheet.iter_rows(min_row=2, max_row=len(lines)):
        cells[0].alignment = Alignment(wrap_text=True, vertical="top")
