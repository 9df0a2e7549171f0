"""Which fields each target form needs, and the target in plan language (docs/plan-format.md, "Target forms").

``check`` runs inside the plan model's validation, so every message is for the planner who wrote the file and is in
Chinese; ``check_plan`` adds what needs the whole plan (the other indicator of a relative target, years inside the
period). Each problem carries the location of the field it is about (``indicators[3].relative_to.indicator``), so
the loader names the line and the field, and every problem of an indicator (or of the plan) is listed at once.
``printed`` says a target the way a plan table prints it: 控制在5.5%以内, 5—5.5%, 1.45万亿斤左右, 年均增长7%以上,
累计降低17%, >22, 高于国内生产总值增长, 各年度视情提出.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from monitor.actuals.normalise import same_unit

if TYPE_CHECKING:  # the model imports this module
    from monitor.plans.model import Indicator, Plan

DEFAULT_ABOUT_PERCENT = 2.0  # 左右: ± 2 % of the target unless the indicator says otherwise

Loc = tuple[str | int, ...]


def _fail(message: str, **values: object) -> PydanticCustomError:
    return PydanticCustomError("target_form", message, values)


class _Problems:
    """The problems found so far, each at the location of its field; one per location (the first found)."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.items: dict[Loc, InitErrorDetails] = {}

    def add(self, loc: Loc, value: Any, message: str, **values: object) -> None:
        self.items.setdefault(loc, InitErrorDetails(type=_fail(message, **values), loc=loc, input=value))

    def raise_any(self) -> None:
        """Raise them together; pydantic prefixes each location with where the model sits in the file."""
        if self.items:
            raise ValidationError.from_exception_data(self.title, list(self.items.values()))


def check(ind: Indicator) -> None:
    """Raise a planner-readable error for every field of an indicator that does not fit its target form."""
    from monitor.plans.model import Direction, Form, Frequency, Kind

    found = _Problems("Indicator")
    add = found.add
    form, kind = ind.form, ind.kind
    if kind is Kind.growth_rate and ind.annual_growth is None:
        add(("annual_growth",), None, "kind: growth_rate（年均增长，报送水平值）须写 annual_growth（年均增长率）")
    if kind is Kind.yearly_rate:
        # the average rate X is the target, the bound, or the centre of 左右; a printed band or the annual targets
        # replace it (a relative target is refused below)
        own_numbers = form is Form.annual or (form is Form.range and ind.range is not None)
        if ind.annual_growth is None and not own_numbers and form is not Form.relative:
            add(("annual_growth",), None,
                "kind: yearly_rate（报送各年增长率）须写 annual_growth（目标年均增长率，年均增长7%以上 写 percent: 7）；"
                "区间（年均增长5—5.5%）写 form: range 与 range")
        if ind.reporting.frequency is not Frequency.annual:
            add(("reporting", "frequency"), ind.reporting.frequency.value,
                "kind: yearly_rate 按年报送各年增长率，reporting.frequency 须为 annual")
    if kind is Kind.reduction:
        if not ind.milestones:
            add(("milestones",), ind.milestones,
                "kind: reduction（累计降低）须在 milestones 写目标年份与累计降低幅度，例如 {2030: 17}")
        if ind.reporting.frequency is not Frequency.annual:
            add(("reporting", "frequency"), ind.reporting.frequency.value,
                "kind: reduction 按年报送各年降低率，reporting.frequency 须为 annual")
        if ind.direction is not Direction.higher:
            add(("direction",), ind.direction.value,
                "kind: reduction 的累计降低幅度越大越好，direction 须为 higher（或不写）")
    if kind in (Kind.cumulative, Kind.reduction) and ind.baseline not in (None, 0):
        if kind is Kind.reduction:
            add(("baseline",), ind.baseline,
                "kind: reduction（累计降低）自规划期初从0算起，baseline 须为 0 或 null，收到 {baseline}；"
                "上一规划期的累计降低幅度可写在 note 中", baseline=ind.baseline)
        else:
            add(("baseline",), ind.baseline,
                "期内累计的指标自规划期初从0算起，baseline 须为 0 或 null，收到 {baseline}；上一规划期的累计值可写在 "
                "note 中", baseline=ind.baseline)
    if form is Form.path:
        if not ind.milestones and ind.change is None and kind not in (Kind.growth_rate, Kind.yearly_rate):
            add(("milestones",), ind.milestones, "milestones 至少需要一个“年份: 目标值”，或写 change（较基期提高/翻番）")
    elif form is Form.bound:
        if not ind.milestones:
            add(("milestones",), ind.milestones,
                "form: bound（控制在…以内／保持在…以上）须在 milestones 写界限值与年份，例如 {2030: 5.5}")
    elif form is Form.range:
        if ind.range is None and not (ind.about and ind.milestones):
            add(("range",), None,
                "form: range 须写 range（如 low: 5, high: 5.5），或写 about: true（左右）与 milestones")
    elif form is Form.relative:
        if ind.relative_to is None:
            add(("relative_to",), None,
                "form: relative（高于／同步于另一指标）须写 relative_to（另一指标的 id 与关系 above 或 in_step）")
        if kind is not Kind.level:
            # each year's reported value is compared as it is; a yearly_rate, reduction or cumulative series is
            # judged on its running average or total instead
            add(("kind",), kind.value,
                "form: relative 逐年直接比较两指标的报送值（如各年增长率），kind 须为 level（或不写）；本指标为 kind: {kind}",
                kind=kind.value)
    if form in (Form.relative, Form.annual):
        if ind.milestones:
            add(("milestones",), ind.milestones, "form: {form} 不设规划期目标数值，不能写 milestones",
                form=form.value)
        if ind.change is not None:
            add(("change",), None, "form: {form} 不设规划期目标数值，不能写 change", form=form.value)
    if ind.relative_to is not None and form is not Form.relative:
        add(("relative_to",), None, "relative_to 只用于 form: relative（本指标为 form: {form}）", form=form.value)
    if ind.range is not None and form is not Form.range:
        add(("range",), None, "range 只用于 form: range（本指标为 form: {form}）", form=form.value)
    if ind.judged.value != "each_year" and form not in (Form.bound, Form.range):
        add(("judged",), ind.judged.value,
            "judged 只用于 form: bound 或 range（界限、区间按每年、平均或期末判断）；本指标为 form: {form}",
            form=form.value)
    if ind.about and form in (Form.relative, Form.annual):
        add(("about",), ind.about, "about: true（左右）不用于 form: {form}", form=form.value)
    elif ind.about and not ind.milestones and not (form is Form.range and ind.range is None):
        add(("milestones",), ind.milestones, "about: true（左右）须在 milestones 写目标值")
    if ind.tolerance is not None and not ind.about:
        add(("tolerance",), ind.tolerance, "tolerance（左右的允许偏差）只与 about: true 一起使用")
    if ind.change is not None:
        if kind is not Kind.level:
            add(("change",), None, "change（较基期提高／翻番）只用于 kind: level 的指标，本指标为 kind: {kind}",
                kind=kind.value)
        year = ind.change.year
        if year is not None and year in ind.milestones:
            add(("change", "year"), year, "change 与 milestones 同时给出了 {year} 年的目标，只能保留一个", year=year)
        if ind.change.times is not None and ind.baseline is not None and ind.baseline <= 0:
            add(("change", "times"), ind.change.times, "change.times（翻番）要求基期值为正数，收到 {baseline}",
                baseline=ind.baseline)
    found.raise_any()


