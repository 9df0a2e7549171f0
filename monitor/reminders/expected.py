"""The figures each county owes: one per region × indicator × reporting period, with the date it is due.

Pure: plans, the set of figures already reported and dates in, plain values out.

Due dates. ``Reporting.due_days`` counts days after the period ends. A period ends when its last day is over, so
a figure is due by the end of ``last day + due_days``: the 2024 annual figure with the default 181 days is due
on 2025-06-30 (31 December 2024 + 181 days), the 2023 one on 2024-06-29 (2024 is a leap year), 2025Q1 with 30
days on 2025-04-30. From the next day on the figure is late, the same instant from which ``monitor check`` calls
a series without values ``no_data`` (monitor/core/assess.py counts due_days from the exclusive period end).

Which years (docs/reminders.md, "What is expected, and when it is due"). An indicator owes figures from its plan's
first year up to its last milestone year or the plan's end year, whichever is later: a 2021–2025 plan's indicator
with a 2035 goal keeps owing annual figures 2026..2035, because the monitor keeps judging it. Once a successor plan
(same region, ``succeeds: <this plan>``) has begun (on or after 1 January of its first year), the indicator ids the
two share are owed under the successor only, from its first year; the old plan owes them up to its own end year
(the baseline-year figure of the successor, 2025, is the old plan's end-year figure, owed once).

How far back. ``Lookback`` (settings MONITOR_REMINDERS__LOOKBACK_DAYS and __SINCE) sets the earliest due date a
figure may have and still be asked for, so the first run on a new database does not ask for years-old gaps.
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


@dataclass(frozen=True)
class Lookback:
    """How far back figures are asked for: those due in the last ``days`` days, and none due before ``since``."""

    days: int = 365
    since: date | None = None

    def __post_init__(self) -> None:
        if self.days < 0:
            raise ValueError(f"reminders.lookback_days must not be negative, not {self.days}")

    def start(self, today: date) -> date:
        """The earliest due date a figure may have and still be expected as of ``today``."""
        start = today - timedelta(days=self.days)
        return max(start, self.since) if self.since is not None else start


@dataclass(frozen=True)
class Span:
    """The years one indicator of one plan owes figures for."""

    plan: Plan
    position: int
    indicator: Indicator
    first_year: int
    last_year: int

    def periods(self) -> Iterator[Period]:
        return periods_of(self.indicator.reporting.frequency, self.first_year, self.last_year)

    def in_plan(self, period: Period) -> bool:
        return self.plan.period.start <= period.year <= self.plan.period.end


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


def taken_over(plans: Iterable[Plan], today: date) -> dict[str, set[str]]:
    """Plan id → the indicator ids a successor plan of the same region has taken over by ``today`` (its period
    has begun)."""
    plans = list(plans)
    by_id = {p.id: p for p in plans}
    taken: dict[str, set[str]] = {}
    for successor in plans:
        old = by_id.get(successor.succeeds) if successor.succeeds else None
        if old is None or old.region.code != successor.region.code or today < date(successor.period.start, 1, 1):
            continue
        shared = {i.id for i in old.indicators} & {i.id for i in successor.indicators}
        taken.setdefault(old.id, set()).update(shared)
    return taken


def spans(plans: Iterable[Plan], today: date) -> Iterator[Span]:
    """Each plan × indicator with the years it owes figures for as of ``today``: the plan's first year to its
    last milestone year (2035 goals included) or its end year, whichever is later; only to the end year for an
    indicator a successor plan has taken over."""
    plans = list(plans)
    taken = taken_over(plans, today)
    for plan in plans:
        for position, indicator in enumerate(plan.indicators):
            last = plan.period.end
            if indicator.id not in taken.get(plan.id, set()):
                last = max([last, *indicator.milestones])
            yield Span(plan, position, indicator, plan.period.start, last)


def figures_of(span: Span, since: date | None, until: date) -> Iterator[tuple[Figure, bool]]:
    """The figures of one span due from ``since`` (None: from the first period) to ``until``, each with whether
    its period lies inside the plan's years."""
    plan, indicator = span.plan, span.indicator
    for period in span.periods():
        due_on = due_date(period, indicator.reporting.due_days)
        if due_on > until:
            return  # periods come in time order, so every later one is due later too
        if since is not None and due_on < since:
            continue
        yield (Figure(plan.id, plan.region.code, plan.region.name, indicator.id, indicator.name, indicator.unit,
                      span.position, period.label, due_on), span.in_plan(period))


def expected_figures(plans: Iterable[Plan], reported: set[FigureKey], today: date, before_days: int = 0,
                     since: date | None = None) -> list[Figure]:
    """What is due or coming due and not yet reported, as of ``today``.

    For each plan × indicator (its years as ``spans`` gives them): every period of its reporting frequency whose
    due date is no earlier than ``since`` (None: no limit; see ``Lookback.start``) and no later than
    ``today + before_days``, less the figures in ``reported`` ((region_code, indicator_id, period) of current
    values). A figure two plans share (same region, indicator and period) is listed once: for the plan whose
    years it lies in, else for the plan that comes first. Sorted by region, due date and the indicator's place in
    its plan.
    """
    until = today + timedelta(days=max(0, before_days))
    found: dict[FigureKey, tuple[Figure, bool]] = {}
    for span in spans(plans, today):
        for figure, in_plan in figures_of(span, since, until):
            if figure.key in reported:
                continue
            held = found.get(figure.key)
            if held is None or (in_plan and not held[1]):
                found[figure.key] = (figure, in_plan)
    return sorted((f for f, _ in found.values()),
                  key=lambda f: (f.region_code, f.due_on, f.plan_id, f.position, f.period))
