"""The worked examples of docs/method.md (Part 1), and the status ladder at its edges."""

from datetime import date

import pytest

from monitor.core.assess import assess
from monitor.core.status import Thresholds
from tests.frames import frames, observations, series

LATE = date(2030, 1, 1)


def one(item, *obs, as_of=LATE, **kw):
    s, m = frames(item)
    return assess(s, m, observations(*obs), as_of, **kw).iloc[0]


def test_chengkou_rd_linear_expected_values_follow_the_20_40_60_80_100_rule():
    item = series("rd", baseline=0.1, milestones={2025: 0.3})
    for year, expected in zip(range(2021, 2026), [0.14, 0.18, 0.22, 0.26, 0.30]):
        row = one(item, ("rd", str(year), 0.1), as_of=date(year + 1, 1, 1))
        assert row.expected == pytest.approx(expected, abs=1e-12)


def test_chengkou_rd_2023_value_of_0_16_is_half_the_pace_and_off_track():
    row = one(series("rd", baseline=0.1, milestones={2025: 0.3}), ("rd", "2023", 0.16), as_of=date(2024, 7, 1))
    assert row.expected == pytest.approx(0.22)
    assert row.pace == pytest.approx(0.5)
    assert row.gap == pytest.approx(-0.06)
    assert row.shortfall == pytest.approx(0.06)
    assert row.progress == pytest.approx(0.3)
    assert row.status == "off_track" and row.severity == "critical"
    assert row.t == 2024.0 and row.period == "2023" and row.target_year == 2025


def test_chengkou_rd_on_a_compound_path_is_behind():
    item = series("rd", baseline=0.1, milestones={2025: 0.3}, trajectory="compound")
    row = one(item, ("rd", "2023", 0.16), as_of=date(2024, 7, 1))
    assert row.expected == pytest.approx(0.1 * 3 ** 0.6, rel=1e-12)
    assert row.expected == pytest.approx(0.1933, abs=5e-5)
    assert row.pace == pytest.approx(0.713, abs=5e-4)
    assert row.status == "behind" and row.severity == "warning"
    assert row.required_rate == pytest.approx((0.3 / 0.16) ** (1 / 2) - 1)


def test_xiushan_rank_where_lower_is_better():
    item = series("rank", baseline=36, milestones={2025: 30}, direction="lower")
    expected = [34.8, 33.6, 32.4, 31.2, 30.0]
    for year, value in zip(range(2021, 2026), expected):
        assert one(item, ("rank", str(year), 36), as_of=date(year + 1, 2, 1)).expected == pytest.approx(value)
    row = one(item, ("rank", "2022", 35), as_of=date(2023, 7, 1))
    assert row.pace == pytest.approx(0.41667, abs=1e-5)
    assert row.status == "off_track"
    assert row.gap == pytest.approx(1.4) and row.shortfall == pytest.approx(1.4)


@pytest.mark.parametrize("year,rank", [(2021, 30), (2022, 29), (2024, 30)])
def test_xiushan_rank_of_30_or_better_in_any_year_is_achieved(year, rank):
    item = series("rank", baseline=36, milestones={2025: 30}, direction="lower")
    row = one(item, ("rank", str(year), rank), as_of=date(year + 1, 3, 1))
    assert row.status == "achieved" and row.severity == "ok"


def test_chengkou_tech_enterprises_expected_in_2030_is_150_between_the_2025_and_2035_goals():
    item = series("ent", baseline=68, milestones={2025: 100, 2035: 200})
    row = one(item, ("ent", "2030", 150), as_of=date(2031, 7, 1))
    assert row.expected == pytest.approx(150)
    assert row.target == 200 and row.target_year == 2035
    assert row.status == "on_track"


def test_a_missed_2025_milestone_is_the_verdict_until_later_values_move_judging_on():
    item = series("ent", baseline=68, milestones={2025: 100, 2035: 200})
    row = one(item, ("ent", "2025", 95), as_of=date(2026, 7, 1))
    assert row.status == "missed" and row.final_year == 2025 and row.severity == "critical"
    assert row.target_year == 2035 and row.required_rate == pytest.approx((200 - 95) / 10)
    assert row.phase == "continuing" and row.final_status == "missed"
    later = one(item, ("ent", "2025", 95), ("ent", "2026", 112), as_of=date(2027, 7, 1))
    # the 2035 segment starts from the 95 reported for 2025, not from the missed target of 100
    assert later.target_year == 2035 and later.expected == pytest.approx(95 + 105 / 10)
    assert later.pace == pytest.approx((112 - 95) / 10.5)
    assert later.status == "on_track" and later.final_status == "missed" and later.final_value == 95


