"""Each target form said in plan language: one Chinese sentence per assessed row, as a planner writes it.

The arithmetic is docs/method.md, Part 3 "Target forms"; this module only words its results, for the table of
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
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from monitor.core import columns as c
from monitor.core.status import ACHIEVED, MISSED, final_label
from monitor.report.figures import (EPS, GROWTH, PERCENT, amount, difference, missing, number, optional_number,
                                    row_digits)

JUDGEMENT = "judgement"  # the field of `monitor check --format json/csv` and of the message rows
RATE_KINDS = ("yearly_rate", "reduction")
FORMS_WORDED = ("bound", "range", "relative", "annual")
_BASELINE_WORDS = "基期值"


# ---- one row ----

def judgement(row: Mapping[str, Any], digits: int | None = None) -> str:
    """The row's sentence in plan language; "" for a plain path row (and where nothing can be said yet).
    ``digits``: the row's :func:`row_digits`, when the caller has worked it out already."""
    if _nothing_to_say(row):
        return ""
    r = _Row(row, digits)
    parts: list[str] = []
    if r.form == "bound":
        parts.append(_bound(r))
    elif r.form == "range":
        parts.append(_range(r))
    elif r.form == "relative":
        parts.append(_relative(r))
    elif r.form == "annual":
        parts.append(_annual_form(r))
    elif r.kind == "yearly_rate":
        parts.append(_yearly_rate(r))
    elif r.kind == "reduction":
        parts.append(_reduction(r))
    elif r.strict_text and r.is_final:
        parts.append(_strict_final(r))
    if r.form != "annual":
        parts.append(_annual_beside(r))
    parts.append(_baseline(r))
    return "；".join(part for part in parts if part)


def _nothing_to_say(row: Mapping[str, Any]) -> bool:
    """A row :func:`judgement` surely has nothing to say of, told from its fields alone (most rows of a national
    run's messages): a plain path (no form or ``path``, neither a yearly rate nor a reduction, no strict printed
    target), without an annual target or a stated baseline. Every family above then words nothing."""
    annual, stated, printed = row.get(c.ANNUAL_TARGET), row.get(c.STATED_BASELINE), row.get(c.TARGET_TEXT)
    return ((annual is None or optional_number(annual) is None)  # None, most rows: no call needed
            and (stated is None or optional_number(stated) is None)
            and _text(row.get(c.FORM)) in (None, "path") and _text(row.get(c.KIND)) not in RATE_KINDS
            and (printed is None or not (_text(printed) or "").startswith((">", "<"))))


def _text(value: Any) -> str | None:
    """A field as text; None for None, NA, NaN and the empty string."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value) or None


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


# ---- the families ----

class _Row:
    """Typed access to a row's fields: text or None, float or None."""

    def __init__(self, row: Mapping[str, Any], digits: int | None = None) -> None:
        self.row = row
        self.form = self.text(c.FORM) or "path"
        self.kind = self.text(c.KIND) or "level"
        self.unit = self.text(c.UNIT) or ""
        self.digits = row_digits(row) if digits is None else digits
        self.status = self.text(c.STATUS)
        self.final_status = self.text(c.FINAL_STATUS)
        self.target_text = self.text(c.TARGET_TEXT)
        self.strict_text = bool(self.target_text and self.target_text.startswith((">", "<")))
        self.is_final = bool(self.final_status and self.status == self.final_status
                             and self.text(c.PERIOD) == self.text(c.FINAL_PERIOD))

    def text(self, name: str) -> str | None:
        return _text(self.row.get(name))

    def num(self, name: str) -> float | None:
        return optional_number(self.row.get(name))

    def count(self, name: str) -> int | None:
        value = self.num(name)
        return None if value is None else int(value)

    @property
    def verdict(self) -> str:
        """The final verdict as a review prints it: 已完成, 超额完成, 未完成."""
        return final_label(self.final_status, self.exceeded)

    @property
    def held(self) -> bool:
        """The target held: the final verdict's, else the latest value's."""
        return (self.final_status if self.is_final else self.status) == ACHIEVED

    @property
    def exceeded(self) -> bool:
        value = self.row.get(c.EXCEEDED)
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            attainment = self.num(c.ATTAINMENT)  # rows from before the form columns
            return attainment is not None and attainment > 1 + EPS
        return bool(value)

    def amount(self, value: float | None) -> str:
        return amount(value, self.unit, self.digits)

    def difference(self, value: float | None) -> str:
        return difference(value, self.unit, self.digits)

    def zero(self, value: float) -> bool:
        """Too small to print: the numbers are equal as far as a plan can say."""
        return number(abs(value), self.digits) == "0"


