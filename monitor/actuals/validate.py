"""Check every row of a submitted table against the plans; return clean rows or refuse the whole file."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import pandas as pd

from monitor.actuals.catalogue import Catalogue, IndicatorRef, RegionRef
from monitor.actuals.normalise import (
    HEADER_ALIASES,
    REQUIRED_ROLES,
    basis_is_cumulative,
    convert,
    header_role,
    is_percent_sign,
    is_percent_unit,
    parse_number,
    same_unit,
    unit_key,
)
from monitor.actuals.reader import RawRow, RawTable
from monitor.core import columns as c
from monitor.core.periods import ANNUAL, Period, parse_period
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
_PERIOD_FORMS = "a year, quarter or month such as 2023, 2023Q2 or 2023-06"
_MAX_LISTED_REGIONS = 10
_AMBIGUOUS_MONTH = re.compile(r"\d{4}\.1")  # January as typed, but also October: Excel shows 2023.10 as 2023.1
# 'Did you mean' hints are worked out for this many different unknown indicator labels of a file, no more: each is a
# fuzzy match against every label of the region (about 1 ms), and a file of 100,000 rows of different wrong labels
# took two minutes to refuse. Later rows still get their problem, without a hint.
MAX_HINTED_LABELS = 1000

# The kinds whose rows are rates: each year's growth rate (8.1 = 增长8.1%) or decline (3.1 = 下降3.1%), in %.
_RATES = {"yearly_rate": "各年增长率", "reduction": "各年降低率"}
# How the 口径 messages name the kind of an indicator that does not take a restated cumulative figure.
_KIND_WORDS = {
    "level": "水平值指标（kind: level，报送期末水平）",
    "cumulative": "期内累计指标（kind: cumulative，报送各期发生量，由系统逐期累加）",
    "growth_rate": "年均增长指标（kind: growth_rate，报送水平值，由系统计算增长）",
    "yearly_rate": "各年增长率指标（kind: yearly_rate，报送各年增长率，由系统平均）",
    "reduction": "累计降低指标（kind: reduction）",
}
_BASIS_VALUES = "留空、当年或本年（该期自身的数值），或累计（规划期初以来的累计数）"
_CUMULATIVE_KINDS = (
    "口径留空或填当年、本年。只有累计降低指标（kind: reduction）接受累计：其目标就是规划期初以来的累计降低率，"
    "统计部门重述的累计降幅（如“2021—2023年累计下降6.2%”）可直接对照；其他指标按各期自身的数值计算，"
    "累计数会被当作当期值"
)
_CUMULATIVE_PERIOD = "年度期间：累计数记在累计区间的最后一年，如“2021—2023年累计下降6.2%”填期间2023、数值6.2、口径累计"


def validate(table: RawTable, catalogue: Catalogue, *, submitted_by: str | None = None) -> pd.DataFrame:
    """The rows of ``table`` in plan units (columns: COLUMNS), or one DataError listing every bad row."""
    headers = _roles(table)
    if not table.rows:
        problem = Problem(table.file, None, None, "no data rows under the header", "at least one data row")
        raise DataError(f"{table.file}: no data rows; nothing was imported", [problem])
    records: list[dict] = []
    problems: list[Problem] = []
    first_row: dict[tuple[str, str, str], int] = {}
    hints = _Hints(catalogue)
    for raw in table.rows:
        record, found = _check_row(raw, headers, catalogue, hints, table.file)
        if record is not None:
            key = (record[c.REGION_CODE], record[c.INDICATOR_ID], record[c.PERIOD])
            earlier = first_row.setdefault(key, raw.number)
            if earlier != raw.number:
                found.append(Problem(
                    table.file, raw.number, " × ".join(headers[r][0] for r in ("region", "indicator", "period")),
                    f"{key[0]} × {key[1]} × {key[2]} is already given in row {earlier}",
                    "each region × indicator × period once per file",
                ))
        if found:
            problems.extend(found)
        elif record is not None:
            record[SUBMITTED_BY] = record[SUBMITTED_BY] or submitted_by
            records.append(record)
    if problems:
        refused = len({p.row for p in problems})
        summary = f"{table.file}: {refused} of {len(table.rows)} rows refused; nothing was imported"
        raise DataError(summary, problems)
    return _frame(records)


_Ref = TypeVar("_Ref", RegionRef, IndicatorRef)
_MAY_REPEAT = ("region", "indicator")  # e.g. 区县 and 行政区划代码 side by side; they must then agree


def _roles(table: RawTable) -> dict[str, list[str]]:
    """Role → headers as written; one Problem per missing required column or per other role named twice."""
    headers: dict[str, list[str]] = {}
    problems: list[Problem] = []
    found = ", ".join(table.header)
    for text in table.header:
        role = header_role(text)
        if role is None:
            continue
        if role in headers and role not in _MAY_REPEAT:
            problems.append(Problem(table.file, table.header_row, text,
                                    f"columns {headers[role][0]!r} and {text!r} both give the {role}",
                                    "one of them only"))
            continue
        headers.setdefault(role, []).append(text)
    for role in REQUIRED_ROLES:
        if role not in headers:
            names = ", ".join(HEADER_ALIASES[role])
            message = f"no {role} column (headers found: {found})"
            problems.append(Problem(table.file, table.header_row, None, message, f"a column named one of {names}"))
    if problems:
        raise DataError(f"{table.file}: the header row is not usable; nothing was imported", problems)
    return headers


@dataclass(frozen=True)
class _Cells:
    """A row's cells by role, with the headers they came from, for messages."""

    raw: RawRow
    headers: dict[str, list[str]]
    file: str

    def header(self, role: str) -> str | None:
        return self.headers[role][0] if role in self.headers else None

    def get(self, role: str) -> str:
        header = self.header(role)
        return self.raw.cells.get(header, "") if header else ""

    def given(self, role: str) -> list[tuple[str, str]]:
        """(header, text) of every non-empty cell of a role that may have several columns."""
        return [(h, self.raw.cells[h]) for h in self.headers.get(role, []) if self.raw.cells.get(h)]

    def problem(self, header: str | None, message: str, expected: str | None = None) -> Problem:
        return Problem(self.file, self.raw.number, header, message, expected)

    def problem_in(self, role: str, message: str, expected: str | None = None) -> Problem:
        return self.problem(self.header(role), message, expected)


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


