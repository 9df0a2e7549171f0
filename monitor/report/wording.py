"""Each target form said in plan language: one Chinese sentence per assessed row, as a planner writes it.

The arithmetic is docs/method.md, Part 3 "Target forms"; these modules only word its results, for the table of
`monitor check`, its JSON and CSV (field ``judgement``), the alert messages and the 终期评估:

- bound: 控制在5.5%以内：实际5.6%，超出0.1个百分点 / 保持在6.5亿吨以上：实际6.8亿吨，高于下限0.3亿吨
- range: 区间5—5.5%：实际5.3%，在区间内; 1.45万亿斤左右（1.421—1.479）：实际1.43万亿斤，在范围内
- yearly rates: 年均实际增长7.25%（目标7%以上）; reductions: 累计降低4.26%（序时进度应达5.4%）
- relative: 实际6%，高于国内生产总值(GDP)增长（5%）; 实际5.3%，与…同步（相差0.3个百分点）
- annual targets (form annual, or beside any form): 2026年度目标5%，实际4.8%，差0.2个百分点
- a strict path target's final verdict: >22：终期实际22.5，超额完成
- a baseline a reported figure or a rebase replaced: 基期值已按统计数据更新（2.65 → 2.7）, unless the note says so

A plain path row (Part 1) gets "": its figures and note already say everything. Rule: a difference of a
percentage indicator (unit ``%``) is in 个百分点, never %; other units keep their unit. Numbers carry at most the
precision the plan prints (:func:`digits_for`: the decimals of its baseline, target and printed target, at least
two for percentages and money, one for counts, none for ranks), trailing zeros dropped.

Pure: a row is any mapping with the keys of :data:`monitor.core.columns.ASSESSMENT_COLUMNS` (missing keys,
None and NaN are "unknown"), so stored alerts from older versions word as well as fresh rows. :func:`judgements`
words a whole frame, computing sentences only for the rows that need one.

This module picks the family of each row (:func:`judgement`), which rows need a sentence, the replaced baseline
said beside any form, and whether a printed target states a number (:func:`mentions`). The families are worded in
:mod:`monitor.report.wording_bands` (bound, range, strict) and :mod:`monitor.report.wording_rates` (relative,
annual, yearly rates, reductions), each reading the row through :mod:`monitor.report.wording_row`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from monitor.core import columns as c
from monitor.report.figures import missing, number, optional_number
from monitor.report.wording_bands import bound_sentence, range_sentence, strict_final_sentence
from monitor.report.wording_rates import (annual_beside_sentence, annual_form_sentence, reduction_sentence,
                                          relative_sentence, yearly_rate_sentence)
from monitor.report.wording_row import Row, as_text

JUDGEMENT = "judgement"  # the field of `monitor check --format json/csv` and of the message rows
RATE_KINDS = ("yearly_rate", "reduction")
_BASELINE_WORDS = "基期值"


# ---- one row ----

def judgement(row: Mapping[str, Any], digits: int | None = None) -> str:
    """The row's sentence in plan language; "" for a plain path row (and where nothing can be said yet).
    ``digits``: the row's :func:`row_digits`, when the caller has worked it out already."""
    if _nothing_to_say(row):
        return ""
    r = Row(row, digits)
    parts: list[str] = []
    if r.form == "bound":
        parts.append(bound_sentence(r))
    elif r.form == "range":
        parts.append(range_sentence(r))
    elif r.form == "relative":
        parts.append(relative_sentence(r))
    elif r.form == "annual":
        parts.append(annual_form_sentence(r))
    elif r.kind == "yearly_rate":
        parts.append(yearly_rate_sentence(r))
    elif r.kind == "reduction":
        parts.append(reduction_sentence(r))
    elif r.strict_text and r.is_final:
        parts.append(strict_final_sentence(r))
    if r.form != "annual":
        parts.append(annual_beside_sentence(r))
    parts.append(_baseline(r))
    return "；".join(part for part in parts if part)