def _bound(r: _Row) -> str:
    """控制在5.5%以内：实际5.6%，超出0.1个百分点；2年中1年在界限内."""
    target = r.num(c.FINAL_TARGET) if r.is_final else None
    target = target if target is not None else r.num(c.TARGET)
    low, high = r.num(c.BAND_LOW), r.num(c.BAND_HIGH)
    if (high is None) != (low is None):
        ceiling = high is not None
    else:
        ceiling = r.text(c.DIRECTION) == "lower"
    edge = high if ceiling else low
    edge = edge if edge is not None else target
    label = r.target_text or _printed_bound(r, edge, ceiling)
    shortfall = r.num(c.FINAL_SHORTFALL) if r.is_final else r.num(c.SHORTFALL)
    shown = r.num(c.FINAL_VALUE) if r.is_final else r.num(c.ACTUAL)
    if shown is None:
        return ""
    value = shown
    if shortfall is not None and edge is not None:  # the value judged: the latest, the average or the rate
        value = edge + shortfall if ceiling else edge - shortfall
    average = _averaged(r, value, shown)
    parts = [_value_phrase(r, value, average)]
    if shortfall is not None:
        parts.append(_against_edge(r, shortfall, ceiling, r.held))
    judged, met = r.count(c.YEARS_JUDGED), r.count(c.YEARS_MET)
    tail = ""
    if judged and met is not None and (judged > 1 or r.is_final):
        tail = f"；{'规划期' if r.is_final else ''}{judged}年中{met}年在界限内"
    if r.is_final:
        tail += f"，{r.verdict}"
    return f"{label}：{'，'.join(parts)}{tail}"


def _against_edge(r: _Row, shortfall: float, ceiling: bool, held: bool) -> str:
    if r.zero(shortfall):
        return ("与上限持平" if ceiling else "与下限持平") + ("" if held else "，未达到要求")
    if ceiling:
        return f"超出{r.difference(shortfall)}" if shortfall > 0 else f"低于上限{r.difference(shortfall)}"
    return f"低于下限{r.difference(shortfall)}" if shortfall > 0 else f"高于下限{r.difference(shortfall)}"


def _range(r: _Row) -> str:
    """区间5—5.5%：实际5.3%，在区间内; 1.45万亿斤左右（1.421—1.479）：实际1.43万亿斤，在范围内."""
    low, high = r.num(c.BAND_LOW), r.num(c.BAND_HIGH)
    target = r.num(c.FINAL_TARGET) if r.is_final else None
    target = target if target is not None else r.num(c.TARGET)
    about = _is_about(r, target, low, high)
    label = r.target_text or _printed_range(r, target, low, high, about)
    if "—" in label and not label.startswith(GROWTH) and "区间" not in label:
        label = "区间" + label  # 5—5.5% reads as a band only with the word
    if about:
        label += f"（{number(low, r.digits)}—{number(high, r.digits)}）"
    shortfall = r.num(c.FINAL_SHORTFALL) if r.is_final else r.num(c.SHORTFALL)
    shown = r.num(c.FINAL_VALUE) if r.is_final else r.num(c.ACTUAL)
    if shown is None or shortfall is None:
        return ""
    value, side = _range_value(shown, shortfall, low, high)
    average = _averaged(r, value, shown)
    where = "范围" if about else "区间"
    if r.zero(shortfall):
        position = f"在{where}内" if r.held else f"在{where}端点，未达到要求"
    elif shortfall < 0:
        position = f"在{where}内"
    elif side == "low":
        position = f"低于下限{r.difference(shortfall)}"
    else:
        position = f"高于上限{r.difference(shortfall)}"
    tail = ""
    judged, met = r.count(c.YEARS_JUDGED), r.count(c.YEARS_MET)
    if judged and met is not None and (judged > 1 or r.is_final) and r.kind != "yearly_rate":
        tail = f"；{'规划期' if r.is_final else ''}{judged}年中{met}年在{where}内"
    if r.is_final:
        tail += f"，{r.verdict}"
    return f"{label}：{_value_phrase(r, value, average)}，{position}{tail}"


def _range_value(shown: float, shortfall: float, low: float | None, high: float | None) -> tuple[float, str]:
    """The value judged and its side of the band, from the shortfall (how far outside, or minus the margin to
    the nearer end); the side nearer the value shown when both ends could give it."""
    candidates = []
    if low is not None:
        candidates.append((low - shortfall, "low"))
    if high is not None:
        candidates.append((high + shortfall, "high"))
    if not candidates:
        return shown, "low"
    return min(candidates, key=lambda item: abs(item[0] - shown))


