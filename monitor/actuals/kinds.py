"""The checks that depend on an indicator's kind: a rate (yearly_rate, reduction) is a possible rate in %, for a
year; a restated cumulative figure (口径 累计) is only of a reduction indicator, only for a year."""

from __future__ import annotations

from monitor.actuals.catalogue import IndicatorRef
from monitor.actuals.cells import Cells, printed_name
from monitor.actuals.normalise import basis_is_cumulative
from monitor.core.periods import ANNUAL, Period
from monitor.errors import Problem

# The kinds whose rows are rates: each year's growth rate (8.1 = 增长8.1%) or decline (3.1 = 下降3.1%), in %.
RATES = {"yearly_rate": "各年增长率", "reduction": "各年降低率"}
# How the 口径 messages name the kind of an indicator that does not take a restated cumulative figure.
_KIND_WORDS = {
    "level": "水平值指标（kind: level，报送期末水平）",
    "cumulative": "期内累计指标（kind: cumulative，报送各期发生量，由系统逐期累加）",
    "growth_rate": "年均增长指标（kind: growth_rate，报送水平值，由系统计算增长）",
    "yearly_rate": "各年增长率指标（kind: yearly_rate，报送各年增长率，由系统平均）",
    "reduction": "累计降低指标（kind: reduction）",
}
_BASIS_VALUES = "留空、当年或本年（该期自身的数值），或累计（规划期初以来的累计数）"
_CUMULATIVE_KINDS = (
    "口径留空或填当年、本年。只有累计降低指标（kind: reduction）接受累计：其目标就是规划期初以来的累计降低率，"
    "统计部门重述的累计降幅（如“2021—2023年累计下降6.2%”）可直接对照；其他指标按各期自身的数值计算，"
    "累计数会被当作当期值"
)
_CUMULATIVE_PERIOD = "年度期间：累计数记在累计区间的最后一年，如“2021—2023年累计下降6.2%”填期间2023、数值6.2、口径累计"



def check_rate(
    row: Cells,
    indicator: IndicatorRef | None,
    period: Period | None,
    kinds: frozenset[str],
    value: float | None,
    problems: list[Problem],
) -> bool:
    """Check a row of a rate indicator (yearly_rate, reduction): a possible rate, for a year. True when the period
    was refused for not being a year."""
    if indicator is None or not kinds & RATES.keys():
        return False
    name = printed_name(indicator, period)
    if value is not None:
        text = row.get("value")
        if "yearly_rate" in kinds and value <= -100:
            message = f"{name}的增长率 {text!r} 不可能：增长率须大于 -100%（下降100%即降为零）"
            problems.append(row.problem_in("value", message, "大于 -100 的增长率（%），如 8.1 表示增长8.1%"))
        if "reduction" in kinds and value >= 100:
            message = f"{name}的降低率 {text!r} 不可能：下降100%或更多即降到零或以下"
            problems.append(row.problem_in("value", message,
                                           "小于 100 的降低率（%），如 3.1 表示下降3.1%；上升时填负数，如 -1.2"))
    if period is not None and period.freq != ANNUAL:
        rates = "、".join(RATES[kind] for kind in sorted(kinds & RATES.keys()))
        message = f"{name}按年报送{rates}，期间 {period.label} 不是年度"
        problems.append(row.problem_in("period", message, "年度期间，如 2023"))
        return True
    return False


def check_basis(
    row: Cells,
    indicator: IndicatorRef | None,
    period: Period | None,
    kinds: frozenset[str],
    not_a_year: bool,
    problems: list[Problem],
) -> bool:
    """True for a restated cumulative figure (口径 累计): only of a reduction indicator, only for a year."""
    text = row.get("basis")
    cumulative = basis_is_cumulative(text)
    if cumulative is None:
        problems.append(row.problem_in("basis", f"口径 {text!r} 无法识别", _BASIS_VALUES))
        return False
    if not cumulative:
        return False
    if indicator is not None and kinds != {"reduction"}:
        words = "、".join(_KIND_WORDS[kind] for kind in sorted(kinds)) or "不是累计降低指标"
        when = ""
        if period is not None and len(indicator.kinds) > 1:  # its plans disagree on the kind: say whose it is
            when = f"在 {period.year} 年适用的规划中"
        message = f"口径为累计，但{printed_name(indicator, period)}{when}是{words}，不接受累计口径"
        problems.append(row.problem_in("basis", message, _CUMULATIVE_KINDS))
    if period is not None and period.freq != ANNUAL and not not_a_year:  # else refused already as a rate's period
        field = " / ".join(h for h in (row.header("period"), row.header("basis")) if h)
        problems.append(row.problem(field, f"口径为累计，但期间 {period.label} 不是年度", _CUMULATIVE_PERIOD))
    return True
