"""The cells of one assessed row: the text of each column, shared by the terminal table and the planner's CSV.

Both show the same figures: rounded to the precision the plan prints (:func:`monitor.report.figures.digits_for`),
时间进度 / 完成进度 / 序时完成率 as three columns (:mod:`monitor.report.progress`), the shortfall as 落后 / 领先
(its sign means the same for every direction) and what the remaining years need as 每年提高0.5个百分点 or
年均增长17.1%. The target is shown as the plan prints it (``target_text``), the status with the row's judgement
sentence (:mod:`monitor.report.wording`) and note.

The table that draws these cells is :mod:`monitor.report.table`; the planner's CSV, JSON and the raw CSV are
:mod:`monitor.report.check`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pandas as pd

from monitor.core import columns as c
from monitor.core.status import PHASE_LABEL, STATUS_LABEL, final_label
from monitor.report.figures import MISSING, behind_ahead, difference_unit, frame_digits, number, row_digits, yearly_need
from monitor.report.progress import LABELS as PROGRESS
from monitor.report.wording import judgements, mentions
from monitor.report.wording_row import exceeded

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


def ordered(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values([c.REGION_CODE, c.PLAN_ID], kind="stable")


def worded_rows(frame: pd.DataFrame) -> Iterator[tuple[dict[str, Any], str]]:
    """(row dict, judgement sentence) of every row; each row dict carries its digits as ``_digits``."""
    sentences = judgements(frame)
    digits = frame_digits(frame)
    for r, sentence, d in zip(frame.to_dict("records"), sentences, digits):
        r["_digits"] = int(d)
        yield r, sentence


def row_cells(r: dict[str, Any], *, plain: bool = False) -> dict[str, str]:
    """The text of each column of :data:`COLUMNS` but the status (``plain``: numbers without thousands separators,
    the target without its year, which the CSV has apart)."""
    d, unit = r["_digits"], r[c.UNIT]

    def fig(value: Any) -> str:
        text = number(value, d)
        return text.replace(",", "") if plain else text

    final = r[c.STATUS] == r[c.FINAL_STATUS]
    return {
        "name": r[c.INDICATOR_NAME], "unit": unit or "", "phase": PHASE_LABEL.get(r[c.PHASE], MISSING),
        "period": MISSING if pd.isna(r[c.PERIOD]) else str(r[c.PERIOD]),
        "baseline": fig(r[c.BASELINE]) + ("*" if _flag(r[c.BASELINE_ESTIMATED]) and not plain else ""),
        "target": _target(r, dated=not plain).replace(",", "") if plain else _target(r),
        c.ELAPSED: percent(r.get(c.ELAPSED)), "expected": fig(r[c.EXPECTED]), "actual": fig(r[c.ACTUAL]),
        "lag": behind_ahead(r[c.SHORTFALL], unit, d), c.PROGRESS: percent(r.get(c.PROGRESS)),
        c.PACE: percent(r[c.PACE]), "attainment": percent(r[c.ATTAINMENT]) if final else MISSING,
        "projected": fig(r[c.PROJECTED]),
        "need": yearly_need(r[c.REQUIRED_RATE], r[c.TRAJECTORY], unit, r[c.DIRECTION], d),
    }


def _flag(value: Any) -> bool:
    return value is not None and value is not pd.NA and not (isinstance(value, float) and math.isnan(value)) \
        and bool(value)


def status_text(r: dict[str, Any]) -> str:
    """The status as the table and the planner's CSV say it; 终期… for the frozen final verdict."""
    if r[c.STATUS] == r[c.FINAL_STATUS] and r[c.PERIOD] == r[c.FINAL_PERIOD]:  # the frozen final verdict
        return f"终期{final_label(r[c.FINAL_STATUS], exceeded(r))}"
    return STATUS_LABEL[r[c.STATUS]]


def said(r: dict[str, Any], sentence: str) -> str:
    """The judgement sentence and the row's note, joined with ；(the note once, when the sentence has it already)."""
    parts = [sentence] if sentence else []
    note = r[c.NOTE]
    if isinstance(note, str) and note and not (sentence and note in sentence):
        parts.append(note)
    return "；".join(parts)


def percent(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return f"{value * 100:.1f}%"


def _rate(value: Any, trajectory: str, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if trajectory == "compound":
        return f"{value * 100:.1f}%/年"
    return f"{number(value)}{difference_unit(unit)}/年"  # a percentage's yearly change is in 个百分点


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
    shown = number(target, r.get("_digits", row_digits(r)))
    return f"{shown}（{year}）" if dated else shown