def _nothing_to_say(row: Mapping[str, Any]) -> bool:
    """A row :func:`judgement` surely has nothing to say of, told from its fields alone (most rows of a national
    run's messages): a plain path (no form or ``path``, neither a yearly rate nor a reduction, no strict printed
    target), without an annual target or a stated baseline. Every family above then words nothing."""
    annual, stated, printed = row.get(c.ANNUAL_TARGET), row.get(c.STATED_BASELINE), row.get(c.TARGET_TEXT)
    return ((annual is None or optional_number(annual) is None)  # None, most rows: no call needed
            and (stated is None or optional_number(stated) is None)
            and as_text(row.get(c.FORM)) in (None, "path") and as_text(row.get(c.KIND)) not in RATE_KINDS
            and (printed is None or not (as_text(printed) or "").startswith((">", "<"))))


# ---- a whole frame ----

def needs_judgement(frame: pd.DataFrame) -> np.ndarray:
    """Which rows of an assessment frame get a sentence: every form but a plain path, yearly rates and reductions,
    rows with an annual target, strict targets' final verdicts, and replaced baselines the note does not name.
    Whole-column tests, so a national run (100,000+ rows) words only the few that need it."""
    n = len(frame)
    if not n:
        return np.zeros(0, dtype=bool)

    def texts(name: str) -> np.ndarray:
        if name not in frame:
            return np.full(n, None, dtype=object)
        return frame[name].astype(object).to_numpy()

    def numbers(name: str) -> np.ndarray:
        if name not in frame:
            return np.full(n, np.nan)
        return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)

    form = texts(c.FORM)
    wanted = pd.notna(form) & (form != "path")
    wanted |= np.isin(texts(c.KIND), RATE_KINDS)
    wanted |= np.isfinite(numbers(c.ANNUAL_TARGET))
    final = (texts(c.STATUS) == texts(c.FINAL_STATUS)) & pd.notna(texts(c.FINAL_STATUS))
    if final.any():
        target_text = texts(c.TARGET_TEXT)
        strict = np.zeros(n, dtype=bool)
        rows = np.flatnonzero(final & pd.notna(target_text))
        strict[rows] = [str(t).startswith((">", "<")) for t in target_text[rows]]
        wanted |= strict
    rebased = np.flatnonzero(np.isfinite(numbers(c.STATED_BASELINE)) & ~wanted)
    if len(rebased):
        notes = texts(c.NOTE)[rebased]
        wanted[rebased] = [not (isinstance(note, str) and _BASELINE_WORDS in note) for note in notes]
    return wanted


def judgements(frame: pd.DataFrame) -> np.ndarray:
    """The sentence of every row of an assessment frame (object array, "" where none)."""
    out = np.full(len(frame), "", dtype=object)
    rows = np.flatnonzero(needs_judgement(frame))
    if len(rows):
        columns = [name for name in c.ASSESSMENT_COLUMNS if name in frame]
        out[rows] = [judgement(row) for row in frame.iloc[rows][columns].to_dict("records")]
    return out


# ---- beside any form ----

def _baseline(r: Row) -> str:
    stated, baseline = r.num(c.STATED_BASELINE), r.num(c.BASELINE)
    if stated is None or baseline is None or _BASELINE_WORDS in (r.text(c.NOTE) or ""):
        return ""
    return f"基期值已按统计数据更新（{number(stated)} → {number(baseline)}）"


# ---- the printed target ----

_PLAIN_NUMBER = re.compile(r"(?<![0-9.])([0-9]+(?:\.[0-9]+)?)(?![0-9.])")


def mentions(text: str, value: Any) -> bool:
    """Whether ``text`` (a printed target) states ``value`` itself: ``>22`` states 22, ``0.8%`` does not state 8."""
    if missing(value):
        return False
    wanted = _plain(float(value))
    return any(_plain(float(found)) == wanted for found in _PLAIN_NUMBER.findall(text.replace(",", "")))


def _plain(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")