def check_plan(plan: Plan) -> None:
    """What needs the whole plan: years inside the period, and the other indicator of a relative target."""
    ids = {ind.id: ind for ind in plan.indicators}
    first, last = plan.period.start, plan.period.end
    found = _Problems("Plan")
    for i, ind in enumerate(plan.indicators):
        where = f"指标 {ind.id}（{ind.name}）"
        at: Loc = ("indicators", i)
        if ind.relative_to is not None:
            other = ids.get(ind.relative_to.indicator)
            if other is None:
                found.add((*at, "relative_to", "indicator"), ind.relative_to.indicator,
                          "{where}：relative_to.indicator 为 {other}，本规划没有此指标（须写本规划另一指标的 id）",
                          where=where, other=ind.relative_to.indicator)
            elif other.id == ind.id:
                found.add((*at, "relative_to", "indicator"), ind.relative_to.indicator,
                          "{where}：relative_to 不能指向指标自身", where=where)
            elif not same_unit(other.unit, ind.unit):
                found.add((*at, "relative_to", "indicator"), ind.relative_to.indicator,
                          "{where}：单位 {unit} 与 {other} 的单位 {other_unit} 不同，无法逐年比较", where=where,
                          unit=ind.unit, other=other.id, other_unit=other.unit)
            elif other.kind.value != "level":  # its judged figure is a running average or total, not the year's
                found.add((*at, "relative_to", "indicator"), ind.relative_to.indicator,
                          "{where}：{other} 为 kind: {kind}，按规划期平均或累计判断，不能与本指标逐年比较；"
                          "作比较基准的指标须为 kind: level（报送各年的值）", where=where, other=other.id,
                          kind=other.kind.value)
        for year in ind.annual_targets:
            if not first <= year <= last:
                found.add((*at, "annual_targets", year), ind.annual_targets[year],
                          "{where}：annual_targets 的年份 {year} 不在规划期 {first}—{last} 内", where=where,
                          year=year, first=first, last=last)
        if ind.change is not None and ind.change.year is not None and ind.change.year <= plan.baseline_year:
            found.add((*at, "change", "year"), ind.change.year, "{where}：change.year {year} 不晚于基期年 {base}",
                      where=where, year=ind.change.year, base=plan.baseline_year)
        for n, rebase in enumerate(ind.rebases):
            if rebase.year <= plan.baseline_year:
                found.add((*at, "rebases", n, "year"), rebase.year,
                          "{where}：rebases 的年份 {year} 须晚于基期年 {base}（基期值本身写在 baseline）",
                          where=where, year=rebase.year, base=plan.baseline_year)
        if ind.baseline_data_year is not None and ind.baseline_data_year > plan.baseline_year:
            found.add((*at, "baseline_data_year"), ind.baseline_data_year,
                      "{where}：baseline_data_year {year} 晚于基期年 {base}", where=where,
                      year=ind.baseline_data_year, base=plan.baseline_year)
    found.raise_any()