@pytest.mark.parametrize(
    "value,status",
    [
        (0.1 + 0.12 * 0.95, "on_track"),  # pace exactly 0.95
        (0.1 + 0.12 * 0.60, "behind"),  # pace exactly 0.60
        (0.1, "off_track"),  # pace exactly 0
        (0.099, "regressing"),
        (0.3, "achieved"),  # exactly the target
    ],
)
def test_values_exactly_on_a_cut_off_take_the_better_status(value, status):
    row = one(series("rd", baseline=0.1, milestones={2025: 0.3}), ("rd", "2023", value), as_of=date(2024, 7, 1))
    assert row.status == status


def test_cut_offs_can_be_changed_by_the_caller():
    item = series("rd", baseline=0.1, milestones={2025: 0.3})
    row = one(item, ("rd", "2023", 0.16), as_of=date(2024, 7, 1), thresholds=Thresholds(on_track=0.9, behind=0.4))
    assert row.status == "behind"


def test_a_period_that_has_not_ended_by_the_as_of_date_is_not_judged():
    item = series("rd", baseline=0.1, milestones={2025: 0.3})
    row = one(item, ("rd", "2022", 0.18), ("rd", "2023", 0.10), as_of=date(2023, 12, 31))
    assert row.period == "2022" and row.status == "on_track"


def test_quarterly_values_sit_at_the_end_of_their_quarter():
    item = series("rd", baseline=0.1, milestones={2025: 0.3})
    row = one(item, ("rd", "2023Q2", 0.2), as_of=date(2023, 7, 1))
    t = 2023 + 181 / 365
    assert row.t == pytest.approx(t)
    assert row.expected == pytest.approx(0.1 + 0.2 * (t - 2021) / 5)


def test_no_value_at_all_after_the_first_due_date_is_no_data():
    item = series("rd", baseline=0.1, milestones={2025: 0.3})
    s, m = frames(item)
    empty = observations()
    assert assess(s, m, empty, date(2022, 7, 1)).iloc[0].status == "no_data"
    early = assess(s, m, empty, date(2022, 3, 1)).iloc[0]
    assert early.status == "not_assessable" and early.severity == "ok"


def test_an_unknown_baseline_takes_the_first_value_and_one_value_alone_is_not_assessable():
    item = series("talent", baseline=None, milestones={2025: 500})
    single = one(item, ("talent", "2022", 300), as_of=date(2023, 7, 1))
    assert single.status == "not_assessable" and bool(single.baseline_estimated)
    two = one(item, ("talent", "2022", 300), ("talent", "2023", 340), as_of=date(2024, 7, 1))
    assert two.baseline == 300 and bool(two.baseline_estimated)
    # from (2023.0, 300) to (2026.0, 500): at 2024.0 expect 366.67
    assert two.expected == pytest.approx(300 + 200 / 3)
    assert two.pace == pytest.approx(40 / (200 / 3))
    assert two.status == "behind"


def test_a_zero_baseline_on_a_compound_path_is_not_assessable():
    item = series("x", baseline=0.0, milestones={2025: 10}, trajectory="compound")
    row = one(item, ("x", "2023", 5), as_of=date(2024, 7, 1))
    assert row.status == "not_assessable"


def test_after_the_plan_the_2025_value_settles_the_milestone_and_later_values_change_nothing():
    item = series("x", baseline=0, milestones={2025: 100})
    row = one(item, ("x", "2025", 100), ("x", "2027", 90), as_of=date(2028, 7, 1))
    assert row.phase == "final" and row.status == "achieved" and row.actual == 100 and row.period == "2025"
    assert row.expected != row.expected and row.pace != row.pace  # no path toward a year that has passed
    missed = one(item, ("x", "2025", 80), ("x", "2027", 120), as_of=date(2028, 7, 1))
    assert missed.status == "missed" and missed.actual == 80 and missed.final_shortfall == 20


def test_a_keep_at_least_target_is_judged_on_the_target_alone():
    item = series("area", baseline=100, milestones={2025: 100})
    kept = one(item, ("area", "2023", 101), as_of=date(2024, 7, 1))
    assert kept.status == "achieved" and kept.shortfall == -1  # one unit of headroom
    below = one(item, ("area", "2023", 98), as_of=date(2024, 7, 1))
    assert below.status == "missed" and below.pace != below.pace  # breached; no pace
    assert below.expected == 100 and below.gap == -2 and "守住" in below.note


def test_cumulative_flows_are_summed_since_the_plan_start_and_judged_from_zero():
    item = series("projects", baseline=None, milestones={2025: 30}, kind="cumulative")
    row = one(item, ("projects", "2020", 99), ("projects", "2021", 5), ("projects", "2022", 7),
              ("projects", "2023", 4), as_of=date(2024, 7, 1))
    assert row.actual == 16  # 2020 is before the plan and does not count
    assert row.expected == pytest.approx(18)
    assert row.pace == pytest.approx(16 / 18)
    assert row.status == "behind"
    assert row.required_rate == pytest.approx(7)


