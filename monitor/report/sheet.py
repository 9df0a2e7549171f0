"""The tables of a report, shared by the Excel workbook and the HTML page. Pure: frames in, rows of cells out.

Every indicator row carries, in order, the columns of :data:`INDICATOR_HEADERS`: the indicator as the plan prints
it, its unit, the period judged, 基期值, 目标 (as printed), then 时间进度 / 期望值 / 实际值 / 差距 / 完成进度 /
序时完成率 / 预计值 / 每年还需 (docs/method.md, "Measures of a value"; the three progress labels from
:mod:`monitor.report.progress`), 状态 and 说明. Figures are rounded to the precision the plan prints for the
row (:func:`monitor.report.figures.row_digits`); 差距 is said as 落后 / 领先 from the shortfall (个百分点 for a
percentage), so it reads the same whichever way the indicator runs; 每年还需 in words
(:func:`monitor.report.figures.yearly_need`).

A :class:`Cell` holds both the text the HTML shows and the value and number format Excel stores, so the two
reports print the same figures.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from monitor.core import columns as c
from monitor.core import status as st
from monitor.report.progress import LABELS as PROGRESS_LABELS
from monitor.report.figures import (MISSING, behind_ahead, digits_for, difference_unit, number, optional_number,
                                    optional_text, row_digits, yearly_need)
from monitor.report.wording import judgements, mentions

INDICATOR_HEADERS = [
    "统计指标", "单位", "报告期", "基期值", "目标", PROGRESS_LABELS[c.ELAPSED], "期望值", "实际值", "差距",
    PROGRESS_LABELS[c.PROGRESS], PROGRESS_LABELS[c.PACE], "预计值", "每年还需", "状态", "说明",
]
REVIEW_HEADERS = ["统计指标", "单位", "目标", "终期值", "完成情况", "完成率", "差距"]
SUMMARY_STATUSES = (st.ACHIEVED, st.ON_TRACK, st.BEHIND, st.OFF_TRACK, st.REGRESSING, st.MISSED, st.NO_DATA,
                    st.NOT_ASSESSABLE)
SUMMARY_HEADERS = ["地区", "规划", "指标数", *(st.STATUS_LABEL[s] for s in SUMMARY_STATUSES), "指标完成率",
                   "约束性指标数", "约束性达标", "约束性完成率"]
GOOD = (st.ACHIEVED, st.ON_TRACK)  # 指标完成率 counts these ...
UNJUDGED = (st.NO_DATA, st.NOT_ASSESSABLE)  # ... out of the indicators judged, not counting these
COMPLETION_NOTE = ("指标完成率 = （已完成 + 达到时序进度）÷ 已评判指标数；未报送和无法评估的指标不计入已评判。"
                   "约束性指标单列。")
PERCENT_FORMAT = "0.0%"
TONE = {st.OK: "green", st.WARNING: "amber", st.CRITICAL: "red"}  # fills by severity; 无法评估 has none


@dataclass(frozen=True)
class Cell:
    """One table cell: ``text`` for HTML, ``value`` (number, text or None) and ``fmt`` (an Excel number format)."""

    text: str
    value: Any = None
    fmt: str | None = None


@dataclass(frozen=True)
class IndicatorRow:
    key: tuple[str, str, str]
    cells: tuple[Cell, ...]
    status: str
    tone: str | None  # green, amber, red, or None (nothing to judge)


def text_cell(value: Any) -> Cell:
    text = optional_text(value) or ""
    return Cell(text or MISSING, text or None)


def amount_cell(value: Any, unit: Any, digits: int | None = None) -> Cell:
    """A value in the indicator's unit, to the precision the plan prints (``digits``: the row's)."""
    x = optional_number(value)
    if x is None:
        return Cell(MISSING)
    digits = digits_for(unit) if digits is None else digits
    return Cell(number(x, digits), round(x, digits), "General")


def percent_cell(value: Any) -> Cell:
    x = optional_number(value)
    if x is None:
        return Cell(MISSING)
    return Cell(f"{x * 100:.1f}%", round(x, 4), PERCENT_FORMAT)


def lead_cell(shortfall: Any, unit: Any, digits: int | None = None) -> Cell:
    """差距 said as 落后 / 领先 (positive shortfall is behind, for every direction); Excel keeps −shortfall, shown
    with the same words."""
    x = optional_number(shortfall)
    if x is None:
        return Cell(MISSING)
    digits = digits_for(unit) if digits is None else digits
    text = behind_ahead(x, unit, digits)
    if text == "持平":
        return Cell(text, 0.0, '"持平"')
    suffix = difference_unit(unit).replace('"', "")
    fmt = f'"领先"General"{suffix}";"落后"General"{suffix}";"持平"'
    return Cell(text, round(-x, digits), fmt)


def rate_cell(value: Any, trajectory: Any, unit: Any, direction: Any = None, digits: int | None = None) -> Cell:
    """每年还需 in words: 年均增长17.1% on a compound path, 每年提高0.5个百分点, 每年增加4家, 已达到目标."""
    text = yearly_need(value, trajectory, unit, direction, digits)
    return Cell(text, None if text == MISSING else text)


def target_text(row: Mapping[str, Any], digits: int | None = None) -> str:
    """The target as the plan prints it (控制在5.5%以内, >22, 1.45万亿斤左右) with its year; the active milestone's
    number where the printed target names another one (a 2035 goal after the plan's own) or none is stored."""
    printed, target, year = optional_text(row.get(c.TARGET_TEXT)), optional_number(row.get(c.TARGET)), _int(row.get(c.TARGET_YEAR))
    form = optional_text(row.get(c.FORM)) or "path"
    if printed and (form != "path" or mentions(printed, target)):
        dated = form in ("path", "bound", "range") and year is not None and target is not None
        return f"{printed}（{year}年）" if dated else printed
    if target is None:
        return MISSING
    shown = number(target, digits_for(row.get(c.UNIT)) if digits is None else digits)
    return f"{shown}{optional_text(row.get(c.UNIT)) or ''}" + (f"（{year}年）" if year is not None else "")


def status_label(row: Mapping[str, Any]) -> str:
    """The status in plan language; a frozen final verdict as 终期已完成 / 终期超额完成 / 终期未完成."""
    status = str(row.get(c.STATUS))
    final = optional_text(row.get(c.FINAL_STATUS))
    if final and status == final and optional_text(row.get(c.PERIOD)) == optional_text(row.get(c.FINAL_PERIOD)):
        return "终期" + st.final_label(final, _flag(row.get(c.EXCEEDED)))
    return st.STATUS_LABEL.get(status, status)


def indicator_rows(frame: pd.DataFrame) -> list[IndicatorRow]:
    """The rows of one table in the frame's order (one region, one or more plans)."""
    sentences = judgements(frame) if len(frame) else []
    out = []
    for row, sentence in zip(frame.to_dict("records"), sentences):
        unit, digits = row.get(c.UNIT), row_digits(row)
        said = [sentence] if sentence else []
        note = optional_text(row.get(c.NOTE))
        if note and not (sentence and note in sentence):
            said.append(note)
        baseline = amount_cell(row.get(c.BASELINE), unit, digits)
        if _flag(row.get(c.BASELINE_ESTIMATED)) and baseline.value is not None and "基期" not in (note or ""):
            said.append("基期值取自报送数据")
        cells = (
            text_cell(row.get(c.INDICATOR_NAME)), text_cell(unit), text_cell(row.get(c.PERIOD)), baseline,
            text_cell(target_text(row, digits)), percent_cell(row.get(c.ELAPSED)),
            amount_cell(row.get(c.EXPECTED), unit, digits), amount_cell(row.get(c.ACTUAL), unit, digits),
            lead_cell(row.get(c.SHORTFALL), unit, digits), percent_cell(row.get(c.PROGRESS)),
            percent_cell(row.get(c.PACE)), amount_cell(row.get(c.PROJECTED), unit, digits),
            rate_cell(row.get(c.REQUIRED_RATE), row.get(c.TRAJECTORY), unit, row.get(c.DIRECTION), digits),
            text_cell(status_label(row)),
            text_cell("；".join(said)),
        )
        status = str(row.get(c.STATUS))
        tone = None if status == st.NOT_ASSESSABLE else TONE.get(str(row.get(c.SEVERITY)))
        key = (str(row[c.PLAN_ID]), str(row[c.REGION_CODE]), str(row[c.INDICATOR_ID]))
        out.append(IndicatorRow(key, cells, status, tone))
    return out


def summary_rows(frame: pd.DataFrame) -> list[tuple[Cell, ...]]:
    """Per region × plan: the count of each status, 指标完成率, and the binding indicators' counts."""
    out = []
    for (_, plan_id), part in frame.groupby([c.REGION_CODE, c.PLAN_ID], sort=True, observed=True):
        counts = part[c.STATUS].value_counts()
        binding = part[part[c.BINDING] == "binding"]
        out.append((
            text_cell(part[c.REGION_NAME].iloc[0]), text_cell(plan_id), Cell(str(len(part)), len(part)),
            *(Cell(str(int(counts.get(s, 0))), int(counts.get(s, 0))) for s in SUMMARY_STATUSES),
            percent_cell(completion_rate(part)), Cell(str(len(binding)), len(binding)),
            Cell(str(int(binding[c.STATUS].isin(GOOD).sum())), int(binding[c.STATUS].isin(GOOD).sum())),
            percent_cell(completion_rate(binding)),
        ))
    return out


def completion_rate(part: pd.DataFrame) -> float:
    """(已完成 + 达到时序进度) ÷ indicators judged; NaN when none is judged."""
    judged = int((~part[c.STATUS].isin(UNJUDGED)).sum())
    return float(part[c.STATUS].isin(GOOD).sum()) / judged if judged else math.nan


def review_rows(frame: pd.DataFrame) -> list[tuple[dict[str, Any], list[tuple[tuple[Cell, ...], str | None]]]]:
    """The final review (终期评估) of the ended plans in ``frame``: per region × plan, its counts (the summary of
    :func:`monitor.report.review.summaries`) and one row of cells per indicator with its tone."""
    from monitor.report.review import GROUP, IS_BINDING, VERDICT, settled, summaries

    rows = settled(frame)
    if rows.empty:
        return []
    out = []
    tones = {st.ACHIEVED: "green", st.MISSED: "red", st.NO_DATA: "amber"}
    for summary, (_, part) in zip(summaries(rows).to_dict("records"), rows.groupby(GROUP, sort=False)):
        lines = []
        for r in part.to_dict("records"):
            unit, digits = r.get(c.UNIT), row_digits(r)
            name = str(r[c.INDICATOR_NAME]) + ("（约束性）" if r[IS_BINDING] else "")
            final_shortfall = optional_number(r.get(c.FINAL_SHORTFALL))
            cells = (text_cell(name), text_cell(unit), amount_cell(r.get(c.FINAL_TARGET), unit, digits),
                     amount_cell(r.get(c.FINAL_VALUE), unit, digits), text_cell(r[VERDICT]),
                     percent_cell(r.get(c.ATTAINMENT)), lead_cell(final_shortfall, unit, digits))
            lines.append((cells, tones.get(str(r.get(c.FINAL_STATUS)))))
        out.append((summary, lines))
    return out


def regions(frame: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    """(code, name, rows) per region, by code; within a region by plan, in the plan's order of indicators."""
    out = []
    for code, part in frame.groupby(c.REGION_CODE, sort=True, observed=True):
        part = part.sort_values(c.PLAN_ID, kind="stable")
        out.append((str(code), str(part[c.REGION_NAME].iloc[0]), part))
    return out




def _flag(value: Any) -> bool:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return False
    return bool(value)


def _int(value: Any) -> int | None:
    x = optional_number(value)
    return None if x is None else int(x)
