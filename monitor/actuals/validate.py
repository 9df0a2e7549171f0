"""Check every row of a submitted table against the plans; return clean rows or refuse the whole file."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import pandas as pd

from monitor.actuals.catalogue import Catalogue, IndicatorRef, RegionRef
from monitor.actuals.normalise import (
    HEADER_ALIASES,
    REQUIRED_ROLES,
    convert,
    header_role,
    is_percent_unit,
    parse_number,
    same_unit,
)
from monitor.actuals.reader import RawRow, RawTable
from monitor.core import columns as c
from monitor.core.periods import Period, parse_period
from monitor.errors import DataError, Problem

ORIGINAL_VALUE = "original_value"
ORIGINAL_UNIT = "original_unit"
SOURCE = "source"
SUBMITTED_BY = "submitted_by"
ROW = "row"
COLUMNS = [
    c.REGION_CODE, c.INDICATOR_ID, c.PERIOD, c.FREQ, c.PERIOD_END, c.VALUE, c.UNIT,
    ORIGINAL_VALUE, ORIGINAL_UNIT, SOURCE, c.NOTE, SUBMITTED_BY, ROW,
]
_PERIOD_FORMS = "a year, quarter or month such as 2023, 2023Q2 or 2023-06"
_MAX_LISTED_REGIONS = 10
_AMBIGUOUS_MONTH = re.compile(r"\d{4}\.1")  # January as typed, but also October: Excel shows 2023.10 as 2023.1


def validate(table: RawTable, catalogue: Catalogue, *, submitted_by: str | None = None) -> pd.DataFrame:
    """The rows of ``table`` in plan units (columns: COLUMNS), or one DataError listing every bad row."""
    headers = _roles(table)
    if not table.rows:
        problem = Problem(table.file, None, None, "no data rows under the header", "at least one data row")
        raise DataError(f"{table.file}: no data rows; nothing was imported", [problem])
    records: list[dict] = []
    problems: list[Problem] = []
    first_row: dict[tuple[str, str, str], int] = {}
    for raw in table.rows:
        record, found = _check_row(raw, headers, catalogue, table.file)
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


def _check_row(
    raw: RawRow, headers: dict[str, list[str]], catalogue: Catalogue, file: str
) -> tuple[dict | None, list[Problem]]:
    """The row as a record (None if its key cannot be read) and every problem found in it."""
    row = _Cells(raw, headers, file)
    problems: list[Problem] = []
    if raw.extra:
        cells = ", ".join(map(repr, raw.extra))
        expected = 'every cell under a named column; in CSV, quote numbers with commas: "1,234.5"'
        problems.append(row.problem(None, f"cells outside the named columns: {cells}", expected))
    region = _region(row, catalogue, problems)
    indicator = _indicator(row, region, catalogue, problems)
    period = _period(row, problems)
    value, unit = _value(row, indicator, problems)
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
        ORIGINAL_VALUE: row.get("value"),
        ORIGINAL_UNIT: unit,
        SOURCE: row.get("source") or None,
        c.NOTE: row.get("note") or None,
        SUBMITTED_BY: row.get("submitted_by") or None,
        ROW: raw.number,
    }, problems


def _region(row: _Cells, catalogue: Catalogue, problems: list[Problem]) -> RegionRef | None:
    shown = [f"{r.code} {r.name}" for r in catalogue.regions]
    expected = "a region code or name of a plan: " + ", ".join(shown[:_MAX_LISTED_REGIONS])
    expected += ", …" if len(shown) > _MAX_LISTED_REGIONS else ""
    given = row.given("region")
    if not given:
        problems.append(row.problem_in("region", "the region is empty", expected))
        return None
    found: dict[str, RegionRef | None] = {}
    for header, text in given:
        found[header] = catalogue.region(text)
        if found[header] is None:
            problems.append(row.problem(header, f"unknown region {text!r}", expected))
    return _agreed(row, given, found, lambda ref: ref.code, "regions", problems)


def _indicator(
    row: _Cells, region: RegionRef | None, catalogue: Catalogue, problems: list[Problem]
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
            hints = catalogue.suggestions(region.code, label)
            hint = "; did you mean " + " or ".join(repr(h) for h in hints) if hints else ""
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
    row: _Cells, indicator: IndicatorRef | None, problems: list[Problem]
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
    if number.suffix and not is_percent_unit(indicator.unit):
        message = f"{text!r} has a {number.suffix} sign but {indicator.indicator_id} is measured in {indicator.unit}"
        problems.append(row.problem_in("value", message, f"a number in {indicator.unit}"))
        return None, written
    if written is None:
        return number.value, None
    try:
        return convert(number.value, written, indicator.unit), written
    except ValueError as exc:
        field = "unit" if unit_text else "value"
        message = (f"unit {written!r} does not convert to {indicator.unit!r}, the unit of {indicator.indicator_id}"
                   f" ({exc})")
        problems.append(row.problem_in(field, message, f"a value in {indicator.unit}"))
        return None, written


def _frame(records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=COLUMNS)
    frame[c.PERIOD_END] = pd.to_datetime(frame[c.PERIOD_END]).astype("datetime64[ns]")
    frame[c.VALUE] = frame[c.VALUE].astype(float)
    frame[ROW] = frame[ROW].astype("int64")
    for name in (ORIGINAL_UNIT, SOURCE, c.NOTE, SUBMITTED_BY):
        frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
    return frame
