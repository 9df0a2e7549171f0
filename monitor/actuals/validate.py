"""Check every row of a submitted table against the plans; return clean rows or refuse the whole file."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from monitor.actuals.catalogue import Catalogue, IndicatorRef
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
                    table.file, raw.number, " × ".join(headers[r] for r in ("region", "indicator", "period")),
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


def _roles(table: RawTable) -> dict[str, str]:
    """Role → header as written; one Problem per missing required column or per role named twice."""
    headers: dict[str, str] = {}
    problems: list[Problem] = []
    found = ", ".join(table.header)
    for text in table.header:
        role = header_role(text)
        if role is None:
            continue
        if role in headers:
            problems.append(Problem(table.file, table.header_row, text,
                                    f"columns {headers[role]!r} and {text!r} both give the {role}",
                                    "one of them only"))
            continue
        headers[role] = text
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
    """A row's cells by role, with the header each came from, for messages."""

    raw: RawRow
    headers: dict[str, str]
    file: str

    def get(self, role: str) -> str:
        header = self.headers.get(role)
        return self.raw.cells.get(header, "") if header else ""

    def problem(self, role: str | None, message: str, expected: str | None = None) -> Problem:
        return Problem(self.file, self.raw.number, self.headers.get(role) if role else None, message, expected)


def _check_row(
    raw: RawRow, headers: dict[str, str], catalogue: Catalogue, file: str
) -> tuple[dict | None, list[Problem]]:
    """The row as a record (None if its key cannot be read) and every problem found in it."""
    row = _Cells(raw, headers, file)
    problems: list[Problem] = []
    if raw.extra:
        cells = ", ".join(map(repr, raw.extra))
        problems.append(row.problem(None, f"cells outside the named columns: {cells}",
                                    'every cell under a named column; in CSV, quote numbers with commas: "1,234.5"'))
    indicator = _indicator(row, catalogue, problems)
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


def _indicator(row: _Cells, catalogue: Catalogue, problems: list[Problem]) -> IndicatorRef | None:
    region_text, label = row.get("region"), row.get("indicator")
    region = catalogue.region(region_text) if region_text else None
    if region is None:
        shown = [f"{r.code} {r.name}" for r in catalogue.regions]
        more = ", …" if len(shown) > _MAX_LISTED_REGIONS else ""
        what = f"unknown region {region_text!r}" if region_text else "the region is empty"
        problems.append(row.problem("region", what, "a region code or name of a plan: "
                                    + ", ".join(shown[:_MAX_LISTED_REGIONS]) + more))
    if not label:
        problems.append(row.problem("indicator", "the indicator is empty", "an indicator id, name or alias"))
        return None
    if region is None:
        return None
    found = catalogue.indicator(region.code, label)
    if found is None:
        hints = catalogue.suggestions(region.code, label)
        hint = "; did you mean " + " or ".join(repr(h) for h in hints) if hints else ""
        problems.append(row.problem("indicator", f"unknown indicator {label!r} for {region.name}",
                                    f"an indicator id, name or alias from {region.name}'s plans{hint}"))
    return found


def _period(row: _Cells, problems: list[Problem]) -> Period | None:
    text = row.get("period")
    if not text:
        problems.append(row.problem("period", "the period is empty", _PERIOD_FORMS))
        return None
    if _AMBIGUOUS_MONTH.fullmatch(text):
        year = text[:4]
        problems.append(row.problem("period", f"{text!r} may mean {year}-01 or {year}-10 (a number cell shows "
                                    f"{year}.10 as {text})", f"{year}-01 or {year}-10"))
        return None
    try:
        return parse_period(text)
    except ValueError as exc:
        reason = "" if str(exc).startswith("not a period") else f": {exc}"
        problems.append(row.problem("period", f"{text!r} is not a period{reason}", _PERIOD_FORMS))
        return None


def _value(
    row: _Cells, indicator: IndicatorRef | None, problems: list[Problem]
) -> tuple[float | None, str | None]:
    """The value in the indicator's unit, and the unit it was written in (unit column, else its % or ‰)."""
    text, unit_text = row.get("value"), row.get("unit")
    try:
        number = parse_number(text)
    except ValueError as exc:
        problems.append(row.problem("value", str(exc), "a number such as 1234.5, 1,234.5 or 12.5%"))
        return None, unit_text or None
    written = unit_text or number.suffix
    if number.suffix and unit_text and not same_unit(number.suffix, unit_text):
        problems.append(row.problem("value", f"{text!r} is written in {number.suffix} but the unit column says "
                                    f"{unit_text!r}", "the same unit in both, or the unit in one place"))
        return None, written
    if indicator is None:
        return None, written
    if number.suffix and not is_percent_unit(indicator.unit):
        problems.append(row.problem("value", f"{text!r} has a {number.suffix} sign but {indicator.indicator_id} "
                                    f"is measured in {indicator.unit}", f"a number in {indicator.unit}"))
        return None, written
    if written is None:
        return number.value, None
    try:
        return convert(number.value, written, indicator.unit), written
    except ValueError:
        field = "unit" if unit_text else "value"
        problems.append(row.problem(field, f"unit {written!r} does not convert to {indicator.unit!r}, the unit of "
                                    f"{indicator.indicator_id}", f"a value in {indicator.unit}"))
        return None, written


def _frame(records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=COLUMNS)
    frame[c.PERIOD_END] = pd.to_datetime(frame[c.PERIOD_END]).astype("datetime64[ns]")
    frame[c.VALUE] = frame[c.VALUE].astype(float)
    frame[ROW] = frame[ROW].astype("int64")
    for name in (ORIGINAL_UNIT, SOURCE, c.NOTE, SUBMITTED_BY):
        frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
    return frame