def _check_row(
    raw: RawRow, headers: dict[str, list[str]], catalogue: Catalogue, hints: _Hints, file: str
) -> tuple[dict | None, list[Problem]]:
    """The row as a record (None if its key cannot be read) and every problem found in it."""
    row = _Cells(raw, headers, file)
    problems: list[Problem] = []
    if raw.extra:
        cells = ", ".join(map(repr, raw.extra))
        expected = 'every cell under a named column; in CSV, quote numbers with commas: "1,234.5"'
        problems.append(row.problem(None, f"cells outside the named columns: {cells}", expected))
    region = _region(row, catalogue, problems)
    indicator = _indicator(row, region, catalogue, hints, problems)
    period = _period(row, problems)
    # What a row may say depends on the indicator's kind in the plan in force for its period (IndicatorRef.kinds_in:
    # the plan of latest start not after the period's year, as `succeeds` hands an indicator over), since one id may
    # be a 十四五 level and a 十五五 reduction. Where plans starting in the same year disagree, a rate's checks apply
    # if any of them makes it a rate, and 累计 only if all of them make it a reduction.
    kinds = indicator.kinds_in(period.year if period else None) if indicator else frozenset()
    value, unit = _value(row, indicator, period, kinds, problems)
    not_a_year = _rate(row, indicator, period, kinds, value, problems)
    cumulative = _basis(row, indicator, period, kinds, not_a_year, problems)
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
    }, problems


def _region(row: _Cells, catalogue: Catalogue, problems: list[Problem]) -> RegionRef | None:
    given = row.given("region")
    if not given:
        problems.append(row.problem_in("region", "the region is empty", _regions_expected(catalogue)))
        return None
    found: dict[str, RegionRef | None] = {}
    for header, text in given:
        found[header] = catalogue.region(text)
        if found[header] is None:
            problems.append(row.problem(header, f"unknown region {text!r}", _regions_expected(catalogue)))
    return _agreed(row, given, found, lambda ref: ref.code, "regions", problems)


