"""The judgement sentences of targets with an edge or a band, as a planner writes them.

- bound: 控制在5.5%以内：实际5.6%，超出0.1个百分点 / 保持在6.5亿吨以上：实际6.8亿吨，高于下限0.3亿吨
- range: 区间5—5.5%：实际5.3%，在区间内; 1.45万亿斤左右（1.421—1.479）：实际1.43万亿斤，在范围内
- a strict path target's final verdict: >22：终期实际22.5，超额完成

Each function words one :class:`monitor.report.wording_row.Row` and returns "" when nothing can be said yet;
:func:`monitor.report.wording.judgement` picks the family. The other families (relative, annual, yearly rates,
reductions) are :mod:`monitor.report.wording_rates`.
"""

from __future__ import annotations

from monitor.core import columns as c
from monitor.core.status import MISSED
from monitor.report.figures import GROWTH, PERCENT, amount, number
from monitor.report.wording_row import Row


def bound_sentence(r: Row) -> str:
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


def _against_edge(r: Row, shortfall: float, ceiling: bool, held: bool) -> str:
    if r.zero(shortfall):
        return ("与上限持平" if ceiling else "与下限持平") + ("" if held else "，未达到要求")
    if ceiling:
        return f"超出{r.difference(shortfall)}" if shortfall > 0 else f"低于上限{r.difference(shortfall)}"
    return f"低于下限{r.difference(shortfall)}" if shortfall > 0 else f"高于下限{r.difference(shortfall)}"


def range_sentence(r: Row) -> str:
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


def strict_final_sentence(r: Row) -> str:
    """>22：终期实际22.5，超额完成; >22：终期实际22，未超过目标，未完成."""
    value, target = r.num(c.FINAL_VALUE), r.num(c.FINAL_TARGET)
    if value is None:
        return ""
    extra = ""
    if target is not None and r.zero(value - target) and r.final_status == MISSED:
        extra = "，未超过目标" if r.target_text.startswith(">") else "，未低于目标"  # type: ignore[union-attr]
    return f"{r.target_text}：终期实际{r.amount(value)}{extra}，{r.verdict}"


# ---- helpers ----

def _value_phrase(r: Row, value: float | None, average: bool) -> str:
    if r.kind == "yearly_rate":
        return f"{'规划期' if r.is_final else ''}年均实际增长{amount(value, PERCENT)}"
    if average:
        return f"规划期各年平均{r.amount(value)}"
    return f"{'终期' if r.is_final else ''}实际{r.amount(value)}"


def _averaged(r: Row, value: float | None, shown: float | None) -> bool:
    """The value judged is the plan years' mean (judged: average) rather than the value shown."""
    if "规划期各年平均" in (r.text(c.NOTE) or ""):
        return True
    if value is None or shown is None or r.kind == "yearly_rate":
        return False
    return not r.zero(value - shown)


def _is_about(r: Row, target: float | None, low: float | None, high: float | None) -> bool:
    """左右: the printed target says so, or (older rows) the band is centred on the target."""
    if r.target_text:
        return "左右" in r.target_text
    if target is None or low is None or high is None:
        return False
    return low < target < high and abs((low + high) / 2 - target) <= 1e-6 * max(1.0, abs(target))


def _unit_words(r: Row) -> str:
    return "" if r.unit in ("位",) else r.unit


def _printed_bound(r: Row, edge: float | None, ceiling: bool) -> str:
    """The target as a plan prints a bound, for rows stored without target_text."""
    if edge is None:
        return "控制在界限以内" if ceiling else "保持在界限以上"
    shown = number(edge, r.digits) + _unit_words(r)
    return f"控制在{shown}以内" if ceiling else f"保持在{shown}以上"


def _printed_range(r: Row, target: float | None, low: float | None, high: float | None, about: bool) -> str:
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
