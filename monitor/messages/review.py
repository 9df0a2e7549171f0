"""The figures of a 终期评估 message (kind ``final``): a plan's final verdicts in one region, counted as a Chinese
final review counts them (docs/method.md, "Final verdict of a milestone"):

- 完成 n / 未完成 m / 未报送 k, and how many of the achieved beat their target (超额完成: the row's ``exceeded``, or
  完成率 above 100 % for rows stored before it existed);
- 指标完成率 = achieved ÷ (achieved + missed): the indicators without a final figure are not judged;
- the same for the 约束性 (binding) indicators alone.

The items are the announcement alerts of the group (one per indicator); their assessment is the final row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from monitor.core import columns as c
from monitor.core.status import ACHIEVED, MISSED, NO_DATA
from monitor.messages.filters import beyond


@dataclass(frozen=True)
class Tally:
    total: int = 0
    achieved: int = 0
    exceeded: int = 0
    missed: int = 0
    no_data: int = 0

    @property
    def judged(self) -> int:
        return self.achieved + self.missed

    @property
    def rate(self) -> float | None:
        """指标完成率: achieved ÷ judged; None when nothing could be judged."""
        return self.achieved / self.judged if self.judged else None


@dataclass(frozen=True)
class PlanReview:
    """One plan's verdicts in one region, for the templates (``review`` is a list of these)."""

    plan_id: str
    plan_name: str
    region_name: str
    final_period: str | None
    all: Tally
    binding: Tally
    achieved: list[Any] = field(default_factory=list)  # ItemViews, by name
    missed: list[Any] = field(default_factory=list)  # ItemViews, lowest 完成率 first
    no_data: list[Any] = field(default_factory=list)  # ItemViews, by name


def _exceeded(a: dict[str, Any]) -> bool:
    """超额完成: the row's ``exceeded`` where known (beyond a 左右 target's tolerance), else 完成率 above 100 %."""
    return beyond(a.get(c.ATTAINMENT), a.get(c.EXCEEDED))


def tally(rows: list[dict[str, Any]]) -> Tally:
    statuses = [a.get(c.FINAL_STATUS) for a in rows]
    return Tally(total=len(rows), achieved=statuses.count(ACHIEVED),
                 exceeded=sum(1 for a in rows if a.get(c.FINAL_STATUS) == ACHIEVED and _exceeded(a)),
                 missed=statuses.count(MISSED), no_data=statuses.count(NO_DATA))


def reviews(views: list[Any], plan_names: dict[str, str]) -> list[PlanReview]:
    """One PlanReview per plan (and region) among ``views``, in order of first appearance."""
    by_plan: dict[tuple[str, str], list[Any]] = {}
    for view in views:
        key = (str(view.a[c.PLAN_ID] or view.labels.get("plan", "")), str(view.a[c.REGION_NAME] or ""))
        by_plan.setdefault(key, []).append(view)
    out = []
    for (plan_id, region), items in by_plan.items():
        rows = [v.a for v in items]
        periods = sorted({str(a[c.FINAL_PERIOD]) for a in rows if a[c.FINAL_PERIOD]})

        def pick(status: str) -> list[Any]:
            return [v for v in items if v.a[c.FINAL_STATUS] == status]

        def by_name(view: Any) -> str:
            return str(view.a[c.INDICATOR_NAME] or "")

        out.append(PlanReview(
            plan_id=plan_id, plan_name=plan_names.get(plan_id) or plan_id, region_name=region,
            final_period=periods[-1] if periods else None, all=tally(rows),
            binding=tally([a for a in rows if a[c.BINDING] == "binding"]),
            achieved=sorted(pick(ACHIEVED), key=by_name),
            missed=sorted(pick(MISSED), key=lambda v: (v.a[c.ATTAINMENT] is None, v.a[c.ATTAINMENT] or 0.0)),
            no_data=sorted(pick(NO_DATA), key=by_name),
        ))
    return out