def _regions_expected(catalogue: Catalogue) -> str:
    """What a region cell may say, listing the first regions of the plans (written only for a problem)."""
    shown = [f"{r.code} {r.name}" for r in catalogue.regions]
    expected = "a region code or name of a plan: " + ", ".join(shown[:_MAX_LISTED_REGIONS])
    return expected + (", …" if len(shown) > _MAX_LISTED_REGIONS else "")


def _indicator(
    row: _Cells, region: RegionRef | None, catalogue: Catalogue, hints: _Hints, problems: list[Problem]
) -> IndicatorRef | None:
    given = row.given("indicator")
    if not given:
        problems.append(row.problem_in("indicator", "the indicator is empty", "an indicator id, name or alias"))
        return None
    if region is None:
        return None
    found: dict[str, IndicatorRef | None] = {}
    for header, label in given:
        found[header] = catalogue.indicator(region.code, label)
        if found[header] is None:
            similar = hints(region.code, label)
            hint = "; did you mean " + " or ".join(repr(h) for h in similar) if similar else ""
            problems.append(row.problem(header, f"unknown indicator {label!r} for {region.name}",
                                        f"an indicator id, name or alias from {region.name}'s plans{hint}"))
    return _agreed(row, given, found, lambda ref: ref.indicator_id, "indicators", problems)