def test_a_yearly_total_supersedes_the_quarters_of_the_same_year_in_a_cumulative_series():
    item = series("projects", baseline=0, milestones={2025: 30}, kind="cumulative")
    row = one(item, ("projects", "2021Q1", 1), ("projects", "2021Q2", 2), ("projects", "2021", 6),
              ("projects", "2022Q1", 2), ("projects", "2022-04", 1), as_of=date(2022, 6, 1))
    assert row.actual == 9  # 6 for 2021, then 2022Q1 and April


def test_a_growth_rate_indicator_is_judged_by_its_compound_growth_against_the_stated_rate():
    item = series("fund", baseline=1000, kind="growth_rate", growth_percent=10)
    row = one(item, ("fund", "2023", 1300), as_of=date(2024, 7, 1))
    assert row.expected == pytest.approx(1000 * 1.1 ** 3)
    cagr = (1300 / 1000) ** (1 / 3) - 1
    import math
    assert row.pace == pytest.approx(math.log(1 + cagr) / math.log(1.1))
    assert row.pace == pytest.approx(0.918, abs=5e-4)  # 9.1 %/yr against 10 %
    assert row.target == pytest.approx(1000 * 1.1 ** 5) and row.target_year == 2025
    assert row.status == "behind"
    assert one(item, ("fund", "2023", 1340), as_of=date(2024, 7, 1)).status == "on_track"


def test_projection_extrapolates_the_mean_yearly_change_to_the_milestone():
    item = series("rd", baseline=0.1, milestones={2025: 0.3})
    row = one(item, ("rd", "2021", 0.12), ("rd", "2022", 0.15), ("rd", "2023", 0.16), as_of=date(2024, 7, 1))
    assert row.projected == pytest.approx(0.16 + 0.02 * 2)
    assert row.required_rate == pytest.approx((0.3 - 0.16) / 2)


def test_projection_needs_two_values_including_the_baseline():
    item = series("talent", baseline=None, milestones={2025: 500})
    row = one(item, ("talent", "2022", 300), as_of=date(2023, 7, 1))
    assert row.projected != row.projected  # NaN


def test_series_in_other_regions_do_not_see_each_others_values():
    s, m = frames(series("rd", baseline=0.1, milestones={2025: 0.3}, region="500229", plan="a"),
                  series("rd", baseline=0.1, milestones={2025: 0.3}, region="500241", plan="b"))
    obs = observations(("rd", "2023", 0.16), region="500241")
    result = assess(s, m, obs, date(2024, 7, 1)).set_index("region_code")
    assert result.loc["500241", "actual"] == 0.16
    assert result.loc["500229", "status"] == "no_data"


def test_an_empty_series_frame_gives_an_empty_assessment():
    s, m = frames()
    assert assess(s.iloc[0:0], m, observations(), date(2024, 1, 1)).empty


def test_a_quarterly_series_is_late_for_its_missing_fourth_quarter_and_ignores_the_next_plan_years_quarters():
    item = series("q", baseline=10, milestones={2025: 20}, frequency="quarterly", due_days=30)
    values = [("q", f"2025Q{n}", 18 + n * 0.1) for n in (1, 2, 3)] + [("q", "2026Q1", 30)]
    row = one(item, *values, as_of=date(2026, 5, 1))
    # 2025Q4 was due by 2026-01-30; 2026Q1 (due 2026-04-30) belongs to no period of this plan
    assert (row.phase, row.status, row.final_status, row.due_period, row.due_date) == (
        "final", "no_data", "no_data", "2025Q4", "2026-01-30")
    assert row.last_period == "2025Q3" and row.last_value == pytest.approx(18.3)
    assert row.note.startswith("2025Q4数据逾期未报（应于2026-01-30前报送）；最近一次（2025Q3）")
    final = one(item, *values, ("q", "2025Q4", 21), as_of=date(2026, 3, 1))
    assert (final.phase, final.status, final.final_status, final.final_value) == ("final", "achieved", "achieved",
                                                                                  21)
    assert final.period == "2025Q4" and final.final_period == "2025"


def test_a_monthly_series_in_its_plans_last_year_is_judged_on_its_latest_month_inside_the_plan():
    item = series("m", baseline=0, milestones={2025: 12}, frequency="monthly", due_days=15)
    values = [("m", f"2025-{n:02d}", n * 0.9) for n in range(1, 13)] + [("m", "2026-01", 99)]
    row = one(item, *values, as_of=date(2026, 2, 1))  # the final figure (2025-12) was due by 2026-01-15
    assert (row.phase, row.status, row.final_value, row.period) == ("final", "missed", 10.8, "2025-12")
    assert row.attainment == pytest.approx(0.9) and row.final_shortfall == pytest.approx(1.2)
