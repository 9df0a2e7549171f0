"""Which figures each county owes and when they are due, with the real plans of config/plans."""

from __future__ import annotations

from datetime import date

import pytest

from monitor.core.assess import assess
from monitor.core.periods import parse_period
from monitor.plans.loader import plan_files_in, read_plan_files
from monitor.plans.model import Frequency, Plan, Reporting
from monitor.reminders.expected import due_date, expected_figures
from tests.conftest import PLANS_DIR
from tests.frames import frames, observations, series

CHENGKOU, XIUSHAN = "500229", "500241"


FOURTEENTH = ("chengkou-14th-sti", "xiushan-14th-sti")


@pytest.fixture(scope="module")
def plans() -> list[Plan]:
    """The two 十四五 plans (an example 十五五 plan in config/plans would change the counts)."""
    return [f.plan for f in read_plan_files(plan_files_in(PLANS_DIR)) if f.plan.id in FOURTEENTH]


def reporting(plan: Plan, frequency: Frequency, due_days: int, count: int = 2) -> Plan:
    """The plan's first ``count`` indicators, reported at another frequency."""
    indicators = [i.model_copy(update={"reporting": Reporting(frequency=frequency, due_days=due_days)})
                  for i in plan.indicators[:count]]
    return plan.model_copy(update={"indicators": indicators})


@pytest.mark.parametrize("label,due_days,expected", [
    ("2024", 181, date(2025, 6, 30)),  # 31 December 2024 + 181 days
    ("2023", 181, date(2024, 6, 29)),  # 2024 is a leap year
    ("2025Q1", 30, date(2025, 4, 30)),
    ("2024Q4", 45, date(2025, 2, 14)),
    ("2025-06", 15, date(2025, 7, 15)),
    ("2024-02", 0, date(2024, 2, 29)),  # due_days 0: on the period's last day
])
def test_a_figure_is_due_by_the_end_of_its_periods_last_day_plus_due_days(label, due_days, expected):
    assert due_date(parse_period(label), due_days) == expected


@pytest.mark.parametrize("frequency,first,due_days", [("annual", "2021", 181), ("quarterly", "2021Q1", 30),
                                                      ("monthly", "2021-01", 20)])
def test_the_day_after_the_due_date_is_the_day_monitor_check_starts_calling_the_series_not_reported(
        frequency, first, due_days):
    due_on = due_date(parse_period(first), due_days)
    s, m = frames(series("rd", baseline=0.1, milestones={2025: 0.3}, frequency=frequency, due_days=due_days))

    on_due_date = assess(s, m, observations(), due_on).iloc[0].status
    day_after = assess(s, m, observations(), date.fromordinal(due_on.toordinal() + 1)).iloc[0].status

    assert (on_due_date, day_after) == ("not_assessable", "no_data")


def test_with_nothing_reported_every_indicator_owes_each_year_whose_figure_is_due(plans):
    figures = expected_figures(plans, set(), date(2025, 7, 1))

    indicators = sum(len(p.indicators) for p in plans)
    assert indicators == 21 + 47
    assert len(figures) == indicators * 4  # 2021 to 2024; the 2025 figure is due on 2026-06-30
    assert {f.period for f in figures} == {"2021", "2022", "2023", "2024"}
    rd_2024 = next(f for f in figures if f.key == (CHENGKOU, "rd_expenditure", "2024"))
    assert rd_2024.due_on == date(2025, 6, 30) and rd_2024.indicator_name == "全社会研究与试验发展经费支出"
    assert next(f for f in figures if f.key == (CHENGKOU, "rd_expenditure", "2023")).due_on == date(2024, 6, 29)


def test_a_figure_coming_due_within_before_days_is_expected_one_day_earlier_it_is_not(plans):
    assert "2024" in {f.period for f in expected_figures(plans, set(), date(2025, 6, 27), before_days=3)}
    assert "2024" not in {f.period for f in expected_figures(plans, set(), date(2025, 6, 26), before_days=3)}


def test_reported_figures_are_not_expected(plans):
    reported = {(CHENGKOU, "rd_expenditure", "2024"), (XIUSHAN, "rd_intensity", "2021")}
    figures = expected_figures(plans, reported, date(2025, 7, 1))

    keys = {f.key for f in figures}
    assert not keys & reported
    assert (CHENGKOU, "rd_expenditure", "2023") in keys and (XIUSHAN, "rd_intensity", "2022") in keys
    assert len(figures) == (21 + 47) * 4 - 2


def test_after_the_plan_years_only_the_indicators_with_a_2035_goal_are_still_expected(plans):
    figures = expected_figures(plans, set(), date(2037, 1, 1))

    continuing = {(f.region_code, f.indicator_id) for f in figures if int(f.period) > 2025}
    assert continuing == {(CHENGKOU, i) for i in ("rd_intensity", "invention_patents_per_10k", "innovation_platforms",
                                                  "tech_enterprises", "industrial_enterprises_with_rd_share")}
    assert max(int(f.period) for f in figures) == 2035
    assert len(figures) == (21 + 47) * 5 + 5 * 10


def test_quarterly_and_monthly_indicators_owe_a_figure_per_quarter_and_per_month(plans):
    chengkou = next(p for p in plans if p.region.code == CHENGKOU)
    quarterly = reporting(chengkou, Frequency.quarterly, 30, count=1)
    monthly = reporting(chengkou, Frequency.monthly, 20, count=1)

    quarters = expected_figures([quarterly], set(), date(2021, 10, 30))
    months = expected_figures([monthly], set(), date(2021, 3, 22))

    assert [(f.period, f.due_on) for f in quarters] == [
        ("2021Q1", date(2021, 4, 30)), ("2021Q2", date(2021, 7, 30)), ("2021Q3", date(2021, 10, 30))]
    assert [(f.period, f.due_on) for f in months] == [("2021-01", date(2021, 2, 20)), ("2021-02", date(2021, 3, 20))]


def test_figures_are_listed_by_region_then_due_date_then_in_plan_order(plans):
    figures = expected_figures(plans, set(), date(2023, 7, 1))

    order = [(f.region_code, f.due_on, f.position) for f in figures]
    assert order == sorted(order)
    assert figures[0].region_code == CHENGKOU and figures[0].indicator_id == "rd_expenditure"
    assert figures[-1].region_code == XIUSHAN


def test_days_overdue_and_days_left_count_from_the_due_date(plans):
    figure = next(f for f in expected_figures(plans, set(), date(2025, 7, 1)) if f.period == "2024")

    assert (figure.days_overdue(date(2025, 7, 15)), figure.days_left(date(2025, 7, 15))) == (15, 0)
    assert (figure.days_overdue(date(2025, 6, 30)), figure.days_left(date(2025, 6, 30))) == (0, 0)
    assert (figure.days_overdue(date(2025, 6, 27)), figure.days_left(date(2025, 6, 27))) == (0, 3)


def test_a_figure_two_plans_of_one_region_share_is_expected_once(plans):
    chengkou = next(p for p in plans if p.region.code == CHENGKOU)
    second = chengkou.model_copy(update={"id": "chengkou-extra"})

    figures = expected_figures([chengkou, second], set(), date(2022, 7, 1))

    assert len(figures) == len(chengkou.indicators)
    assert {f.plan_id for f in figures} == {"chengkou-14th-sti"}
