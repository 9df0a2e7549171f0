"""The judgement sentences of targets said against a rate or a year, as a planner writes them.

- relative: 实际6%，高于国内生产总值(GDP)增长（5%）; 实际5.3%，与…同步（相差0.3个百分点）
- annual targets (form annual, or beside any form): 2026年度目标5%，实际4.8%，差0.2个百分点
- yearly rates: 年均实际增长7.25%（目标7%以上）; reductions: 累计降低4.26%（序时进度应达5.4%）

Each function words one :class:`monitor.report.wording_row.Row` and returns "" when nothing can be said yet;
:func:`monitor.report.wording.judgement` picks the family. Bounds, ranges and strict targets are
:mod:`monitor.report.wording_bands`.
"""

from __future__ import annotations

from monitor.core import columns as c
from monitor.core.status import ACHIEVED
from monitor.report.figures import EPS, GROWTH, PERCENT, amount
from monitor.report.wording_row import Row


def relative_sentence(r: Row) -> str:
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


def _compare(r: Row, gap: float, name: str, other: float, relation: str | None) -> str:
    if relation == "in_step":
        return f"与{name}{'同步' if r.held else '不同步'}（相差{r.difference(gap)}）"
    shown = f"{name}（{r.amount(other)}）"
    if r.zero(gap):
        return f"与{shown}持平" + ("" if r.held or relation is None else "，未高于")
    if gap > 0:
        return f"高于{shown}"
    return f"低于{shown}{r.difference(gap)}"


def _relation(r: Row, gap: float) -> str | None:
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


def annual_form_sentence(r: Row) -> str:
    """2026年度目标5%，实际4.8%，差0.2个百分点; at the end: 规划期3年中2年达到年度目标，未完成（完成率2/3）."""
    if r.is_final:
        judged, met = r.count(c.YEARS_JUDGED), r.count(c.YEARS_MET)
        if not judged:
            return ""
        return f"规划期{judged}年中{met}年达到年度目标，{r.verdict}（完成率{met}/{judged}）"
    return _annual_sentence(r, r.num(c.ACTUAL))


def annual_beside_sentence(r: Row) -> str:
    """The year's annual target beside the pace: its value is the row's own only for levels."""
    if r.num(c.ANNUAL_TARGET) is None or r.text(c.ANNUAL_STATUS) is None or r.is_final:
        return ""
    value = r.num(c.ACTUAL) if r.kind in ("level", "growth_rate") else None
    return _annual_sentence(r, value)


def _annual_sentence(r: Row, value: float | None) -> str:
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


def yearly_rate_sentence(r: Row) -> str:
    """年均实际增长7.25%（目标7%以上）; at the end: 规划期年均实际增长7.5%（目标7%以上），超额完成."""
    value = r.num(c.FINAL_VALUE) if r.is_final else r.num(c.ACTUAL)
    target = r.num(c.FINAL_TARGET) if r.is_final else None
    target = target if target is not None else r.num(c.TARGET)
    if value is None:
        return ""
    wanted = _rate_target(r, target)
    text = f"年均实际增长{amount(value, PERCENT)}" + (f"（目标{wanted}）" if wanted else "")
    return f"规划期{text}，{r.verdict}" if r.is_final else text


def _rate_target(r: Row, target: float | None) -> str:
    if r.target_text:
        return r.target_text[len(GROWTH):] if r.target_text.startswith(GROWTH) else r.target_text
    return "" if target is None else f"{amount(target, PERCENT)}以上"


def reduction_sentence(r: Row) -> str:
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
