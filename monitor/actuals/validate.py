"""Check every row of a submitted table against the plans; return clean rows or refuse the whole file."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import pandas as pd

from monitor.actuals.catalogue import Catalogue, IndicatorRef, RegionRef
from monitor.actuals.cells import Cells, printed_name
from monitor.actuals.kinds import RATES, check_basis, check_rate
from monitor.actuals.layout import is_wide, long_form, region_of_file
from monitor.actuals.normalise import (
    HEADER_ALIASES,
    REQUIRED_ROLES,
    convert,
    header_role,
    is_percent_sign,
    is_percent_unit,
    parse_number,
    period_label,
    period_words,
    same_unit,
    unit_key,
)
from monitor.actuals.reader import RawTable
from monitor.core import columns as c
from monitor.core.periods import Period, parse_period
from monitor.errors import DataError, Problem

ORIGINAL_VALUE = "original_value"
ORIGINAL_UNIT = "original_unit"
SOURCE = "source"
SUBMITTED_BY = "submitted_by"
ROW = "row"
# 口径 累计: an officially restated cumulative figure since the plan start (stored as observations.cumulative)
CUMULATIVE = "cumulative"
COLUMNS = [
    c.REGION_CODE, c.INDICATOR_ID, c.PERIOD, c.FREQ, c.PERIOD_END, c.VALUE, c.UNIT, CUMULATIVE,
    ORIGINAL_VALUE, ORIGINAL_UNIT, SOURCE, c.NOTE, SUBMITTED_BY, ROW,
]
_PERIOD_FORMS = "年度、季度或月份，如 2023、2023年、2023年第二季度、2023Q2、2023年6月或 2023-06"
# What each role of a column is called in messages.
ROLE_WORDS = {"region": "地区", "indicator": "指标", "period": "期间", "value": "数值", "unit": "单位",
              "source": "来源", "note": "备注", "submitted_by": "报送人", "basis": "口径"}
_MAX_LISTED_REGIONS = 10
_AMBIGUOUS_MONTH = re.compile(r"\d{4}\.1")  # January as typed, but also October: Excel shows 2023.10 as 2023.1
# 'Did you mean' hints are worked out for this many different unknown indicator labels of a file, no more: each is a
# fuzzy match against every label of the region (about 1 ms), and a file of 100,000 rows of different wrong labels
# took two minutes to refuse. Later rows still get their problem, without a hint.
MAX_HINTED_LABELS = 1000

@dataclass(frozen=True)
class Checked:
    """The rows of a file to store (columns: COLUMNS) and the numbers of its rows left blank (no value)."""

    rows: pd.DataFrame
    blank: tuple[int, ...] = ()


def validate(table: RawTable, catalogue: Catalogue, *, submitted_by: str | None = None,
             region: RegionRef | None = None) -> pd.DataFrame:
    """The rows of ``table`` in plan units (columns: COLUMNS), or one DataError listing every bad row."""
    return check(table, catalogue, submitted_by=submitted_by, region=region).rows


def check(table: RawTable, catalogue: Catalogue, *, submitted_by: str | None = None,
          region: RegionRef | None = None) -> Checked:
    """Every row of ``table`` checked; rows with an empty value are left out as blank (a template's rows the
    county did not fill in, blank year cells of the wide layout). A DataError lists every bad row at once, and
    refuses a file with no value at all. ``region`` is the county of a file without a region column (else its
    name must say it, e.g. 城口县_2025.xlsx); with a region column, every row must name it."""
    blank: list[int] = []
    if is_wide(table):
        table, blank = long_form(table)
    headers = _roles(table)
    if "region" not in headers:
        region = region or _region_of_file(table, catalogue)
    if not table.rows and not blank:
        problem = Problem(table.file, None, None, "列名行下面没有数据行", "至少一行数据")
        raise DataError(f"{table.file}：没有数据行，未导入任何数据", [problem], chinese=True)
    records: list[dict] = []
    problems: list[Problem] = []
    first_row: dict[tuple[str, str, str], int] = {}
    hints = _Hints(catalogue)
    for raw in table.rows:
        row = Cells(raw, headers, table.file)
        if not row.get("value").strip():
            blank.append(raw.number)
            continue
        record, found = _check_row(row, catalogue, hints, region)
        if record is not None:
            key = (record[c.REGION_CODE], record[c.INDICATOR_ID], record[c.PERIOD])
            earlier = first_row.setdefault(key, raw.number)
            if earlier != raw.number:
                roles = [r for r in ("region", "indicator", "period") if r in headers]
                found.append(row.problem(
                    " × ".join(row.shown(headers[r][0]) for r in roles),
                    f"{record.pop(_NAMES)}已在第 {earlier} 行填写过", "同一地区、指标、期间在一个文件中只填一次"))
        if found:
            problems.extend(found)
        elif record is not None:
            record.pop(_NAMES, None)
            record[SUBMITTED_BY] = record[SUBMITTED_BY] or submitted_by
            records.append(record)
    if problems:
        refused = len({p.row for p in problems})
        total = len({raw.number for raw in table.rows} - set(blank))
        summary = f"{table.file}：{total} 行数据中有 {refused} 行有错，整个文件未导入"
        raise DataError(summary, problems, chinese=True)
    if not records:
        column = "、".join(f"“{h}”" for h in headers.get("value", [])) or "数值"
        message = f"{len(blank)} 行都没有填写数值（{column}列为空），没有可导入的数据"
        problem = Problem(table.file, None, None, message, "在数值列填写报送的数值后再报送；不需要报送的行可以留空")
        raise DataError(f"{table.file}：没有填写任何数值，未导入任何数据", [problem], chinese=True)
    return Checked(_frame(records), tuple(sorted(blank)))


def _region_of_file(table: RawTable, catalogue: Catalogue) -> RegionRef:
    """The region a file without a region column is for, from its name; a DataError when the name does not say."""
    found = region_of_file(table.file, catalogue)
    if len(found) == 1:
        return found[0]
    names = "、".join(ref.name for ref in found)
    message = (f"文件没有“地区”列，文件名中有多个地区（{names}），无法判断是哪个地区的数据" if found else
               "文件没有“地区”列，文件名中也没有地区名称，无法判断是哪个地区的数据")
    expected = "加一列“地区”，或在文件名中写明地区，如 城口县_2025年.xlsx（命令行导入时也可用 --region 指定）"
    raise DataError(f"{table.file}：不知道是哪个地区的数据，未导入任何数据",
                    [Problem(table.file, table.header_row, None, message, expected)], chinese=True)


_Ref = TypeVar("_Ref", RegionRef, IndicatorRef)
_MAY_REPEAT = ("region", "indicator")  # e.g. 区县 and 行政区划代码 side by side; they must then agree


def _roles(table: RawTable) -> dict[str, list[str]]:
    """Role → headers as written; one Problem per missing required column or per other role named twice."""
    headers: dict[str, list[str]] = {}
    problems: list[Problem] = []
    found = "、".join(table.header)
    for text in table.header:
        role = header_role(text)
        if role is None:
            continue
        if role in headers and role not in _MAY_REPEAT:
            problems.append(Problem(table.file, table.header_row, text,
                                    f"“{headers[role][0]}”和“{text}”两列都是{ROLE_WORDS[role]}", "只保留其中一列"))
            continue
        headers.setdefault(role, []).append(text)
    for role in REQUIRED_ROLES:
        if role not in headers and role != "region":  # without a region column, --region or the file name says it
            names = "、".join(HEADER_ALIASES[role])
            message = f"缺少“{ROLE_WORDS[role]}”列（找到的列名：{found}）"
            problems.append(Problem(table.file, table.header_row, None, message, f"列名为 {names} 之一的列"))
    if problems:
        raise DataError(f"{table.file}：列名行不可用，未导入任何数据", problems, chinese=True)
    return headers


class _Hints:
    """Catalogue.suggestions for the unknown labels of one file: once per label, for MAX_HINTED_LABELS labels."""

    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        self.found: dict[tuple[str, str], list[str]] = {}

    def __call__(self, region_code: str, label: str) -> list[str]:
        key = (region_code, label)
        if key not in self.found:
            if len(self.found) >= MAX_HINTED_LABELS:
                return []
            self.found[key] = self.catalogue.suggestions(region_code, label)
        return self.found[key]


_NAMES = "_names"  # a record's region, indicator and period in words, for the message of a repeated row


def _check_row(
    row: Cells, catalogue: Catalogue, hints: _Hints, file_region: RegionRef | None
) -> tuple[dict | None, list[Problem]]:
    """The row as a record (None if its key cannot be read) and every problem found in it. ``file_region``: the
    region of the whole file (--region, or the file's name when it has no region column)."""
    raw = row.raw
    problems: list[Problem] = []
    if raw.extra:
        cells = "、".join(f"“{text}”" for text in raw.extra)
        expected = '每个单元格都在有列名的列中；CSV 中带千分位逗号的数要加引号，如 "1,234.5"'
        problems.append(row.problem(None, f"有单元格不在任何列名下：{cells}", expected))
    region = _region(row, catalogue, file_region, problems)
    indicator = _indicator(row, region, catalogue, hints, problems)
    period = _period(row, problems)
    # What a row may say depends on the indicator's kind in the plan in force for its period (IndicatorRef.kinds_in:
    # the plan of latest start not after the period's year, as `succeeds` hands an indicator over), since one id may
    # be a 十四五 level and a 十五五 reduction. Where plans starting in the same year disagree, a rate's checks apply
    # if any of them makes it a rate, and 累计 only if all of them make it a reduction.
    kinds = indicator.kinds_in(period.year if period else None) if indicator else frozenset()
    value, unit = _value(row, indicator, period, kinds, problems)
    not_a_year = check_rate(row, indicator, period, kinds, value, problems)
    cumulative = check_basis(row, indicator, period, kinds, not_a_year, problems)
    if indicator is None or period is None:
        return None, problems
    return {
        c.REGION_CODE: indicator.region_code,
        c.INDICATOR_ID: indicator.indicator_id,
        c.PERIOD: period.label,
        c.FREQ: period.freq,
        c.PERIOD_END: period.end,
        c.VALUE: value,
        c.UNIT: indicator.unit,
        CUMULATIVE: cumulative,
        ORIGINAL_VALUE: row.get("value"),
        ORIGINAL_UNIT: unit,
        SOURCE: row.get("source") or None,
        c.NOTE: row.get("note") or None,
        SUBMITTED_BY: row.get("submitted_by") or None,
        ROW: raw.number,
        _NAMES: f"{indicator.region_name} {printed_name(indicator, period)} {period_words(period.label)}",
    }, problems


def _region(row: Cells, catalogue: Catalogue, file_region: RegionRef | None,
            problems: list[Problem]) -> RegionRef | None:
    if "region" not in row.headers:
        return file_region
    given = row.given("region")
    if not given:
        if file_region is not None:
            return file_region
        problems.append(row.problem_in("region", "地区为空", _regions_expected(catalogue)))
        return None
    found: dict[str, RegionRef | None] = {}
    for header, text in given:
        found[header] = catalogue.region(text)
        if found[header] is None:
            problems.append(row.problem(header, f"不认识的地区“{text}”", _regions_expected(catalogue)))
    region = _agreed(row, given, found, lambda ref: ref.code, "地区", problems)
    if region is not None and file_region is not None and region.code != file_region.code:
        header, text = given[0]
        problems.append(row.problem(header, f"地区“{text}”与指定的地区“{file_region.name}”不一致",
                                    f"{file_region.name}的数据；其他地区的数据请另行导入"))
        return None
    return region


def _regions_expected(catalogue: Catalogue) -> str:
    """What a region cell may say, listing the first regions of the plans (written only for a problem)."""
    shown = [f"{r.name}（{r.code}）" for r in catalogue.regions]
    expected = "规划中的地区名称或代码：" + "、".join(shown[:_MAX_LISTED_REGIONS])
    return expected + ("等" if len(shown) > _MAX_LISTED_REGIONS else "")


def _indicator(
    row: Cells, region: RegionRef | None, catalogue: Catalogue, hints: _Hints, problems: list[Problem]
) -> IndicatorRef | None:
    given = row.given("indicator")
    if not given:
        problems.append(row.problem_in("indicator", "指标为空", "规划中印制的指标名称、别名或指标 ID"))
        return None
    if region is None:
        return None
    found: dict[str, IndicatorRef | None] = {}
    for header, label in given:
        found[header] = catalogue.indicator(region.code, label)
        if found[header] is None:
            similar = _printed(catalogue, region.code, hints(region.code, label))
            hint = "；是否指：" + "、".join(f"“{h}”" for h in similar) if similar else ""
            problems.append(row.problem(header, f"{region.name}的规划中没有指标“{label}”",
                                        f"{region.name}规划中印制的指标名称、别名或指标 ID{hint}"))
    return _agreed(row, given, found, lambda ref: ref.indicator_id, "指标", problems)


def _printed(catalogue: Catalogue, region_code: str, labels: list[str]) -> list[str]:
    """The printed names of the indicators ``labels`` name (a hint shows the name, not an id)."""
    names = [ref.name for label in labels if (ref := catalogue.indicator(region_code, label)) is not None]
    return list(dict.fromkeys(names))


def _agreed(
    row: Cells,
    given: list[tuple[str, str]],
    found: dict[str, _Ref | None],
    key: Callable[[_Ref], str],
    what: str,
    problems: list[Problem],
) -> _Ref | None:
    """The one thing every column of a role names; None (and a Problem if they disagree) otherwise."""
    if any(ref is None for ref in found.values()):
        return None
    if len({key(ref) for ref in found.values()}) > 1:
        said = "，".join(f"“{header}”列为“{text}”" for header, text in given)
        message = f"各列所指的{what}不一致：{said}"
        problems.append(row.problem(" / ".join(h for h, _ in given), message, "各列一致，或只保留其中一列"))
        return None
    return next(iter(found.values()))


def _period(row: Cells, problems: list[Problem]) -> Period | None:
    text = row.get("period")
    if not text:
        problems.append(row.problem_in("period", "期间为空", _PERIOD_FORMS))
        return None
    if _AMBIGUOUS_MONTH.fullmatch(text):
        year = text[:4]
        message = f"“{text}”可能是 {year} 年 1 月，也可能是 10 月（数字单元格会把 {year}.10 显示为 {text}）"
        problems.append(row.problem_in("period", message, f"{year}年1月 或 {year}年10月"))
        return None
    try:
        return parse_period(period_label(text))
    except ValueError as exc:
        out_of_range = _OUT_OF_RANGE.match(str(exc))
        reason = f"（{_RANGE_WORDS[out_of_range[1]]} {out_of_range[2]} 超出范围）" if out_of_range else ""
        problems.append(row.problem_in("period", f"“{text}”不是可识别的期间{reason}", _PERIOD_FORMS))
        return None


_OUT_OF_RANGE = re.compile(r"(year|month) (\d+) is out of range")  # monitor.core.periods.parse_period's words
_RANGE_WORDS = {"year": "年份", "month": "月份"}


def _value(
    row: Cells, indicator: IndicatorRef | None, period: Period | None, kinds: frozenset[str], problems: list[Problem]
) -> tuple[float | None, str | None]:
    """The value in the indicator's unit, and the unit it was written in (unit column, else its % or ‰)."""
    text, unit_text = row.get("value"), row.get("unit")
    try:
        number = parse_number(text)
    except ValueError as exc:
        problems.append(row.problem_in("value", str(exc), "数值，如 1234.5、1,234.5 或 12.5%"))
        return None, unit_text or None
    written = unit_text or number.suffix
    if number.suffix and unit_text and not same_unit(number.suffix, unit_text):
        problems.append(row.problem_in("value", f"数值“{text}”带有 {number.suffix}，但单位列为“{unit_text}”",
                                       "两处单位一致，或只在一处写单位"))
        return None, written
    if indicator is None:
        return None, written
    rates = [RATES[kind] for kind in sorted(kinds & RATES.keys())]
    if rates and written is not None and not is_percent_sign(written):
        # a rate is in %: not ‰, and not 个百分点 (the difference of two percentages, not a rate of change)
        why = "（个百分点是两个百分比之差，不是增长率或降低率）" if unit_key(written) in ("个百分点", "百分点") else ""
        message = f"{printed_name(indicator, period)}报送{'、'.join(rates)}，单位须为%，不能是“{written}”{why}"
        problems.append(row.problem_in("unit" if unit_text else "value", message,
                                       "以%为单位的数值，如 8.1 或 8.1%（单位可留空）"))
        return None, written
    if number.suffix and not is_percent_unit(indicator.unit):
        message = f"数值“{text}”带有 {number.suffix} 号，但{printed_name(indicator, period)}的单位是“{indicator.unit}”"
        problems.append(row.problem_in("value", message, f"以“{indicator.unit}”为单位的数值（不带 {number.suffix} 号）"))
        return None, written
    if written is None:
        return number.value, None
    try:
        converted = convert(number.value, written, indicator.unit)
    except ValueError as exc:
        field = "unit" if unit_text else "value"
        message = f"{exc}（{printed_name(indicator, period)}的单位是“{indicator.unit}”）"
        problems.append(row.problem_in(field, message, f"以“{indicator.unit}”为单位的数值"))
        return None, written
    if not math.isfinite(converted):  # a value near the float limit, multiplied by 10^8 (亿元 → 元)
        shown = text if len(text) <= 24 else text[:24] + "…"
        message = f"“{shown}”（{written}）换算为 {indicator.unit} 后超出了能计算的范围，不像是统计数值"
        problems.append(row.problem_in("value", message, f"以“{indicator.unit}”为单位的数值"))
        return None, written
    return converted, written


def _frame(records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=COLUMNS)
    frame[c.PERIOD_END] = pd.to_datetime(frame[c.PERIOD_END]).astype("datetime64[ns]")
    frame[c.VALUE] = frame[c.VALUE].astype(float)
    frame[CUMULATIVE] = frame[CUMULATIVE].astype(bool)
    frame[ROW] = frame[ROW].astype("int64")
    for name in (ORIGINAL_UNIT, SOURCE, c.NOTE, SUBMITTED_BY):
        frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
    return frame
