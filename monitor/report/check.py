"""Render assessments as a table for people, a CSV for planners (Excel), or JSON / raw CSV for other programs.

The table and the planner's CSV (`--format csv`: BOM, Chinese headers and labels) show the same figures: rounded
to the precision the plan prints (:func:`monitor.report.figures.digits_for`), 时间进度 / 完成进度 / 序时完成率 as
three columns (:mod:`monitor.report.progress`), the shortfall as 落后 / 领先 (its sign means the same for every
direction) and what the remaining years need as 每年提高0.5个百分点 or 年均增长17.1%.

JSON and the raw CSV (`--format csv-raw`) carry every column of :data:`monitor.core.columns.ASSESSMENT_COLUMNS` and, after ``note``, the field
``judgement``: the row's target form said in plan language (:mod:`monitor.report.wording`; null for a plain path).
The table shows the target as the plan prints it (``target_text``) and that sentence beside the status.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import orjson
import pandas as pd

from monitor.alerts.plain import plain_columns
from monitor.core import columns as c
from monitor.core.status import PHASE_LABEL, STATUS_LABEL, final_label
from monitor.report.progress import LABELS as PROGRESS
from monitor.report.figures import MISSING, behind_ahead, difference_unit, frame_digits, row_digits, yearly_need
from monitor.report.figures import number as _number
from monitor.report.wording import JUDGEMENT, judgements, mentions

if TYPE_CHECKING:  # rich is imported by the table's functions: JSON and CSV do without it
    from rich.console import Console
    from rich.table import Table

BOM = "\ufeff"
_COLOURS = {"ok": "green", "warning": "yellow", "critical": "bold red"}
# the fields of `monitor check --format json/csv`: the assessment columns, the sentence after the note
OUTPUT_COLUMNS = [*c.ASSESSMENT_COLUMNS[:c.ASSESSMENT_COLUMNS.index(c.NOTE) + 1], JUDGEMENT,
                  *c.ASSESSMENT_COLUMNS[c.ASSESSMENT_COLUMNS.index(c.NOTE) + 1:]]


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
    rows = [[*_keys(r), *_figures(r, sentence)] for r, sentence in _rows(_ordered(frame))]
    return planner_csv(CSV_HEADERS, rows)


def planner_csv(headers: list[str], rows: list[list[Any]]) -> str:
    """CSV text for Excel: BOM, then the header and rows (CRLF line ends, as Excel writes them)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([["" if value in (None, MISSING) else value for value in row] for row in rows])
    return BOM + buffer.getvalue()


# ---- the figures of one row, shared by the table and the planner's CSV ----

# (key, header, justify, priority): the table drops the columns of the highest priority number first when the
# terminal is too narrow; the planner's CSV has them all
COLUMNS = (
    ("name", "统计指标", "left", 0), ("unit", "单位", "left", 3), ("phase", "阶段", "left", 9),
    ("period", "报告期", "left", 5), ("baseline", "基期值", "right", 8), ("target", "目标", "right", 2),
    (c.ELAPSED, PROGRESS[c.ELAPSED], "right", 6), ("expected", "期望值", "right", 4),
    ("actual", "实际值", "right", 1), ("lag", "落后/领先", "right", 1),
    (c.PROGRESS, PROGRESS[c.PROGRESS], "right", 6), (c.PACE, PROGRESS[c.PACE], "right", 2),
    ("attainment", "完成率", "right", 5), ("projected", "预计值", "right", 7), ("need", "今后还需", "right", 7),
    ("status", "状态", "left", 0),
)
TEXT_COLUMNS = {"name": 10, "status": 14}  # wrap (at this many cells at least); every other column never wraps
_KEYS = [key for key, *_ in COLUMNS]
CSV_HEADERS = ["地区代码", "地区", "规划", "指标代码", *(header for _, header, *_ in COLUMNS[:-1]), "目标年份",
               "状态", "说明"]


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values([c.REGION_CODE, c.PLAN_ID], kind="stable")


def _rows(frame: pd.DataFrame):
    """(row dict, judgement sentence, digits) of every row."""
    sentences = judgements(frame)
    digits = frame_digits(frame)
    for r, sentence, d in zip(frame.to_dict("records"), sentences, digits):
        r["_digits"] = int(d)
        yield r, sentence


def _keys(r: dict[str, Any]) -> list[Any]:
    return [r[c.REGION_CODE], r[c.REGION_NAME], r[c.PLAN_ID], r[c.INDICATOR_ID]]