def _relative(r: _Row) -> str:
    """实际6%，高于国内生产总值(GDP)增长（5%）; 实际5.3%，与…同步（相差0.3个百分点）; at the end the plan-years
    averages: 规划期平均5.2%，高于国内生产总值(GDP)增长平均（5%），5年中5年达到，已完成."""
    name = r.text(c.REFERENCE_NAME) or r.text(c.REFERENCE_ID) or "对比指标"
    own = r.num(c.FINAL_VALUE) if r.is_final else r.num(c.ACTUAL)
    other = r.num(c.REFERENCE_VALUE)
    if own is None or other is None:
        return ""
    gap = own - other
    relation = _relation(r, gap)
    if not r.is_final:
        return f"实际{r.amount(own)}，{_compare(r, gap, name, other, relation)}"
    judged, met = r.count(c.YEARS_JUDGED), r.count(c.YEARS_MET)
    years = f"，{judged}年中{met}年达到" if judged else ""
    return f"规划期平均{r.amount(own)}，{_compare(r, gap, name + '平均', other, relation)}{years}，{r.verdict}"


def _compare(r: _Row, gap: float, name: str, other: float, relation: str | None) -> str:
    if relation == "in_step":
        return f"与{name}{'同步' if r.held else '不同步'}（相差{r.difference(gap)}）"
    shown = f"{name}（{r.amount(other)}）"
    if r.zero(gap):
        return f"与{shown}持平" + ("" if r.held or relation is None else "，未高于")
    if gap > 0:
        return f"高于{shown}"
    return f"低于{shown}{r.difference(gap)}"


def _relation(r: _Row, gap: float) -> str | None:
    """above (高于) or in_step (同步): from the printed target, else from how the shortfall was taken."""
    text = r.target_text or ""
    if "同步" in text:
        return "in_step"
    if "高于" in text or "不低于" in text:
        return "above"
    shortfall = r.num(c.SHORTFALL)
    if shortfall is None:
        return None
    return "above" if abs(shortfall + gap) <= EPS * max(1.0, abs(gap)) else "in_step"


def _annual_form(r: _Row) -> str:
    """2026年度目标5%，实际4.8%，差0.2个百分点; at the end: 规划期3年中2年达到年度目标，未完成（完成率2/3）."""
    if r.is_final:
        judged, met = r.count(c.YEARS_JUDGED), r.count(c.YEARS_MET)
        if not judged:
            return ""
        return f"规划期{judged}年中{met}年达到年度目标，{r.verdict}（完成率{met}/{judged}）"
    return _annual_sentence(r, r.num(c.ACTUAL))


def _annual_beside(r: _Row) -> str:
    """The year's annual target beside the pace: its value is the row's own only for levels."""
    if r.num(c.ANNUAL_TARGET) is None or r.text(c.ANNUAL_STATUS) is None or r.is_final:
        return ""
    value = r.num(c.ACTUAL) if r.kind in ("level", "growth_rate") else None
    return _annual_sentence(r, value)


def _annual_sentence(r: _Row, value: float | None) -> str:
    year, target, status = r.count(c.ANNUAL_YEAR), r.num(c.ANNUAL_TARGET), r.text(c.ANNUAL_STATUS)
    if year is None or target is None or status is None:
        return ""
    head = f"{year}年度目标{r.amount(target)}"
    if value is None:
        return f"{head}，{'已完成' if status == ACHIEVED else '未完成'}"
    lower = r.text(c.DIRECTION) == "lower"
    margin = (target - value) if lower else (value - target)  # > 0: better than the target
    if r.zero(margin):
        how = "达到目标" if status == ACHIEVED else "未超过目标"
    elif margin < 0:
        how = f"差{r.difference(margin)}"
    else:
        how = f"{'低于' if lower else '高于'}目标{r.difference(margin)}"
    return f"{head}，实际{r.amount(value)}，{how}"


def _yearly_rate(r: _Row) -> str:
    """年均实际增长7.25%（目标7%以上）; at the end: 规划期年均实际增长7.5%（目标7%以上），超额完成."""
    value = r.num(c.FINAL_VALUE) if r.is_final else r.num(c.ACTUAL)
    target = r.num(c.FINAL_TARGET) if r.is_final else None
    target = target if target is not None else r.num(c.TARGET)
    if value is None:
        return ""
    wanted = _rate_target(r, target)
    text = f"年均实际增长{amount(value, PERCENT)}" + (f"（目标{wanted}）" if wanted else "")
    return f"规划期{text}，{r.verdict}" if r.is_final else text


