"""`monitor plans check`: what a planner should know about a plan's own numbers, before any data arrive.

Pure: takes plans, returns findings. Messages are in Chinese, for the planners who read them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from monitor.plans.model import Direction, Indicator, Kind, Plan, Trajectory

# a stated growth rate and the rate the absolute target needs may differ by this much (percentage points)
RATE_TOLERANCE_PP = 0.5
# a plan asking for more than this compound growth a year, or a tenfold change, is worth a second look
IMPLAUSIBLE_CAGR = 0.5
IMPLAUSIBLE_RATIO = 10.0
# two sources' values for the same quantity agree when within this relative difference
AGREEMENT = 0.005

WARNING, INFO = "warning", "info"


@dataclass(frozen=True)
class Finding:
    level: str
    plan_id: str
    indicator_id: str | None
    message: str


def check_plans(plans: list[Plan]) -> list[Finding]:
    findings: list[Finding] = []
    for plan in plans:
        for ind in plan.indicators:
            findings += _check_indicator(plan, ind)
    return findings


def _fmt(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def _check_indicator(plan: Plan, ind: Indicator) -> list[Finding]:
    out: list[Finding] = []

    def add(level: str, message: str) -> None:
        out.append(Finding(level, plan.id, ind.id, f"{ind.name}：{message}"))

    base = ind.baseline
    first = next(iter(ind.milestones.items()), None)

    if base is None and ind.kind is not Kind.cumulative:
        add(INFO, f"基期值未知（规划表中为“/”或规划未给出），以{plan.baseline_year}年（基期年）报送值为基期；"
                  "未报送时取其后首个报送值，不取基期年之前的值")

    if ind.annual_growth is not None and first is not None and base is not None and base > 0 and first[1] > 0:
        year, target = first
        years = year - plan.baseline_year
        needed = (target / base) ** (1 / years) - 1
        stated = ind.annual_growth.percent / 100
        reach = base * (1 + stated) ** years
        if abs(needed - stated) * 100 > RATE_TOLERANCE_PP:
            level = WARNING if needed > stated else INFO
            relation = "达不到" if needed > stated else "超过"
            add(level, f"从{_fmt(base)}到{_fmt(target)}{ind.unit}（{plan.baseline_year}→{year}）需年均增长约"
                       f"{needed * 100:.1f}%，而规划要求年均增长{_fmt(ind.annual_growth.percent)}%；"
                       f"按{_fmt(ind.annual_growth.percent)}%增长到{year}年约为{_fmt(reach)}{ind.unit}，"
                       f"{relation}绝对目标{_fmt(target)}{ind.unit}")

    if ind.kind is Kind.growth_rate and ind.annual_growth is not None:
        years = plan.period.end - plan.baseline_year
        factor = (1 + ind.annual_growth.percent / 100) ** years
        add(INFO, f"按年均增长{_fmt(ind.annual_growth.percent)}%，{plan.period.end}年应达到基期值的"
                  f"{factor:.3f}倍")

    if base is not None and first is not None and ind.kind is not Kind.cumulative:
        year, target = first
        years = year - plan.baseline_year
        better = (target - base) * (1 if ind.direction is Direction.higher else -1)
        if better < 0:
            add(WARNING, f"{year}年目标{_fmt(target)}{ind.unit}比基期值{_fmt(base)}{ind.unit}更差，将按是否守住目标"
                         f"判断（不按序时进度）；控制类目标（如“控制在…以内”）属正常，否则请核对指标方向"
                         f"（{'越高越好' if ind.direction is Direction.higher else '越低越好'}）")
        elif better == 0:
            add(INFO, f"{year}年目标与基期值相同（保持水平），按是否守住目标判断")
        elif base > 0 and target > 0:
            ratio = max(target / base, base / target)
            cagr = ratio ** (1 / years) - 1
            if ratio >= IMPLAUSIBLE_RATIO or cagr > IMPLAUSIBLE_CAGR:
                add(WARNING, f"从{_fmt(base)}到{_fmt(target)}{ind.unit}是{ratio:.1f}倍的变化，"
                             f"需年均{'增长' if target > base else '下降'}约{cagr * 100:.1f}%，请核实目标是否可行")

    if ind.trajectory is Trajectory.compound and ind.kind is not Kind.cumulative:
        values = [v for v in ind.milestones.values()] + ([base] if base is not None else [])
        if any(v <= 0 for v in values):
            add(WARNING, "复合增长路径要求基期值和目标值都为正数，该指标将无法评估")

    for other in ind.also_stated:
        where = other.source.section or other.source.table or ""
        if other.source.document:
            where = f"《{other.source.document}》{where}"
        value = _in_unit(other.value, other.unit, ind.unit)
        if value is None:
            add(INFO, f"{where}另记为{_fmt(other.value)}{other.unit or ''}（单位无法换算，未比较）")
            continue
        shown = f"{_fmt(other.value)}{other.unit or ind.unit}"
        if other.field == "baseline" and base is not None and not _agree(value, base):
            add(WARNING, f"基期值来源不一致：规划表为{_fmt(base)}{ind.unit}，{where}为{shown}")
        if other.field == "target":
            year = other.year or (first[0] if first else None)
            mine = ind.milestones.get(year) if year else None
            if mine is not None and not _agree(value, mine):
                add(WARNING, f"{year}年目标来源不一致：采用{_fmt(mine)}{ind.unit}，{where}为{shown}")
        if other.field == "growth_rate" and ind.annual_growth and not _agree(value, ind.annual_growth.percent):
            add(WARNING, f"年均增长率来源不一致：{_fmt(ind.annual_growth.percent)}%与{where}的{shown}")
    return out


def _agree(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=AGREEMENT, abs_tol=1e-12)


def _in_unit(value: float, unit: str | None, target_unit: str) -> float | None:
    if not unit or unit == target_unit:
        return value
    from monitor.actuals.normalise import convert

    try:
        return convert(value, unit, target_unit)
    except ValueError:
        return None
