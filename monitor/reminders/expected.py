"""The figures each county owes: one per region × indicator × reporting period, with the date it is due.

Pure: plans, the set of figures already reported and a date in, plain values out.

Due dates. ``Reporting.due_days`` counts days after the period ends. A period ends when its last day is over, so
a figure is due by the end of ``last day + due_days``: the 2024 annual figure with the default 181 days is due
on 2025-06-30 (31 December 2024 + 181 days), the 2023 one on 2024-06-29 (2024 is a leap year), 2025Q1 with 30
days on 2025-04-30. From the next day on the figure is late, the same instant from which ``monitor check`` calls
a series without values ``no_data`` (monitor/core/assess.py counts due_days from the exclusive period end).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from monitor.core.periods import ANNUAL, MONTHLY, QUARTERLY, Period
from monitor.plans.model import Frequency, Indicator, Plan

FigureKey = tuple[str, str, str]  # region_code, indicator_id, period label


@dataclass(frozen=True)
class Figure:
    """One figure a region owes, as plans define it."""

    plan_id: str
    region_code: str
    region_name: str
    indicator_id: str
    indicator_name: str
    unit: str
    position: int  # the indicator's place in its plan, to list figures in plan order
    period: str  # canonical label: 2024, 2024Q2, 2024-06
    due_on: date  # the last day on which the figure is on time

    @property
    def key(self) -> FigureKey:
        return (self.region_code, self.indicator_id, self.period)

    def days_overdue(self, today: date) -> int:
        """Whole days late (0 on or before the due date)."""
        return max(0, (today - self.due_on).days)

    def days_left(self, today: date) -> int:
        """Whole days until the due date (0 on it or after it)."""
        return max(0, (self.due_on - today).days)


def due_date(period: Period, due_days: int) -> date:
    """The last day on which the figure of ``period`` is on time: its last day plus ``due_days``."""
    return period.end - timedelta(days=1) + timedelta(days=due_days)


def periods_of(frequency: Frequency, first_year: int, last_year: int) -> Iterator[Period]:
    """Every reporting period of ``frequency`` in the years ``first_year`` to ``last_year``, in time order."""
    for year in range(first_year, last_year + 1):
        if frequency is Frequency.annual:
            yield Period(year, ANNUAL, 0)
        elif frequency is Frequency.quarterly:
            yield from (Period(year, QUARTERLY, quarter) for quarter in range(1, 5))
        else:
            yield from (Period(year, MONTHLY, month) for month in range(1, 13))


def figures_of(plan: Plan, position: int, indicator: Indicator, until: date) -> Iterator[Figure]:
    """The figures of one indicator in the plan's years whose due date is no later than ``until``."""
    reporting = indicator.reporting
    for period in periods_of(reporting.frequency, plan.period.start, plan.period.end):
        due_on = due_date(period, reporting.due_days)
        if due_on > until:
            return  # periods come in time order, so every later one is due later too
        yield Figure(plan.id, plan.region.code, plan.region.name, indicator.id, indicator.name, indicator.unit,
                     position, period.label, due_on)


def expected_figures(plans: Iterable[Plan], reported: set[FigureKey], today: date,
                     before_days: int = 0) -> list[Figure]:
    """What is due or coming due and not yet reported, as of ``today``.

    For each plan × indicator: every period of its reporting frequency in the plan's years (plan.period.start
    to plan.period.end) whose due date is no later than ``today + before_days``, less the figures in
    ``reported`` ((region_code, indicator_id, period) of current values). A figure two plans share (same region,
    indicator and period) is listed once, for the plan that comes first. Sorted by region, due date and the
    indicator's place in its plan.
    """
    until = today + timedelta(days=max(0, before_days))
    found: dict[FigureKey, Figure] = {}
    for plan in plans:
        for position, indicator in enumerate(plan.indicators):
            for figure in figures_of(plan, position, indicator, until):
                if figure.key not in reported:
                    found.setdefault(figure.key, figure)
    return sorted(found.values(), key=lambda f: (f.region_code, f.due_on, f.plan_id, f.position, f.period))
