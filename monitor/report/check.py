"""`monitor check` for other programs and for planners: JSON, the raw CSV and the planner's CSV (Excel).

JSON and the raw CSV (`--format csv-raw`) carry every column of :data:`monitor.core.columns.ASSESSMENT_COLUMNS`
and, after ``note``, the field ``judgement``: the row's target form said in plan language
(:mod:`monitor.report.wording`; null for a plain path). :func:`records` are the plain values the alert rules and
the digest read as well.

The planner's CSV (`--format csv`: BOM, Chinese headers and labels) has the cells of the terminal table
(:mod:`monitor.report.cells`, drawn by :mod:`monitor.report.table`), every column the table may leave out included.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import orjson
import pandas as pd

from monitor.alerts.plain import plain_columns
from monitor.core import columns as c
from monitor.report.cells import COLUMNS, ordered, row_cells, said, status_text, worded_rows
from monitor.report.figures import MISSING
from monitor.report.wording import JUDGEMENT, judgements

BOM = "\ufeff"
# the fields of `monitor check --format json/csv`: the assessment columns, the sentence after the note
OUTPUT_COLUMNS = [*c.ASSESSMENT_COLUMNS[:c.ASSESSMENT_COLUMNS.index(c.NOTE) + 1], JUDGEMENT,
                  *c.ASSESSMENT_COLUMNS[c.ASSESSMENT_COLUMNS.index(c.NOTE) + 1:]]
# the columns of the planner's CSV (`--format csv`): the keys of the row, its cells, the target year, status, sentence
CSV_HEADERS = ["地区代码", "地区", "规划", "指标代码", *(header for _, header, *_ in COLUMNS[:-1]), "目标年份",
               "状态", "说明"]
_KEYS = [key for key, *_ in COLUMNS]


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Plain JSON-ready dicts: NaN becomes None, floats are rounded to 10 decimals, in the documented order.

    Column by column rather than value by value, so a national run (100,000+ rows) converts in well under a second.
    """
    columns = plain_columns(frame, c.ASSESSMENT_COLUMNS)
    return [dict(zip(c.ASSESSMENT_COLUMNS, row)) for row in zip(*columns.values())]


def output_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """:func:`records` with the ``judgement`` of each row after its ``note`` (None for a plain path): the objects of
    `monitor check --format json`. Only the rows that need a sentence are worded."""
    return [dict(zip(OUTPUT_COLUMNS, row)) for row in zip(*_output_columns(frame))]


def _output_columns(frame: pd.DataFrame) -> list[list[Any]]:
    """The values of :data:`OUTPUT_COLUMNS`, one list per column."""
    columns = list(plain_columns(frame, c.ASSESSMENT_COLUMNS).values())
    columns.insert(c.ASSESSMENT_COLUMNS.index(c.NOTE) + 1,
                   [sentence or None for sentence in judgements(frame).tolist()])
    return columns


def to_json(frame: pd.DataFrame) -> bytes:
    """An indented JSON array (UTF-8) of :func:`output_records`, one object per series."""
    return b"".join(json_parts(frame))


def json_parts(frame: pd.DataFrame, rows: int = 5_000) -> Iterator[bytes]:
    """:func:`to_json` in parts to write one after the other, ``rows`` objects each: the same bytes, without a
    national run's 113,760 objects (250 MB of dicts) and 170 MB of JSON in memory at once.

    orjson writes each part as an indented array; the parts' brackets are dropped and the objects joined as one
    array would have them.
    """
    columns = _output_columns(frame)
    if not len(frame):
        yield orjson.dumps([], option=orjson.OPT_INDENT_2)
        return
    yield b"[\n"
    for start in range(0, len(frame), rows):
        part = [dict(zip(OUTPUT_COLUMNS, row)) for row in zip(*(column[start:start + rows] for column in columns))]
        if start:
            yield b",\n"
        yield orjson.dumps(part, option=orjson.OPT_INDENT_2)[2:-2]  # [\n  {…},\n  {…}\n]
    yield b"\n]"


def to_csv_raw(frame: pd.DataFrame) -> str:
    """The machine-readable CSV (`--format csv-raw`): the JSON fields as English headers, UTF-8 without BOM."""
    buffer = io.StringIO()
    pd.DataFrame(output_records(frame), columns=OUTPUT_COLUMNS).to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def to_csv(frame: pd.DataFrame) -> str:
    """The planner's CSV (`--format csv`): a byte-order mark so Excel on Chinese Windows reads it as UTF-8, Chinese
    headers (:data:`CSV_HEADERS`), Chinese status labels and the figures of the table, rounded to the precision the
    plan prints and written without thousands separators so Excel takes them as numbers."""
    rows = [[*_keys(r), *_figures(r, sentence)] for r, sentence in worded_rows(ordered(frame))]
    return planner_csv(CSV_HEADERS, rows)


def planner_csv(headers: list[str], rows: list[list[Any]]) -> str:
    """CSV text for Excel: BOM, then the header and rows (CRLF line ends, as Excel writes them)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([["" if value in (None, MISSING) else value for value in row] for row in rows])
    return BOM + buffer.getvalue()


# ---- one row of the planner's CSV ----

def _keys(r: dict[str, Any]) -> list[Any]:
    return [r[c.REGION_CODE], r[c.REGION_NAME], r[c.PLAN_ID], r[c.INDICATOR_ID]]


def _figures(r: dict[str, Any], sentence: str) -> list[Any]:
    cells = row_cells(r, plain=True)
    year = r[c.TARGET_YEAR]
    return [*(cells[key] for key in _KEYS[:-1]), None if pd.isna(year) else int(year), status_text(r),
            said(r, sentence)]
