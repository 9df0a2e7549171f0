"""`monitor plans check`: what a planner should know about a plan's own numbers, before any data arrive.

Pure: takes plans, returns findings. Messages are in Chinese, for the planners who read them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from monitor.plans import target_forms
from monitor.plans.model import Direction, Form, Indicator, Judged, Kind, Plan, Relation, Trajectory

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


# kinds whose reported values are not levels on a path from the baseline: a running total from 0 (cumulative,
# reduction) or each year's rate (yearly_rate)
_NOT_LEVELS = (Kind.cumulative, Kind.reduction, Kind.yearly_rate)


def _check_indicator(plan: Plan, ind: Indicator) -> list[Finding]:
    out: list[Finding] = []

    def add(level: str, message: str) -> None:
        out.append(Finding(level, plan.id, ind.id, f"{ind.name}：{message}"))

    base = ind.baseline
    first = next(iter(ind.milestones.items()), None)
    # the first target a path from the baseline runs to: a milestone, or the baseline moved by `change`
    goal = first if first is not None else _change_target(plan, ind)
    on_path = ind.form is Form.path or (ind.form is Form.range and ind.range is None)  # 左右 runs a path too

    for level, message in _baseline_findings(plan, ind):
        add(level, message)

    if (ind.annual_growth is not None and ind.kind not in _NOT_LEVELS and first is not None and base is not None
            and base > 0 and first[1] > 0):
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

    if on_path and base is not None and goal is not None and ind.kind not in _NOT_LEVELS:
        year, target = goal
        years = year - plan.baseline_year
        better = (target - base) * (1 if ind.direction is Direction.higher else -1)
        if better < 0:
            add(WARNING, f"{year}年目标{_fmt(target)}{ind.unit}比基期值{_fmt(base)}{ind.unit}更差，将按是否守住目标"
                         f"判断（不按序时进度）；控制类目标（如“控制在…以内”）属正常，否则请核对指标方向"
                         f"（{'越高越好' if ind.direction is Direction.higher else '越低越好'}）")
        elif better == 0:
            if ind.strict:
                add(INFO, f"{year}年目标与基期值相同，须严格{'高于' if ind.direction is Direction.higher else '低于'}"
                          f"{_fmt(target)}{ind.unit}才算达到")
            else:
                add(INFO, f"{year}年目标与基期值相同（保持水平），按是否守住目标判断")
        elif base > 0 and target > 0:
            ratio = max(target / base, base / target)
            cagr = ratio ** (1 / years) - 1
            if ratio >= IMPLAUSIBLE_RATIO or cagr > IMPLAUSIBLE_CAGR:
                add(WARNING, f"从{_fmt(base)}到{_fmt(target)}{ind.unit}是{ratio:.1f}倍的变化，"
                             f"需年均{'增长' if target > base else '下降'}约{cagr * 100:.1f}%，请核实目标是否可行")

    if ind.trajectory is Trajectory.compound and ind.kind not in (Kind.cumulative, Kind.reduction):
        values = [v for v in ind.milestones.values()] + ([base] if base is not None else [])
        if any(v <= 0 for v in values):
            add(WARNING, "复合增长路径要求基期值和目标值都为正数，该指标将无法评估")

    for level, message in _form_findings(plan, ind):
        add(level, message)

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


def _points(unit: str) -> str:
    """The unit of a difference: 个百分点 for a percentage, nothing for a ratio written x∶1."""
    if unit == "%":
        return "个百分点"
    return "" if unit.startswith(("∶", ":")) else unit


def _span(band: tuple[float | None, float | None], unit: str) -> str:
    """A band in plan language: 1.421—1.479万亿斤, 2.058∶1—2.142∶1, 5%以上."""
    low, high = band
    ratio = unit.startswith(("∶", ":"))
    if low is not None and high is not None:
        return f"{_fmt(low)}{unit}—{_fmt(high)}{unit}" if ratio else f"{_fmt(low)}—{_fmt(high)}{unit}"
    if low is not None:
        return f"{_fmt(low)}{unit}以上"
    return f"{_fmt(high)}{unit}以内"  # type: ignore[arg-type]


def _inside(value: float, band: tuple[float | None, float | None]) -> bool:
    low, high = band
    return (low is None or value >= low) and (high is None or value <= high)


def _change_target(plan: Plan, ind: Indicator) -> tuple[int, float] | None:
    """(year, target) of a target printed as a change from a known baseline (提高6个百分点, 翻一番)."""
    if ind.change is None or ind.baseline is None:
        return None
    year = target_forms.change_year(ind, plan.period.end) or plan.period.end
    if ind.change.times is not None:
        return year, ind.baseline * ind.change.times
    return year, ind.baseline + (ind.change.by or 0.0)


def _baseline_findings(plan: Plan, ind: Indicator) -> list[tuple[str, str]]:
    """What the planner should know about the baseline, for the forms that use one."""
    year = plan.baseline_year
    if ind.kind in (Kind.cumulative, Kind.reduction):
        return []  # a running total counts from 0 at the plan start
    if ind.kind is Kind.yearly_rate or ind.form in (Form.relative, Form.annual):
        return []  # judged on each year's value (against a rate, another series or the annual target): no path
    base = ind.baseline
    if base is None:
        if ind.change is not None:
            if ind.change.times is not None:
                how = f"基期值的{_fmt(ind.change.times)}倍"
            else:
                how = f"基期值{'加' if (ind.change.by or 0) >= 0 else '减'}{_fmt(abs(ind.change.by or 0))}"
                how += _points(ind.unit)
            due = target_forms.change_year(ind, plan.period.end)
            return [(INFO, f"无基期值（规划只给出较基期的变化），以{year}年（基期年）报送值为基期，{due}年目标为{how}；"
                           "未报送时取其后首个报送值，不取基期年之前的值")]
        return [(INFO, f"基期值未知（规划表中为“/”或规划未给出），以{year}年（基期年）报送值为基期；"
                       "未报送时取其后首个报送值，不取基期年之前的值")]
    if ind.baseline_estimated:
        data_year = ind.baseline_data_year
        if data_year is not None and data_year != year:
            return [(INFO, f"基期值{_fmt(base)}{ind.unit}为{data_year}年数据，待{year}年统计数据替换")]
        return [(INFO, f"基期值{_fmt(base)}{ind.unit}为预计数，待{year}年统计数据替换")]
    return []


def _form_findings(plan: Plan, ind: Indicator) -> list[tuple[str, str]]:
    """What each target form needs the planner to know: defaults the plan does not print, breached bounds,
    missing annual targets."""
    out: list[tuple[str, str]] = []
    base = ind.baseline
    last = ind.milestones[max(ind.milestones)] if ind.milestones else None
    higher = ind.direction is Direction.higher
    if ind.kind in (Kind.yearly_rate, Kind.reduction) and ind.unit != "%":
        what = "各年增长率" if ind.kind is Kind.yearly_rate else "各年降低率"
        out.append((WARNING, f"报送的是{what}，单位应为%，而不是{ind.unit}"))
    each_year = ind.judged is Judged.each_year
    if ind.form is Form.bound and each_year and base is not None and last is not None:
        margin = (base - last) * (1 if higher else -1)
        if margin < 0 or (ind.strict and margin == 0):
            side = "低于下限" if higher else "超出上限"
            out.append((WARNING, f"基期值{_fmt(base)}{ind.unit}已{side}{_fmt(last)}{ind.unit}，"
                                 "按每年守住界限判断，规划期第一年即可能判为未守住；请核对界限或改为路径目标"))
    band: tuple[float | None, float | None] | None = None
    if ind.about and last is not None:
        tolerance = ind.tolerance
        source = "规划文件所定"
        if tolerance is None:
            tolerance = abs(last) * target_forms.DEFAULT_ABOUT_PERCENT / 100
            source = f"默认为目标的{_fmt(target_forms.DEFAULT_ABOUT_PERCENT)}%，规划未规定"
        band = (last - tolerance, last + tolerance)
        out.append((INFO, f"“左右”按{_fmt(last)}{ind.unit}±{_fmt(tolerance)}{_points(ind.unit)}"
                          f"（{_span(band, ind.unit)}）判断（容差{source}）"))
    if ind.form is Form.range and ind.range is not None:
        band = (ind.range.low, ind.range.high)
    if (ind.form is Form.range and each_year and band is not None and base is not None
            and ind.kind is Kind.level and not _inside(base, band)):
        out.append((WARNING, f"基期值{_fmt(base)}{ind.unit}不在区间{_span(band, ind.unit)}内，按每年落在区间内判断，"
                             "规划期前几年即可能判为未达到；若区间是期末目标，写 judged: final，"
                             "或改为路径目标（form: path 与 about: true）"))
    if ind.form is Form.relative and ind.relative_to is not None:
        other = next((o for o in plan.indicators if o.id == ind.relative_to.indicator), None)
        other_name = other.name if other is not None else ind.relative_to.indicator
        if ind.relative_to.relation is Relation.in_step:
            given = "tolerance" in ind.relative_to.model_fields_set
            out.append((INFO, f"与{other_name}同步：每年两者相差不超过{_fmt(ind.relative_to.tolerance)}"
                              f"{_points(ind.unit)}即为同步（容差{'规划文件所定' if given else '为默认值，规划未规定'}）"))
        if other is not None and other.reporting.frequency is not ind.reporting.frequency:
            out.append((WARNING, f"与{other_name}的报送频率不同（{ind.reporting.frequency.value}、"
                                 f"{other.reporting.frequency.value}），无法逐期比较"))
    if ind.form is Form.annual:
        years = range(plan.period.start, plan.period.end + 1)
        missing = [y for y in years if y not in ind.annual_targets]
        if len(missing) == len(years):
            out.append((INFO, "规划不设期末目标数值，按各年度目标逐年判断；尚无年度目标：每年的年度目标提出后写入"
                              " annual_targets，未写入的年份不作判断"))
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