def _cells(r: dict[str, Any], *, plain: bool = False) -> dict[str, str]:
    """The text of each column of :data:`COLUMNS` but the status (``plain``: numbers without thousands separators,
    the target without its year, which the CSV has apart)."""
    d, unit = r["_digits"], r[c.UNIT]

    def fig(value: Any) -> str:
        text = _number(value, d)
        return text.replace(",", "") if plain else text

    final = r[c.STATUS] == r[c.FINAL_STATUS]
    return {
        "name": r[c.INDICATOR_NAME], "unit": unit or "", "phase": PHASE_LABEL.get(r[c.PHASE], MISSING),
        "period": MISSING if pd.isna(r[c.PERIOD]) else str(r[c.PERIOD]),
        "baseline": fig(r[c.BASELINE]) + ("*" if _flag(r[c.BASELINE_ESTIMATED]) and not plain else ""),
        "target": _target(r, dated=not plain).replace(",", "") if plain else _target(r),
        c.ELAPSED: _percent(r.get(c.ELAPSED)), "expected": fig(r[c.EXPECTED]), "actual": fig(r[c.ACTUAL]),
        "lag": behind_ahead(r[c.SHORTFALL], unit, d), c.PROGRESS: _percent(r.get(c.PROGRESS)),
        c.PACE: _percent(r[c.PACE]), "attainment": _percent(r[c.ATTAINMENT]) if final else MISSING,
        "projected": fig(r[c.PROJECTED]),
        "need": yearly_need(r[c.REQUIRED_RATE], r[c.TRAJECTORY], unit, r[c.DIRECTION], d),
    }


def _flag(value: Any) -> bool:
    return value is not None and value is not pd.NA and not (isinstance(value, float) and math.isnan(value)) \
        and bool(value)


def _status(r: dict[str, Any]) -> str:
    if r[c.STATUS] == r[c.FINAL_STATUS] and r[c.PERIOD] == r[c.FINAL_PERIOD]:  # the frozen final verdict
        return f"终期{final_label(r[c.FINAL_STATUS], _exceeded(r))}"
    return STATUS_LABEL[r[c.STATUS]]


def _said(r: dict[str, Any], sentence: str) -> str:
    said = [sentence] if sentence else []
    note = r[c.NOTE]
    if isinstance(note, str) and note and not (sentence and note in sentence):
        said.append(note)
    return "；".join(said)


def _figures(r: dict[str, Any], sentence: str) -> list[Any]:
    cells = _cells(r, plain=True)
    year = r[c.TARGET_YEAR]
    return [*(cells[key] for key in _KEYS[:-1]), None if pd.isna(year) else int(year), _status(r),
            _said(r, sentence)]


