"""Render assessments as a table for people, or JSON / CSV for other programs. Labels are in Chinese.

JSON and CSV carry every column of :data:`monitor.core.columns.ASSESSMENT_COLUMNS` and, after ``note``, the field
``judgement``: the row's target form said in plan language (:mod:`monitor.report.wording`; null for a plain path).
The table shows the target as the plan prints it (``target_text``) and that sentence beside the status.
"""

from __future__ import annotations

import io
import math
from itertools import repeat
from typing import Any

import numpy as np
import orjson
import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text

from monitor.core import columns as c
from monitor.core.status import PHASE_LABEL, SEVERITY_RANK, STATUS_LABEL, final_label
from monitor.report.wording import JUDGEMENT, difference_unit, judgements, mentions
from monitor.report.wording import number as _number

JSON_DECIMALS = 10
_COLOURS = {"ok": "green", "warning": "yellow", "critical": "bold red"}
# the fields of `monitor check --format json/csv`: the assessment columns, the sentence after the note
OUTPUT_COLUMNS = [*c.ASSESSMENT_COLUMNS[:c.ASSESSMENT_COLUMNS.index(c.NOTE) + 1], JUDGEMENT,
                  *c.ASSESSMENT_COLUMNS[c.ASSESSMENT_COLUMNS.index(c.NOTE) + 1:]]


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Plain JSON-ready dicts: NaN becomes None, floats are rounded to 10 decimals, in the documented order.

    Column by column rather than value by value, so a national run (100,000+ rows) converts in well under a second.
    """
    columns = [_plain_column(frame[name]) for name in c.ASSESSMENT_COLUMNS]
    return [dict(zip(c.ASSESSMENT_COLUMNS, row)) for row in zip(*columns)]


def output_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """:func:`records` with the ``judgement`` of each row after its ``note`` (None for a plain path): the objects of
    `monitor check --format json`. Only the rows that need a sentence are worded."""
    sentences = judgements(frame)
    columns = [_plain_column(frame[name]) for name in c.ASSESSMENT_COLUMNS]
    at = c.ASSESSMENT_COLUMNS.index(c.NOTE) + 1
    columns.insert(at, [sentence or None for sentence in sentences.tolist()])
    return [dict(zip(OUTPUT_COLUMNS, row)) for row in zip(*columns)]


def _plain_column(column: pd.Series) -> list[Any]:
    """One column as plain Python values (see :func:`records`)."""
    if pd.api.types.is_bool_dtype(column.dtype) and not column.hasnans:
        return column.astype(bool).tolist()
    if pd.api.types.is_integer_dtype(column.dtype) and not column.hasnans:
        return column.astype("int64").tolist()
    if pd.api.types.is_float_dtype(column.dtype):
        values = column.to_numpy(dtype=float, na_value=np.nan)
        finite = np.flatnonzero(np.isfinite(values))
        if len(finite) == len(values):
            return list(map(round, values.tolist(), repeat(JSON_DECIMALS)))
        out = np.full(len(values), None, dtype=object)  # the columns of later phases are mostly empty
        out[finite] = list(map(round, values[finite].tolist(), repeat(JSON_DECIMALS)))
        return out.tolist()
    values = column.to_numpy(dtype=object)
    if pd.api.types.is_string_dtype(column.dtype) or pd.api.types.infer_dtype(values, skipna=True) in ("string",
                                                                                                     "empty"):
        values = values.copy()
        blank = pd.isna(values)
        present = np.flatnonzero(~blank)
        blank[present] = values[present] == ""
        values[blank] = None
        return values.tolist()
    return [_plain(value) for value in values.tolist()]


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else round(value, JSON_DECIMALS)
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    if value == "":
        return None
    return value


def to_json(frame: pd.DataFrame) -> bytes:
    """An indented JSON array (UTF-8), one object per series; orjson writes 100,000+ objects in well under a second."""
    return orjson.dumps(output_records(frame), option=orjson.OPT_INDENT_2)


def to_csv(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    pd.DataFrame(output_records(frame), columns=OUTPUT_COLUMNS).to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def _percent(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value * 100:.1f}%"


def _rate(value: Any, trajectory: str, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if trajectory == "compound":
        return f"{value * 100:.1f}%/年"
    return f"{_number(value)}{difference_unit(unit)}/年"  # a percentage's yearly change is in 个百分点


def to_table(frame: pd.DataFrame, console: Console) -> None:
    """Print one table per region, worst first within each, with a summary line."""
    if frame.empty:
        console.print("没有可评估的指标。")
        return
    ordered = frame.assign(_rank=frame[c.SEVERITY].map(SEVERITY_RANK)).sort_values(
        [c.REGION_CODE, c.PLAN_ID], kind="stable"
    )
    for (region_code, plan_id), part in ordered.groupby([c.REGION_CODE, c.PLAN_ID], sort=False):
        region_name = part[c.REGION_NAME].iloc[0]
        table = Table(title=f"{region_name}（{region_code}）  {plan_id}", title_justify="left", show_lines=False)
        for header, justify in (
            ("统计指标", "left"), ("单位", "left"), ("阶段", "left"), ("报告期", "left"), ("基期值", "right"),
            ("目标", "right"), ("期望值", "right"), ("实际值", "right"), ("差距", "right"), ("序时进度", "right"),
            ("完成率", "right"), ("预计值", "right"), ("每年还需", "right"), ("状态", "left"),
        ):
            table.add_column(header, justify=justify, overflow="fold")
        sentences = judgements(part)
        for row, sentence in zip(part.itertuples(index=False), sentences):
            r = row._asdict()
            status = STATUS_LABEL[r[c.STATUS]]
            if r[c.STATUS] == r[c.FINAL_STATUS] and r[c.PERIOD] == r[c.FINAL_PERIOD]:  # the frozen final verdict
                status = f"终期{final_label(r[c.FINAL_STATUS], _exceeded(r))}"
            said = [sentence] if sentence else []
            note = r[c.NOTE]
            if isinstance(note, str) and note and not (sentence and note in sentence):
                said.append(note)
            if said:
                status += f"（{'；'.join(said)}）"
            table.add_row(
                r[c.INDICATOR_NAME], r[c.UNIT], PHASE_LABEL.get(r[c.PHASE], "—"),
                "—" if pd.isna(r[c.PERIOD]) else r[c.PERIOD],
                _number(r[c.BASELINE]) + ("*" if r[c.BASELINE_ESTIMATED] else ""),
                _target(r), _number(r[c.EXPECTED]), _number(r[c.ACTUAL]), _number(r[c.GAP]), _percent(r[c.PACE]),
                _percent(r[c.ATTAINMENT]) if r[c.STATUS] == r[c.FINAL_STATUS] else "—", _number(r[c.PROJECTED]),
                _rate(r[c.REQUIRED_RATE], r[c.TRAJECTORY], r[c.UNIT]),
                Text(status, style=_COLOURS[r[c.SEVERITY]]),
            )
        console.print(table)
        counts = part[c.STATUS].value_counts()
        summary = "，".join(f"{STATUS_LABEL[s]} {counts[s]} 项" for s in STATUS_LABEL if s in counts)
        console.print(f"共 {len(part)} 项：{summary}。带 * 的基期值取自报送数据。\n")


def _target(r: dict[str, Any]) -> str:
    """The target as the plan prints it (控制在5.5%以内, >22, 1.45万亿斤左右) with its year; the active milestone's
    number where the printed target names another one (a 2035 goal after the plan's own) or none is stored."""
    text, target, year = r.get(c.TARGET_TEXT), r[c.TARGET], r[c.TARGET_YEAR]
    printed = isinstance(text, str) and bool(text)
    if printed and (r.get(c.FORM) not in (None, "path") or mentions(text, target)):
        dated = r.get(c.FORM) in (None, "path", "bound", "range") and not pd.isna(year) and not pd.isna(target)
        return f"{text}（{year}）" if dated else text
    if pd.isna(target):
        return "—"
    return f"{_number(target)}（{year}）"


def _exceeded(r: dict[str, Any]) -> bool:
    """超额完成: the row's ``exceeded`` (beyond the target's tolerance); 完成率 above 100 % for older rows."""
    exceeded = r.get(c.EXCEEDED)
    if exceeded is not None and exceeded is not pd.NA and not (isinstance(exceeded, float) and math.isnan(exceeded)):
        return bool(exceeded)
    attainment = r[c.ATTAINMENT]
    return isinstance(attainment, float) and attainment == attainment and attainment > 1 + 1e-9