def _rate_target(r: _Row, target: float | None) -> str:
    if r.target_text:
        return r.target_text[len(GROWTH):] if r.target_text.startswith(GROWTH) else r.target_text
    return "" if target is None else f"{amount(target, PERCENT)}以上"


def _reduction(r: _Row) -> str:
    """累计降低4.26%（序时进度应达5.4%）; at the end: 累计降低11.89%（目标13.5%），未完成."""
    if r.is_final:
        value, target = r.num(c.FINAL_VALUE), r.num(c.FINAL_TARGET)
        if value is None:
            return ""
        goal = f"（目标{r.amount(target)}）" if target is not None else ""
        return f"规划期累计降低{r.amount(value)}{goal}，{r.verdict}"
    value, expected = r.num(c.ACTUAL), r.num(c.EXPECTED)
    if value is None:
        return ""
    return f"累计降低{r.amount(value)}" + (f"（序时进度应达{r.amount(expected)}）" if expected is not None else "")


def _strict_final(r: _Row) -> str:
    """>22：终期实际22.5，超额完成; >22：终期实际22，未超过目标，未完成."""
    value, target = r.num(c.FINAL_VALUE), r.num(c.FINAL_TARGET)
    if value is None:
        return ""
    extra = ""
    if target is not None and r.zero(value - target) and r.final_status == MISSED:
        extra = "，未超过目标" if r.target_text.startswith(">") else "，未低于目标"  # type: ignore[union-attr]
    return f"{r.target_text}：终期实际{r.amount(value)}{extra}，{r.verdict}"


def _baseline(r: _Row) -> str:
    stated, baseline = r.num(c.STATED_BASELINE), r.num(c.BASELINE)
    if stated is None or baseline is None or _BASELINE_WORDS in (r.text(c.NOTE) or ""):
        return ""
    return f"基期值已按统计数据更新（{number(stated)} → {number(baseline)}）"


# ---- helpers ----

def _value_phrase(r: _Row, value: float | None, average: bool) -> str:
    if r.kind == "yearly_rate":
        return f"{'规划期' if r.is_final else ''}年均实际增长{amount(value, PERCENT)}"
    if average:
        return f"规划期各年平均{r.amount(value)}"
    return f"{'终期' if r.is_final else ''}实际{r.amount(value)}"


def _averaged(r: _Row, value: float | None, shown: float | None) -> bool:
    """The value judged is the plan years' mean (judged: average) rather than the value shown."""
    if "规划期各年平均" in (r.text(c.NOTE) or ""):
        return True
    if value is None or shown is None or r.kind == "yearly_rate":
        return False
    return not r.zero(value - shown)


def _is_about(r: _Row, target: float | None, low: float | None, high: float | None) -> bool:
    """左右: the printed target says so, or (older rows) the band is centred on the target."""
    if r.target_text:
        return "左右" in r.target_text
    if target is None or low is None or high is None:
        return False
    return low < target < high and abs((low + high) / 2 - target) <= 1e-6 * max(1.0, abs(target))


def _unit_words(r: _Row) -> str:
    return "" if r.unit in ("位",) else r.unit


def _printed_bound(r: _Row, edge: float | None, ceiling: bool) -> str:
    """The target as a plan prints a bound, for rows stored without target_text."""
    if edge is None:
        return "控制在界限以内" if ceiling else "保持在界限以上"
    shown = number(edge, r.digits) + _unit_words(r)
    return f"控制在{shown}以内" if ceiling else f"保持在{shown}以上"


def _printed_range(r: _Row, target: float | None, low: float | None, high: float | None, about: bool) -> str:
    d, unit = r.digits, _unit_words(r)
    if about and target is not None:
        return f"{number(target, d)}{unit}左右"
    if low is not None and high is not None:
        text = f"{number(low, d)}—{number(high, d)}{unit}"
    elif low is not None:
        text = f"{number(low, d)}{unit}以上"
    elif high is not None:
        text = f"{number(high, d)}{unit}以内"
    else:
        text = ""
    return f"{GROWTH}{text}" if r.kind == "yearly_rate" else text


_PLAIN_NUMBER = re.compile(r"(?<![0-9.])([0-9]+(?:\.[0-9]+)?)(?![0-9.])")


def mentions(text: str, value: Any) -> bool:
    """Whether ``text`` (a printed target) states ``value`` itself: ``>22`` states 22, ``0.8%`` does not state 8."""
    if missing(value):
        return False
    wanted = _plain(float(value))
    return any(_plain(float(found)) == wanted for found in _PLAIN_NUMBER.findall(text.replace(",", "")))


def _plain(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")