def _percent(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return f"{value * 100:.1f}%"


def _rate(value: Any, trajectory: str, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if trajectory == "compound":
        return f"{value * 100:.1f}%/年"
    return f"{_number(value)}{difference_unit(unit)}/年"  # a percentage's yearly change is in 个百分点


# ---- the table ----

def to_table(frame: pd.DataFrame, console: Console) -> None:
    """Print one table per region, worst first within each, with a summary line. The table fits the console's
    width: a number never wraps; when the columns do not fit, the least needed ones are left out (and named)."""
    if frame.empty:
        console.print("没有可评估的指标。")
        return
    rows = list(_rows(_ordered(frame)))
    for (region_code, plan_id), part in _groups(rows):
        cells = []
        for r, sentence in part:
            row = _cells(r)
            said = _said(r, sentence)
            row["status"] = _status(r) + (f"（{said}）" if said else "")
            cells.append(row)
        region_name = part[0][0][c.REGION_NAME]
        table, left_out = fitted_table(f"{region_name}（{region_code}）  {plan_id}", cells, console.width,
                                       styles=[_COLOURS[r[c.SEVERITY]] for r, _ in part], style_key="status")
        console.print(table)
        counts = pd.Series([r[c.STATUS] for r, _ in part]).value_counts()
        summary = "，".join(f"{STATUS_LABEL[s]} {counts[s]} 项" for s in STATUS_LABEL if s in counts)
        console.print(f"共 {len(part)} 项：{summary}。带 * 的基期值取自报送数据。")
        if left_out:
            console.print(f"终端宽度不足，未显示：{'、'.join(left_out)}（加宽终端，或用 --format csv 查看全部列）。")
        console.print()


def _groups(rows: list[tuple[dict[str, Any], str]]):
    groups: dict[tuple[str, str], list[tuple[dict[str, Any], str]]] = {}
    for item in rows:
        groups.setdefault((item[0][c.REGION_CODE], item[0][c.PLAN_ID]), []).append(item)
    return groups.items()


def _widest(cells: list[dict[str, str]], key: str, header: str) -> int:
    from rich.cells import cell_len

    return max([cell_len(header), *(cell_len(row[key]) for row in cells)])


Columns = tuple[tuple[str, str, str, int], ...]


def fitted_table(title: str, cells: list[dict[str, str]], width: int, *, columns: Columns = COLUMNS,
                 text_columns: dict[str, int] = TEXT_COLUMNS, styles: list[str] | None = None,
                 style_key: str | None = None) -> tuple[Table, list[str]]:
    """A rich table of ``cells`` (one dict per row, keyed as ``columns``) that fits ``width``: numbers never wrap,
    the ``text_columns`` wrap, and columns that do not fit are left out (their headers are returned). ``styles``:
    one style per row for the cell of ``style_key``."""
    from rich.table import Table
    from rich.text import Text

    shown, left_out = fit_columns(cells, width, columns, text_columns)
    widths = text_widths(cells, shown, width, columns, text_columns)
    # cells and title as Text, not console markup: a printed name with brackets ("[bold]") is shown as printed
    table = Table(title=Text(title), title_justify="left", show_lines=False)
    keys = [key for key, *_ in columns if key in shown]
    for key, header, justify, _ in columns:
        if key in shown:
            wraps = key in text_columns
            table.add_column(header, justify=justify, no_wrap=not wraps, overflow="fold" if wraps else "ignore",
                             width=widths.get(key))
    for i, row in enumerate(cells):
        values: list[Any] = [Text(row[key]) for key in keys]
        if styles is not None and style_key in keys:
            at = keys.index(style_key)
            values[at] = Text(row[style_key], style=styles[i])
        table.add_row(*values)
    return table, left_out


def text_widths(cells: list[dict[str, str]], shown: set[str], width: int, columns: Columns = COLUMNS,
                text_columns: dict[str, int] = TEXT_COLUMNS) -> dict[str, int]:
    """The widths of the wrapping columns (name, status) when the table would be wider than ``width``: each gets
    its minimum, and what is left is shared in proportion to how much more each could use. Set here rather than
    left to rich, whose last resort narrows every column alike, numbers included. {} when everything fits."""
    headers = {key: header for key, header, *_ in columns}
    texts = [key for key in text_columns if key in shown]
    fixed = sum(_widest(cells, key, headers[key]) for key in shown if key not in text_columns)
    room = width - fixed - (3 * len(shown) + 1)
    widest = {key: _widest(cells, key, headers[key]) for key in texts}
    if sum(widest.values()) <= room:
        return {}
    least = {key: min(text_columns[key], widest[key]) for key in texts}
    extra = max(0, room - sum(least.values()))
    wants = {key: widest[key] - least[key] for key in texts}
    total = sum(wants.values()) or 1
    shares = {key: extra * wants[key] // total for key in texts}
    out = {key: least[key] + shares[key] for key in texts}
    if texts:  # what the rounding left goes to the last (the status)
        out[texts[-1]] += extra - sum(shares.values())
    return out


def fit_columns(cells: list[dict[str, str]], width: int, columns: Columns = COLUMNS,
                text_columns: dict[str, int] = TEXT_COLUMNS) -> tuple[set[str], list[str]]:
    """The columns to show in ``width`` cells, and the headers of those left out. Columns with nothing to show
    (all —) go first; then, while the numbers would have to wrap, the column of the highest priority number
    (the rightmost of equals). The text columns (indicator name, status) always stay; they wrap instead."""
    shown = [key for key, *_ in columns
             if key in text_columns or any(row[key] not in (MISSING, "") for row in cells)]
    headers = {key: header for key, header, *_ in columns}
    left_out = []

    def needed(keys: list[str]) -> int:
        widths = [min(text_columns[k], _widest(cells, k, headers[k])) if k in text_columns
                  else _widest(cells, k, headers[k]) for k in keys]
        return sum(widths) + 3 * len(keys) + 1  # a border and a space either side of every column

    priority = {key: (p, i) for i, (key, _, _, p) in enumerate(columns)}
    while needed(shown) > width:
        droppable = [k for k in shown if k not in text_columns]
        if not droppable:
            break
        worst = max(droppable, key=lambda k: priority[k])
        shown.remove(worst)
        left_out.append(headers[worst])
    return set(shown), left_out


def _target(r: dict[str, Any], dated: bool = True) -> str:
    """The target as the plan prints it (控制在5.5%以内, >22, 1.45万亿斤左右) with its year; the active milestone's
    number where the printed target names another one (a 2035 goal after the plan's own) or none is stored."""
    text, target, year = r.get(c.TARGET_TEXT), r[c.TARGET], r[c.TARGET_YEAR]
    printed = isinstance(text, str) and bool(text)
    if printed and (r.get(c.FORM) not in (None, "path") or mentions(text, target)):
        dated = dated and r.get(c.FORM) in (None, "path", "bound", "range") and not pd.isna(year) \
            and not pd.isna(target)
        return f"{text}（{year}）" if dated else text
    if pd.isna(target):
        return MISSING
    shown = _number(target, r.get("_digits", row_digits(r)))
    return f"{shown}（{year}）" if dated else shown


def _exceeded(r: dict[str, Any]) -> bool:
    """超额完成: the row's ``exceeded`` (beyond the target's tolerance); 完成率 above 100 % for older rows."""
    exceeded = r.get(c.EXCEEDED)
    if exceeded is not None and exceeded is not pd.NA and not (isinstance(exceeded, float) and math.isnan(exceeded)):
        return bool(exceeded)
    attainment = r[c.ATTAINMENT]
    return isinstance(attainment, float) and attainment == attainment and attainment > 1 + 1e-9
