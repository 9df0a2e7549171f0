"""Layouts of submitted tables besides the long one (地区,指标,期间,数值 a row per value), read into it.

The wide layout of the plan tables: 地区,指标,单位,2023年,2024年,2025年 — a row per indicator and a column per
year. Each non-empty year cell becomes one row of the long layout under the headers 期间 and 数值, which the file
does not have: each such row remembers (RawRow.shown) that both came from its year column, so a problem names the
column as the file has it (2024年). Blank year cells are skipped; a row with none is a blank row.

A file without a region column says which county it is for in its name (城口县_2025.xlsx) or by ``--region``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import PurePath

from monitor.actuals.catalogue import Catalogue, RegionRef
from monitor.actuals.normalise import header_role, year_header
from monitor.actuals.reader import RawRow, RawTable

PERIOD_COLUMN = "期间"
VALUE_COLUMN = "数值"


def year_columns(header: list[str]) -> list[tuple[str, int]]:
    """(header, year) of every column named by a year: 2023, 2023年, 2023年度."""
    return [(text, year) for text in header if (year := year_header(text)) is not None]


def is_wide(table: RawTable) -> bool:
    """True for a table with year columns and neither a period nor a value column."""
    roles = {header_role(text) for text in table.header}
    return "period" not in roles and "value" not in roles and bool(year_columns(table.header))


def long_form(table: RawTable) -> tuple[RawTable, list[int]]:
    """The wide ``table`` as a long one, and the numbers of its rows with no year cell filled in."""
    years = year_columns(table.header)
    in_years = {text for text, _ in years}
    rows: list[RawRow] = []
    blank: list[int] = []
    for raw in table.rows:
        base = {text: cell for text, cell in raw.cells.items() if text not in in_years}
        made = [RawRow(raw.number, {**base, PERIOD_COLUMN: str(year), VALUE_COLUMN: raw.cells[text]},
                       (), {PERIOD_COLUMN: text, VALUE_COLUMN: text})
                for text, year in years if raw.cells.get(text)]
        if not made:
            blank.append(raw.number)
            continue
        made[0] = replace(made[0], extra=raw.extra)  # cells outside the columns: said once, not once per year
        rows.extend(made)
    header = [text for text in table.header if text not in in_years] + [PERIOD_COLUMN, VALUE_COLUMN]
    return replace(table, header=header, rows=rows), blank


def region_of_file(file_name: str, catalogue: Catalogue) -> list[RegionRef]:
    """The regions the file's name names (城口县_2025.xlsx → 城口县); several when it is ambiguous."""
    return catalogue.regions_in(PurePath(file_name).stem)
