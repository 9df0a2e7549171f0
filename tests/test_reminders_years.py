"""Which years an indicator owes figures for, and how far back they are asked for: 2035 goals, succession and
the lookback window. Pure, with plans built here so the counts are exact."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from monitor.plans.model import Plan
from monitor.reminders.expected import Lookback, expected_figures
from monitor.reminders.service import ladder_of, lookback_of
from monitor.settings import ReminderSettings, Settings, load_settings

CHENGKOU, XIUSHAN = "500229", "500241"
EVERYTHING = None  # no lookback: every figure from the plan's first year


def plan(plan_id: str, start: int, end: int, indicators: dict[str, dict[int, float]], *, region: str = CHENGKOU,
         succeeds: str | None = None) -> Plan:
    """A plan of annual indicators: id → milestones."""
    return Plan.model_validate({
        "id": plan_id, "title": plan_id, "region": {"name": "城口县" if region == CHENGKOU else "秀山县", "code": region},
        "period": {"start": start, "end": end}, "baseline_year": start - 1, "succeeds": succeeds,
        "source": {"title": plan_id},
        "indicators": [{"id": i, "name": i, "unit": "项", "baseline": 0, "milestones": m, "source": {"table": "表1"}}
                       for i, m in indicators.items()],
    })


OLD = plan("old-14th", 2021, 2025, {"shared_2035": {2025: 1, 2035: 2}, "shared": {2025: 1},
                                    "only_old_2035": {2025: 1, 2035: 2}, "only_old": {2025: 1}})
NEW = plan("new-15th", 2026, 2030, {"shared_2035": {2030: 1.5, 2035: 2}, "shared": {2030: 2}, "only_new": {2030: 1}},
           succeeds="old-14th")


def years(figures, indicator_id: str, plan_id: str | None = None) -> list[int]:
    return [int(f.period) for f in figures if f.indicator_id == indicator_id and plan_id in (None, f.plan_id)]


# --- 2035 goals ------------------------------------------------------------------------------------------------

def test_an_indicator_with_a_2035_goal_owes_a_figure_every_year_up_to_2035():
    figures = expected_figures([OLD], set(), date(2040, 1, 1), since=EVERYTHING)

    assert years(figures, "only_old_2035") == list(range(2021, 2036))
    assert years(figures, "shared_2035") == list(range(2021, 2036))
    assert {f.plan_id for f in figures} == {"old-14th"}
    due = {f.period: f.due_on for f in figures if f.indicator_id == "only_old_2035"}
    assert (due["2030"], due["2035"]) == (date(2031, 6, 30), date(2036, 6, 29))  # 2036 is a leap year


def test_an_indicator_without_a_later_milestone_stops_at_the_plan_end_year():
    figures = expected_figures([OLD], set(), date(2040, 1, 1), since=EVERYTHING)

    assert years(figures, "only_old") == years(figures, "shared") == [2021, 2022, 2023, 2024, 2025]
    assert len(figures) == 15 + 15 + 5 + 5


def test_a_milestone_before_the_end_year_does_not_cut_the_plan_years_short():
    early = plan("early", 2021, 2025, {"zone": {2023: 1}})

    assert years(expected_figures([early], set(), date(2030, 1, 1)), "zone") == [2021, 2022, 2023, 2024, 2025]


def test_the_2026_figure_of_a_2035_goal_is_due_in_2027_and_reminded_like_any_other():
    assert years(expected_figures([OLD], set(), date(2027, 6, 26)), "only_old_2035")[-1] == 2025
    assert years(expected_figures([OLD], set(), date(2027, 6, 27), before_days=3), "only_old_2035")[-1] == 2026


# --- succession ------------------------------------------------------------------------------------------------

def test_a_successor_takes_over_the_shared_ids_each_figure_owed_once():
    figures = expected_figures([OLD, NEW], set(), date(2040, 1, 1), since=EVERYTHING)

    assert not [key for key, n in Counter(f.key for f in figures).items() if n > 1]
    assert years(figures, "shared_2035", "old-14th") == [2021, 2022, 2023, 2024, 2025]  # 2025: the old plan's
    assert years(figures, "shared_2035", "new-15th") == list(range(2026, 2036))
    assert years(figures, "shared", "old-14th") == [2021, 2022, 2023, 2024, 2025]
    assert years(figures, "shared", "new-15th") == [2026, 2027, 2028, 2029, 2030]
    assert years(figures, "only_old_2035", "old-14th") == list(range(2021, 2036))  # not the successor's
    assert years(figures, "only_new", "new-15th") == [2026, 2027, 2028, 2029, 2030]
    assert len(figures) == (5 + 10) + (5 + 5) + 15 + 5 + 5


def test_before_and_after_the_successor_begins_the_2025_figure_is_the_old_plans_and_2026_the_successors():
    ahead = 600  # far enough ahead that the 2026 figure (due 2027-06-30) is listed

    for today in (date(2025, 12, 31), date(2026, 1, 1)):
        figures = expected_figures([OLD, NEW], set(), today, before_days=ahead)
        assert [(f.plan_id, f.period) for f in figures if f.indicator_id == "shared_2035"][-2:] == [
            ("old-14th", "2025"), ("new-15th", "2026")]


def test_the_hand_over_happens_on_1_january_of_the_successors_first_year():
    later = plan("new-later", 2027, 2031, {"shared_2035": {2031: 1.5}}, succeeds="old-14th")  # a year's gap
    ahead = 200  # the 2026 figures (due 2027-06-30) are listed, the 2027 ones (due 2028-06-30) not yet

    before = expected_figures([OLD, later], set(), date(2026, 12, 31), before_days=ahead)
    after = expected_figures([OLD, later], set(), date(2027, 1, 1), before_days=ahead)

    assert years(before, "shared_2035", "old-14th")[-1] == 2026  # still the old plan's 2035 path
    assert years(after, "shared_2035", "old-14th")[-1] == 2025  # taken over: the old plan stops at its end year
    assert years(after, "shared_2035", "new-later") == []
    assert years(after, "only_old_2035", "old-14th")[-1] == 2026


def test_the_order_of_the_plans_does_not_matter():
    one = expected_figures([OLD, NEW], set(), date(2032, 1, 1))
    other = expected_figures([NEW, OLD], set(), date(2032, 1, 1))

    assert one == other


def test_a_plan_of_another_region_naming_the_old_plan_takes_nothing_over():
    stranger = plan("xiushan-15th", 2026, 2030, {"shared_2035": {2030: 1}}, region=XIUSHAN, succeeds="old-14th")

    figures = expected_figures([OLD, stranger], set(), date(2040, 1, 1), since=EVERYTHING)

    assert years(figures, "shared_2035", "old-14th") == list(range(2021, 2036))
    assert years(figures, "shared_2035", "xiushan-15th") == [2026, 2027, 2028, 2029, 2030]


def test_without_succeeds_a_later_plan_sharing_an_id_leaves_the_figure_to_the_plan_whose_years_it_lies_in():
    unrelated = plan("a-later-plan", 2026, 2030, {"shared_2035": {2030: 1.5}})  # sorts before old-14th

    figures = expected_figures([unrelated, OLD], set(), date(2040, 1, 1), since=EVERYTHING)

    assert not [key for key, n in Counter(f.key for f in figures).items() if n > 1]
    assert years(figures, "shared_2035", "a-later-plan") == [2026, 2027, 2028, 2029, 2030]
    assert years(figures, "shared_2035", "old-14th") == [2021, 2022, 2023, 2024, 2025, 2031, 2032, 2033, 2034, 2035]


# --- how far back ----------------------------------------------------------------------------------------------

def test_by_default_only_figures_due_in_the_last_12_months_are_asked_for():
    since = Lookback().start(date(2026, 12, 1))

    figures = expected_figures([OLD, NEW], set(), date(2026, 12, 1), before_days=3, since=since)

    assert since == date(2025, 12, 1)
    assert {(f.indicator_id, f.period, f.due_on) for f in figures} == {
        (i, "2025", date(2026, 6, 30)) for i in ("shared_2035", "shared", "only_old_2035", "only_old")}


def test_a_figure_due_exactly_lookback_days_ago_is_still_asked_for_one_day_more_it_is_not():
    lookback = Lookback(days=30)  # the 2025 figures are due on 2026-06-30

    on_edge = expected_figures([OLD], set(), date(2026, 7, 30), since=lookback.start(date(2026, 7, 30)))
    past_it = expected_figures([OLD], set(), date(2026, 7, 31), since=lookback.start(date(2026, 7, 31)))

    assert {f.period for f in on_edge} == {"2025"}
    assert past_it == []


@pytest.mark.parametrize("lookback,periods", [
    (Lookback(days=365), {"2025"}),
    (Lookback(days=730), {"2024", "2025"}),
    (Lookback(days=3650), {"2021", "2022", "2023", "2024", "2025"}),
    (Lookback(days=3650, since=date(2025, 1, 1)), {"2024", "2025"}),  # 2024 due 2025-06-30, 2023 due 2024-06-29
    (Lookback(days=365, since=date(2020, 1, 1)), {"2025"}),  # the later start wins
    (Lookback(days=0), set()),  # due today or coming due only
])
def test_the_lookback_window_and_the_since_date_are_configurable(lookback, periods):
    today = date(2026, 12, 1)

    figures = expected_figures([OLD], set(), today, since=lookback.start(today))

    assert {f.period for f in figures} == periods


def test_figures_coming_due_are_listed_whatever_the_lookback():
    today = date(2027, 6, 28)

    figures = expected_figures([OLD], set(), today, before_days=3, since=Lookback(days=0).start(today))

    assert {(f.indicator_id, f.period) for f in figures} == {("only_old_2035", "2026"), ("shared_2035", "2026")}


def test_a_negative_lookback_is_refused():
    with pytest.raises(ValueError, match="lookback_days"):
        Lookback(days=-1)


def test_the_settings_give_the_window_and_leave_the_ladder_alone(monkeypatch):
    monkeypatch.setenv("MONITOR_REMINDERS__LOOKBACK_DAYS", "90")
    monkeypatch.setenv("MONITOR_REMINDERS__SINCE", "2026-07-01")
    configured = load_settings(_env_file=None)
    default = Settings(_env_file=None, reminders=ReminderSettings())

    assert (default.reminders.lookback_days, default.reminders.since) == (365, None)
    assert lookback_of(default) == Lookback(365, None)
    assert lookback_of(configured) == Lookback(90, date(2026, 7, 1))
    assert lookback_of(configured).start(date(2026, 8, 1)) == date(2026, 7, 1)
    assert ladder_of(configured) == ladder_of(default)
    assert all(ReminderSettings.model_fields[name].description for name in ("lookback_days", "since"))


def test_a_negative_lookback_in_the_environment_is_a_readable_configuration_error(monkeypatch):
    from monitor.errors import ConfigError

    monkeypatch.setenv("MONITOR_REMINDERS__LOOKBACK_DAYS", "-5")
    with pytest.raises(ConfigError, match="MONITOR_REMINDERS__LOOKBACK_DAYS"):
        load_settings(_env_file=None)