def _agreed(
    row: _Cells,
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
        said = " but ".join(f"{header} says {text!r}" for header, text in given)
        message = f"the columns name different {what}: {said}"
        problems.append(row.problem(" / ".join(h for h, _ in given), message, "columns that agree, or one of them"))
        return None
    return next(iter(found.values()))


def _period(row: _Cells, problems: list[Problem]) -> Period | None:
    text = row.get("period")
    if not text:
        problems.append(row.problem_in("period", "the period is empty", _PERIOD_FORMS))
        return None
    if _AMBIGUOUS_MONTH.fullmatch(text):
        year = text[:4]
        message = f"{text!r} may mean {year}-01 or {year}-10 (a number cell shows {year}.10 as {text})"
        problems.append(row.problem_in("period", message, f"{year}-01 or {year}-10"))
        return None
    try:
        return parse_period(text)
    except ValueError as exc:
        reason = "" if str(exc).startswith("not a period") else f": {exc}"
        problems.append(row.problem_in("period", f"{text!r} is not a period{reason}", _PERIOD_FORMS))
        return None


def _value(
    row: _Cells, indicator: IndicatorRef | None, period: Period | None, kinds: frozenset[str], problems: list[Problem]
) -> tuple[float | None, str | None]:
    """The value in the indicator's unit, and the unit it was written in (unit column, else its % or ‰)."""
    text, unit_text = row.get("value"), row.get("unit")
    try:
        number = parse_number(text)
    except ValueError as exc:
        problems.append(row.problem_in("value", str(exc), "a number such as 1234.5, 1,234.5 or 12.5%"))
        return None, unit_text or None
    written = unit_text or number.suffix
    if number.suffix and unit_text and not same_unit(number.suffix, unit_text):
        problems.append(row.problem_in("value", f"{text!r} is written in {number.suffix} but the unit column says "
                                    f"{unit_text!r}", "the same unit in both, or the unit in one place"))
        return None, written
    if indicator is None:
        return None, written
    rates = [_RATES[kind] for kind in sorted(kinds & _RATES.keys())]
    if rates and written is not None and not is_percent_sign(written):
        # a rate is in %: not ‰, and not 个百分点 (the difference of two percentages, not a rate of change)
        why = "（个百分点是两个百分比之差，不是增长率或降低率）" if unit_key(written) in ("个百分点", "百分点") else ""
        message = f"{_name(indicator, period)}报送{'、'.join(rates)}，单位须为%，不能是 {written!r}{why}"
        problems.append(row.problem_in("unit" if unit_text else "value", message,
                                       "以%为单位的数值，如 8.1 或 8.1%（单位可留空）"))
        return None, written
    if number.suffix and not is_percent_unit(indicator.unit):
        message = f"{text!r} has a {number.suffix} sign but {indicator.indicator_id} is measured in {indicator.unit}"
        problems.append(row.problem_in("value", message, f"a number in {indicator.unit}"))
        return None, written
    if written is None:
        return number.value, None
    try:
        converted = convert(number.value, written, indicator.unit)
    except ValueError as exc:
        field = "unit" if unit_text else "value"
        message = (f"unit {written!r} does not convert to {indicator.unit!r}, the unit of {indicator.indicator_id}"
                   f" ({exc})")
        problems.append(row.problem_in(field, message, f"a value in {indicator.unit}"))
        return None, written
    if not math.isfinite(converted):  # a value near the float limit, multiplied by 10^8 (亿元 → 元)
        shown = text if len(text) <= 24 else text[:24] + "…"
        message = f"{shown!r}（{written}）换算为 {indicator.unit} 后超出了能计算的范围，不像是统计数值"
        problems.append(row.problem_in("value", message, f"a value in {indicator.unit}"))
        return None, written
    return converted, written


def _rate(
    row: _Cells,
    indicator: IndicatorRef | None,
    period: Period | None,
    kinds: frozenset[str],
    value: float | None,
    problems: list[Problem],
) -> bool:
    """Check a row of a rate indicator (yearly_rate, reduction): a possible rate, for a year. True when the period
    was refused for not being a year."""
    if indicator is None or not kinds & _RATES.keys():
        return False
    name = _name(indicator, period)
    if value is not None:
        text = row.get("value")
        if "yearly_rate" in kinds and value <= -100:
            message = f"{name}的增长率 {text!r} 不可能：增长率须大于 -100%（下降100%即降为零）"
            problems.append(row.problem_in("value", message, "大于 -100 的增长率（%），如 8.1 表示增长8.1%"))
        if "reduction" in kinds and value >= 100:
            message = f"{name}的降低率 {text!r} 不可能：下降100%或更多即降到零或以下"
            problems.append(row.problem_in("value", message,
                                           "小于 100 的降低率（%），如 3.1 表示下降3.1%；上升时填负数，如 -1.2"))
    if period is not None and period.freq != ANNUAL:
        rates = "、".join(_RATES[kind] for kind in sorted(kinds & _RATES.keys()))
        message = f"{name}按年报送{rates}，期间 {period.label} 不是年度"
        problems.append(row.problem_in("period", message, "年度期间，如 2023"))
        return True
    return False


def _basis(
    row: _Cells,
    indicator: IndicatorRef | None,
    period: Period | None,
    kinds: frozenset[str],
    not_a_year: bool,
    problems: list[Problem],
) -> bool:
    """True for a restated cumulative figure (口径 累计): only of a reduction indicator, only for a year."""
    text = row.get("basis")
    cumulative = basis_is_cumulative(text)
    if cumulative is None:
        problems.append(row.problem_in("basis", f"口径 {text!r} 无法识别", _BASIS_VALUES))
        return False
    if not cumulative:
        return False
    if indicator is not None and kinds != {"reduction"}:
        words = "、".join(_KIND_WORDS[kind] for kind in sorted(kinds)) or "不是累计降低指标"
        when = ""
        if period is not None and len(indicator.kinds) > 1:  # its plans disagree on the kind: say whose it is
            when = f"在 {period.year} 年适用的规划中"
        message = f"口径为累计，但{_name(indicator, period)}{when}是{words}，不接受累计口径"
        problems.append(row.problem_in("basis", message, _CUMULATIVE_KINDS))
    if period is not None and period.freq != ANNUAL and not not_a_year:  # else refused already as a rate's period
        field = " / ".join(h for h in (row.header("period"), row.header("basis")) if h)
        problems.append(row.problem(field, f"口径为累计，但期间 {period.label} 不是年度", _CUMULATIVE_PERIOD))
    return True


def _name(indicator: IndicatorRef, period: Period | None) -> str:
    """The indicator's name as printed by the plan in force for the period."""
    return indicator.name_in(period.year if period else None)


def _frame(records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=COLUMNS)
    frame[c.PERIOD_END] = pd.to_datetime(frame[c.PERIOD_END]).astype("datetime64[ns]")
    frame[c.VALUE] = frame[c.VALUE].astype(float)
    frame[CUMULATIVE] = frame[CUMULATIVE].astype(bool)
    frame[ROW] = frame[ROW].astype("int64")
    for name in (ORIGINAL_UNIT, SOURCE, c.NOTE, SUBMITTED_BY):
        frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
    return frame
