"""Where a plan stands on a date, as `monitor plans list` shows it: 尚未开始, 执行中, 已结束, or 已由 … 接续.

Pure: a plan, the other plans (to find its successor) and a date. Calendar years: a plan with period 2021–2025
begins on 1 January 2021 and ends on 31 December 2025. This is the plan's own phase; the phases of single rows of
`monitor check` (awaiting_final, final, continuing) also depend on when figures are due, see docs/method.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from monitor.plans.model import Plan
from monitor.plans.succession import successor_of

NOT_STARTED, RUNNING, ENDED, SUCCEEDED = "not_started", "in_progress", "ended", "succeeded"


@dataclass(frozen=True)
class PlanPhase:
    code: str  # not_started | in_progress | ended | succeeded
    label: str  # what a planner reads
    successor_id: str | None = None


def plan_phase(plan: Plan, plans: list[Plan], as_of: date) -> PlanPhase:
    """The phase of ``plan`` on ``as_of``; ``plans`` are all known plans (``plan`` may be among them)."""
    successor = successor_of(plan, plans)
    if successor is not None and as_of >= date(successor.period.start, 1, 1):
        return PlanPhase(SUCCEEDED, f"已由 {successor.id} 接续", successor.id)
    if as_of < date(plan.period.start, 1, 1):
        return PlanPhase(NOT_STARTED, "尚未开始")
    if as_of <= date(plan.period.end, 12, 31):
        return PlanPhase(RUNNING, "执行中")
    return PlanPhase(ENDED, "已结束")