def change_year(ind: Indicator, plan_end: int) -> int | None:
    return None if ind.change is None else (ind.change.year or plan_end)


def number(value: float) -> str:
    """A number as a plan prints it: no trailing zeros, at most four decimals."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _target(milestones: dict[int, float], end: int | None) -> float | None:
    """The milestone a plan's table prints: the last one by the plan's end year (a 2035 goal is a later milestone,
    not the plan's target); the first one after it when none comes by then; the last one when ``end`` is unknown."""
    if not milestones:
        return None
    if end is None:
        return milestones[max(milestones)]
    by_end = [year for year in milestones if year <= end]
    return milestones[max(by_end)] if by_end else milestones[min(milestones)]


def printed(ind: Indicator, names: dict[str, str] | None = None, *, end: int | None = None) -> str:
    """The target in plan language, from the fields (the file's own ``printed`` text wins); ``names`` maps the
    plan's indicator ids to their printed names, for a relative target; ``end`` is the plan's end year, so a 2035
    milestone after it is not taken for the plan's target."""
    from monitor.plans.model import Form, Kind, Relation

    if ind.printed:
        return ind.printed
    unit = "" if ind.unit in ("位",) else ind.unit
    higher = ind.direction.value == "higher"
    last = _target(ind.milestones, end)
    if ind.form is Form.annual:
        return "各年度视情提出"
    if ind.form is Form.relative and ind.relative_to is not None:
        other = (names or {}).get(ind.relative_to.indicator, ind.relative_to.indicator)
        if ind.relative_to.relation is Relation.above:
            return f"高于{other}"
        return f"与{other}同步"
    if ind.form is Form.range:
        if ind.range is not None:
            low, high = ind.range.low, ind.range.high
            if low is not None and high is not None:
                text = f"{number(low)}—{number(high)}{unit}"
            elif low is not None:
                text = f"高于{number(low)}{unit}" if ind.strict else f"{number(low)}{unit}以上"
            else:
                text = f"低于{number(high)}{unit}" if ind.strict else f"{number(high)}{unit}以内"  # type: ignore[arg-type]
            return f"年均增长{text}" if ind.kind is Kind.yearly_rate else text
        if ind.kind is Kind.yearly_rate and ind.annual_growth is not None:  # the average rate is the centre
            return f"年均增长{number(ind.annual_growth.percent)}%左右"
        if last is not None:
            return f"{number(last)}{unit}左右"
    if ind.kind is Kind.reduction and last is not None:
        return f"累计降低{number(last)}{unit}"
    if ind.kind in (Kind.growth_rate, Kind.yearly_rate) and ind.annual_growth is not None:
        rate = number(ind.annual_growth.percent)
        return f"年均增长高于{rate}%" if ind.strict else f"年均增长{rate}%以上"
    if ind.form is Form.bound and last is not None:
        if higher:
            return f"保持在{number(last)}{unit}以上" if not ind.strict else f"高于{number(last)}{unit}"
        return f"控制在{number(last)}{unit}以内" if not ind.strict else f"低于{number(last)}{unit}"
    if ind.change is not None:
        if ind.change.times is not None:
            doubled = {2: "翻一番", 4: "翻两番"}
            if ind.change.times in doubled:
                return doubled[ind.change.times]  # type: ignore[index]
            return f"增至基期的{number(ind.change.times)}倍"
        by = ind.change.by or 0.0
        word = "提高" if by >= 0 else "降低"
        pp = "个百分点" if ind.unit == "%" else unit
        return f"{word}{number(abs(by))}{pp}"
    if last is None:
        return ""
    text = f"{number(last)}{unit}"
    if ind.about:
        return f"{text}左右"
    if ind.strict:
        return f"{'>' if higher else '<'}{number(last)}"
    return text
