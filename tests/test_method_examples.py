"""Every worked example of docs/method.md, one test each: the numbers the document prints are the numbers the core
gives. A test below fails when an `Example <id>:` line of the document has no test here."""

import math
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from monitor.core.assess import assess
from monitor.core.status import final_label
from monitor.report.review import settled, summaries
from tests.frames import frames, observations, points, series

METHOD = Path(__file__).resolve().parents[1] / "docs" / "method.md"
EXAMPLE = re.compile(r"^Example ([a-z0-9]+(?:-[a-z0-9]+)*):\s*$", re.MULTILINE)


def rows(*items, obs=(), as_of: date, points=None) -> pd.DataFrame:
    s, m = frames(*items)
    if points is None:
        return assess(s, m, observations(*obs), as_of)
    return assess(s, m, observations(*obs), as_of, points=points)


def one(item, *obs, as_of: date) -> pd.Series:
    return rows(item, obs=obs, as_of=as_of).iloc[0]


def nan(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def test_every_example_in_the_method_has_a_test():
    ids = EXAMPLE.findall(METHOD.read_text(encoding="utf-8"))
    assert len(ids) >= 10 and len(ids) == len(set(ids)), ids
    tests = [name for name in globals() if name.startswith("test_")]
    missing = [i for i in ids if not any(i.replace("-", "_") in name for name in tests)]
    assert not missing, f"docs/method.md examples without a test in {Path(__file__).name}: {missing}"


def test_the_method_refers_to_nothing_outside_the_repository():
    text = METHOD.read_text(encoding="utf-8")
    assert "../" not in text and "/work/" not in text and "shared/" not in text


# ---- Part 1 ----

RD = series("rd", baseline=0.1, milestones={2025: 0.3})


def test_chengkou_rd_linear():
    for year, expected in zip(range(2021, 2026), [0.14, 0.18, 0.22, 0.26, 0.30]):
        assert one(RD, ("rd", str(year), 0.1), as_of=date(year + 1, 1, 1)).expected == pytest.approx(expected)
    row = one(RD, ("rd", "2023", 0.16), as_of=date(2024, 7, 1))
    assert row.phase == "in_progress" and row.t == 2024.0 and row.period == "2023"
    assert row.expected == pytest.approx(0.22)
    assert row.gap == pytest.approx(-0.06) and row.shortfall == pytest.approx(0.06)
    assert row.pace == pytest.approx(0.5) and row.status == "off_track"
    assert row.progress == pytest.approx(0.3)
    assert row.required_rate == pytest.approx(0.07)


def test_chengkou_rd_compound():
    item = series("rd", baseline=0.1, milestones={2025: 0.3}, trajectory="compound")
    row = one(item, ("rd", "2023", 0.16), as_of=date(2024, 7, 1))
    assert row.expected == pytest.approx(0.1933, abs=5e-5)
    assert row.pace == pytest.approx(0.713, abs=5e-4) and row.status == "behind"
    assert row.required_rate == pytest.approx(0.369, abs=5e-4)


def test_xiushan_rank():
    item = series("rank", baseline=36, milestones={2025: 30}, direction="lower")
    for year, expected in zip(range(2021, 2026), [34.8, 33.6, 32.4, 31.2, 30.0]):
        assert one(item, ("rank", str(year), 36), as_of=date(year + 1, 1, 1)).expected == pytest.approx(expected)
    row = one(item, ("rank", "2022", 35), as_of=date(2023, 7, 1))
    assert row.gap == pytest.approx(1.4)
    assert row.pace == pytest.approx(0.417, abs=5e-4) and row.status == "off_track"
    assert one(item, ("rank", "2023", 30), as_of=date(2024, 7, 1)).status == "achieved"


def test_chengkou_enterprises_2035():
    item = series("ent", baseline=68, milestones={2025: 100, 2035: 200})
    row = one(item, ("ent", "2025", 100), ("ent", "2030", 150), as_of=date(2031, 7, 1))
    assert row.phase == "continuing" and row.final_status == "achieved"
    assert row.expected == pytest.approx(150)
    assert row.target == 200 and row.target_year == 2035
    assert row.status == "on_track"


def test_cumulative_running_total():
    item = series("projects", baseline=0, milestones={2025: 30}, kind="cumulative")
    row = one(item, ("projects", "2020", 99), ("projects", "2021", 5), ("projects", "2022", 7),
              ("projects", "2023", 4), as_of=date(2024, 7, 1))
    assert row.actual == 16 and row.expected == pytest.approx(18)
    assert row.pace == pytest.approx(0.889, abs=5e-4) and row.status == "behind"
    assert row.required_rate == pytest.approx(7)


def test_growth_rate_fund():
    item = series("fund", baseline=1000, kind="growth_rate", growth_percent=10)
    row = one(item, ("fund", "2023", 1300), as_of=date(2024, 7, 1))
    assert row.expected == pytest.approx(1331)
    assert row.target == pytest.approx(1610.51) and row.target_year == 2025
    assert row.pace == pytest.approx(0.918, abs=5e-4) and row.status == "behind"


# ---- Part 2 ----

HIGH_TECH = series("ht", baseline=2, milestones={2025: 5})
HIGH_TECH_VALUES = [("ht", "2021", 3), ("ht", "2022", 3), ("ht", "2023", 4), ("ht", "2024", 4), ("ht", "2025", 4.5)]


def test_phases_of_a_plan():
    def at(day: date) -> pd.Series:
        known = [o for o in HIGH_TECH_VALUES if int(o[1]) < day.year and (o[1], day) != ("2025", date(2026, 3, 1))]
        return one(HIGH_TECH, *known, as_of=day)

    early = at(date(2021, 12, 1))
    assert early.phase == "not_started" and early.status == "not_assessable" and early.severity == "ok"
    assert "尚无规划期内数据" in early.note
    mid = at(date(2024, 7, 1))
    assert mid.phase == "in_progress" and mid.period == "2023"
    assert mid.expected == pytest.approx(3.8) and mid.pace == pytest.approx(2 / 1.8) and mid.status == "on_track"
    waiting = at(date(2026, 3, 1))
    assert waiting.phase == "awaiting_final" and waiting.period == "2024"
    assert waiting.expected == pytest.approx(4.4) and waiting.target == 5 and waiting.target_year == 2025
    assert waiting.pace == pytest.approx(2 / 2.4) and waiting.status == "behind"
    assert "2026-06-30" in waiting.note and nan(waiting.final_status)
    early_figure = one(HIGH_TECH, *HIGH_TECH_VALUES, as_of=date(2026, 3, 1))
    assert early_figure.phase == "awaiting_final" and early_figure.status == "missed"
    assert nan(early_figure.final_status)
    final = at(date(2026, 7, 1))
    assert final.phase == "final" and final.final_status == "missed" and final.status == "missed"
    assert final.final_value == 4.5 and final.actual == 4.5 and final.target == 5 and final.period == "2025"
    assert final.attainment == pytest.approx(0.9) and final.final_shortfall == pytest.approx(0.5)
    assert nan(final.pace) and nan(final.required_rate) and nan(final.projected)


INTENSITY = series("rdi", baseline=0.19, milestones={2025: 0.8, 2035: 2})


def test_rd_intensity_final_verdict():
    row = one(INTENSITY, ("rdi", "2025", 0.42), as_of=date(2026, 7, 1))
    assert row.phase == "continuing"
    assert row.final_status == "missed" and row.status == "missed"
    assert row.final_period == "2025" and row.final_year == 2025
    assert row.final_target == 0.8 and row.final_value == 0.42
    assert row.attainment == pytest.approx(0.525)
    assert row.final_shortfall == pytest.approx(0.38)
    assert final_label(row.final_status, row.attainment > 1) == "未完成"


def test_rd_intensity_2035_segment():
    row = one(INTENSITY, ("rdi", "2025", 0.42), ("rdi", "2030", 1.21), as_of=date(2031, 7, 1))
    assert row.phase == "continuing"
    assert row.expected == pytest.approx(1.21)
    assert row.target == 2 and row.target_year == 2035
    assert row.pace == pytest.approx(1.0) and row.status == "on_track"
    assert row.final_status == "missed" and row.attainment == pytest.approx(0.525)
    slower = one(INTENSITY, ("rdi", "2025", 0.42), ("rdi", "2030", 1.0), as_of=date(2031, 7, 1))
    assert slower.pace == pytest.approx(0.734, abs=5e-4) and slower.status == "behind"


def test_frozen_verdict():
    final_columns = ["phase", "status", "actual", "period", "target", "final_period", "final_value", "final_target",
                     "final_status", "attainment", "final_shortfall", "note"]
    before = one(HIGH_TECH, ("ht", "2025", 5), as_of=date(2026, 7, 1))
    assert before.phase == "final" and before.final_status == "achieved" and before.status == "achieved"
    assert before.final_value == 5 and before.attainment == pytest.approx(1.0) and before.final_shortfall == 0
    assert final_label(before.final_status, before.attainment > 1) == "已完成"
    after = one(HIGH_TECH, ("ht", "2025", 5), ("ht", "2026", 4), as_of=date(2027, 7, 1))
    unreported_2026 = one(HIGH_TECH, ("ht", "2025", 5), as_of=date(2027, 7, 1))
    for other in (after, unreported_2026):
        assert other[final_columns].to_dict() == before[final_columns].to_dict()


def test_cumulative_stops_at_plan_end():
    item = series("projects", baseline=0, milestones={2025: 30}, kind="cumulative")
    flows = [("projects", str(year), value) for year, value in zip(range(2021, 2027), [5, 6, 7, 6, 8, 9])]
    row = one(item, *flows, as_of=date(2027, 7, 1))
    assert row.final_value == 32 and row.actual == 32
    assert row.final_status == "achieved" and row.attainment == pytest.approx(32 / 30)
    assert row.final_shortfall == pytest.approx(-2)
    assert final_label(row.final_status, row.attainment > 1) == "超额完成"


def test_plan_completion_rate():
    s, m = frames(
        series("ht", baseline=2, milestones={2025: 5}),
        series("ent", baseline=68, milestones={2025: 100}),
        series("rdi", baseline=0.19, milestones={2025: 0.8}),
        series("rank", baseline=36, milestones={2025: 30}, direction="lower"),
        series("inc", baseline=1, milestones={2025: 2}),
    )
    s["binding"] = s["indicator_id"].map({"ht": "binding", "ent": "binding"})
    obs = observations(("ht", "2025", 6), ("ent", "2025", 100), ("rdi", "2025", 0.42), ("rank", "2025", 31),
                       ("inc", "2024", 2))
    reviewed = settled(assess(s, m, obs, date(2026, 7, 1))).set_index("indicator_id")
    assert reviewed["verdict"].to_dict() == {"ht": "超额完成", "ent": "已完成", "rdi": "未完成", "rank": "未完成",
                                             "inc": "终期值未报送"}
    assert reviewed.loc["ht", "attainment"] == pytest.approx(1.2)
    assert reviewed.loc["rank", "attainment"] == pytest.approx(30 / 31)
    assert reviewed.loc["rank", "final_shortfall"] == pytest.approx(1)
    total = summaries(settled(assess(s, m, obs, date(2026, 7, 1)))).iloc[0]
    assert (total.achieved, total.missed, total.no_data, total.judged) == (2, 2, 1, 4)
    assert total.completion_rate == pytest.approx(0.5)
    assert (total.binding_total, total.binding_achieved) == (2, 2)


def test_successor_shared_id():
    old = series("ent", baseline=68, milestones={2025: 100, 2035: 200}, plan="p14", successor="p15",
                 successor_start=2026)
    new = series("ent", baseline=95, milestones={2030: 150}, plan="p15", baseline_year=2025, end_year=2030)
    values = [("ent", "2025", 95), ("ent", "2026", 110)]

    def at(day: date, *items) -> dict[str, pd.Series]:
        ended = [o for o in values if int(o[1]) < day.year]
        result = rows(*(items or (old, new)), obs=ended, as_of=day)
        return {r.plan_id: r for _, r in result.iterrows()}

    before = at(date(2025, 12, 1))["p14"]
    assert before.phase == "in_progress" and nan(before.succeeded_by)
    handed = at(date(2026, 7, 1))
    assert handed["p14"].phase == "final" and handed["p14"].succeeded_by == "p15"
    assert handed["p14"].final_status == "missed" and handed["p14"].attainment == pytest.approx(0.95)
    assert handed["p14"].final_shortfall == pytest.approx(5)
    assert handed["p15"].phase == "not_started"
    later = at(date(2027, 7, 1))
    assert later["p14"].phase == "final" and later["p14"].final_value == 95 and later["p14"].status == "missed"
    assert later["p15"].phase == "in_progress"
    assert later["p15"].expected == pytest.approx(106) and later["p15"].pace == pytest.approx(15 / 11)
    assert later["p15"].status == "on_track"
    alone = series("ent", baseline=68, milestones={2025: 100, 2035: 200}, plan="p14")
    without = at(date(2027, 7, 1), alone)["p14"]
    assert without.phase == "continuing" and without.expected == pytest.approx(105.5)


def test_null_baseline_15th():
    item = series("x", baseline=None, milestones={2030: 40}, plan="p15", baseline_year=2025, end_year=2030)
    waiting = one(item, ("x", "2021", 10), ("x", "2025", 20), as_of=date(2026, 3, 1))
    assert waiting.phase == "not_started" and waiting.status == "not_assessable" and waiting.severity == "ok"
    assert waiting.baseline == 20
    row = one(item, ("x", "2021", 10), ("x", "2025", 20), ("x", "2026", 24), as_of=date(2027, 7, 1))
    assert row.phase == "in_progress" and row.baseline == 20
    assert row.expected == pytest.approx(24) and row.pace == pytest.approx(1.0) and row.status == "on_track"
    gap = one(item, ("x", "2021", 10), ("x", "2026", 24), as_of=date(2027, 7, 1))
    assert gap.baseline == 24 and bool(gap.baseline_estimated) and gap.status == "not_assessable"


def test_late_figure():
    row = one(RD, ("rd", "2024", 0.22), as_of=date(2026, 12, 1))
    assert row.status == "no_data" and row.phase == "final" and row.final_status == "no_data"
    assert final_label(row.final_status, False) == "终期值未报送"
    assert row.due_period == "2025" and row.due_date == "2026-06-30"
    assert row.last_period == "2024" and row.last_value == 0.22
    assert row.last_pace == pytest.approx(0.75) and row.last_status == "behind"
    inside = one(RD, ("rd", "2023", 0.16), as_of=date(2025, 12, 1))
    assert inside.status == "no_data" and inside.phase == "in_progress"
    assert inside.due_period == "2024" and inside.due_date == "2025-06-30"
    assert inside.last_period == "2023" and inside.last_pace == pytest.approx(0.5)
    assert inside.last_status == "off_track"


def test_interim_milestone():
    item = series("zone", baseline=0, milestones={2024: 1, 2025: 1})
    s, m = frames(item)
    obs = observations(("zone", "2024", 0))
    first = assess(s, m, obs, date(2025, 7, 1)).iloc[0]
    assert (first.phase, first.status, first.target, first.target_year) == ("in_progress", "missed", 1, 2024)
    waiting = assess(s, m, obs, date(2026, 3, 1)).iloc[0]
    assert (waiting.phase, waiting.status, waiting.target_year) == ("awaiting_final", "missed", 2024)
    late = assess(s, m, obs, date(2026, 7, 1)).iloc[0]
    assert (late.phase, late.status, late.last_period, late.last_status) == ("final", "no_data", "2024", "missed")
    assert late.final_status == "no_data" and late.final_year == 2025


def test_keep_within():
    item = series("unemployment", baseline=5.2, milestones={2025: 5.5}, direction="lower")
    kept = one(item, ("unemployment", "2021", 5.4), as_of=date(2022, 7, 1))
    assert kept.status == "achieved" and kept.shortfall == pytest.approx(-0.1) and nan(kept.pace)
    breached = one(item, ("unemployment", "2021", 5.6), as_of=date(2022, 7, 1))
    assert breached.status == "missed" and breached.severity == "critical" and nan(breached.pace)
    assert breached.gap == pytest.approx(0.1) and breached.expected == 5.5


# ---- Part 3: target forms ----

ENERGY = series("energy", baseline=None, milestones={2025: 13.5}, kind="reduction", unit="%")


def test_energy_intensity_reduction():
    row = one(ENERGY, ("energy", "2021", 3.1), ("energy", "2022", 1.2), as_of=date(2023, 7, 1))
    assert row.actual == pytest.approx(100 * (1 - 0.969 * 0.988))  # 4.2628, not 4.3
    assert row.expected == pytest.approx(5.4) and row.target == 13.5
    assert row.pace == pytest.approx(4.2628 / 5.4, abs=1e-4) and row.status == "behind"
    assert row.form == "path" and row.kind == "reduction"


def test_restated_cumulative():
    row = one(ENERGY, ("energy", "2021", 3.1), ("energy", "2022", 1.2), ("energy", "2023", 6.2, True),
              ("energy", "2024", 4.1), as_of=date(2025, 7, 1))
    assert row.actual == pytest.approx(100 * (1 - 0.938 * 0.959))  # 10.0458
    assert row.expected == pytest.approx(10.8) and row.pace == pytest.approx(0.930, abs=5e-4)
    assert row.status == "behind"
    # the restated 2021–2023 figure replaces the yearly declines up to 2023, whatever they were
    alone = one(ENERGY, ("energy", "2023", 6.2, True), ("energy", "2024", 4.1), as_of=date(2025, 7, 1))
    assert alone.actual == pytest.approx(row.actual) and "未报送" not in alone.note
    final = one(ENERGY, *[("energy", str(y), 2.5) for y in range(2021, 2026)], as_of=date(2026, 7, 1))
    assert final.final_status == "missed" and final.final_value == pytest.approx(100 * (1 - 0.975 ** 5))


RD_REAL = series("rd_real", baseline=9.1, kind="yearly_rate", growth_percent=7, unit="%")


def test_real_growth_yearly_rates():
    row = one(RD_REAL, ("rd_real", "2021", 8.1), ("rd_real", "2022", 6.4), as_of=date(2023, 7, 1))
    g = math.sqrt(1.081 * 1.064) - 1
    assert row.actual == pytest.approx(100 * g) and row.target == 7 and row.expected == 7
    assert row.pace == pytest.approx(math.log(1 + g) / math.log(1.07)) and row.status == "on_track"
    assert row.gap == pytest.approx(100 * g - 7) and row.baseline == 9.1
    gap_year = one(RD_REAL, ("rd_real", "2021", 8.1), ("rd_real", "2023", 6.4), as_of=date(2024, 7, 1))
    assert gap_year.actual == pytest.approx(100 * g) and "2022年数据未报送" in gap_year.note
    all_years = [("rd_real", str(y), 7.5) for y in range(2021, 2026)]
    final = one(RD_REAL, *all_years, as_of=date(2026, 7, 1))
    assert final.phase == "final" and final.final_status == "achieved"
    assert final.final_value == pytest.approx(7.5) and final.final_target == 7 and final.exceeded


UNEMPLOYMENT = dict(baseline=5.2, milestones={2025: 5.5}, direction="lower", unit="%", form="bound")


def test_ceiling_each_year_and_average():
    values = [("jobs", "2021", 5.3), ("jobs", "2022", 5.6)]
    each = one(series("jobs", **UNEMPLOYMENT), *values, as_of=date(2023, 7, 1))
    assert each.status == "missed" and each.shortfall == pytest.approx(0.1) and each.gap == pytest.approx(0.1)
    assert each.years_met == 1 and each.years_judged == 2 and nan(each.pace)
    assert each.band_high == 5.5 and nan(each.band_low)
    average = one(series("jobs", judged="average", **UNEMPLOYMENT), *values, as_of=date(2023, 7, 1))
    assert average.status == "achieved" and average.shortfall == pytest.approx(5.45 - 5.5)
    five = values + [("jobs", str(y), 5.0) for y in (2023, 2024, 2025)]
    assert one(series("jobs", **UNEMPLOYMENT), *five, as_of=date(2026, 7, 1)).final_status == "missed"
    mean = one(series("jobs", judged="average", **UNEMPLOYMENT), *five, as_of=date(2026, 7, 1))
    assert mean.final_status == "achieved" and mean.final_value == pytest.approx(5.18)
    assert not mean.exceeded and nan(mean.attainment)
    last = one(series("jobs", judged="final", **UNEMPLOYMENT), *five, as_of=date(2026, 7, 1))
    assert last.final_status == "achieved" and last.status == "achieved"


def test_range_and_about():
    gdp = series("gdp", baseline=None, kind="yearly_rate", unit="%", form="range", range_low=5.0, range_high=5.5)
    row = one(gdp, ("gdp", "2021", 5.2), ("gdp", "2022", 5.4), as_of=date(2023, 7, 1))
    assert row.actual == pytest.approx(100 * (math.sqrt(1.052 * 1.054) - 1)) and row.status == "achieved"
    assert (row.band_low, row.band_high) == (5.0, 5.5)
    grain = series("grain", baseline=1.39, milestones={2025: 1.45}, unit="万亿斤", form="range", about=True)
    kept = one(grain, ("grain", "2021", 1.43), as_of=date(2022, 7, 1))
    assert kept.status == "achieved" and kept.band_low == pytest.approx(1.421) and kept.band_high == pytest.approx(1.479)
    short = one(grain, ("grain", "2021", 1.40), as_of=date(2022, 7, 1))
    assert short.status == "missed" and short.shortfall == pytest.approx(0.021)
    building = series("grain", baseline=1.39, milestones={2025: 1.45}, unit="万亿斤", form="range", about=True,
                      judged="final")
    early = one(building, ("grain", "2021", 1.40), as_of=date(2022, 7, 1))
    assert early.status == "behind" and early.pace == pytest.approx(0.01 / 0.012)
    end = one(building, ("grain", "2025", 1.44), as_of=date(2026, 7, 1))
    assert end.final_status == "achieved" and not end.exceeded
    above = one(building, ("grain", "2025", 1.47), as_of=date(2026, 7, 1))  # over 1.45, inside the tolerance
    assert above.final_status == "achieved" and not above.exceeded
    assert final_label(above.final_status, above.exceeded) == "已完成"


PATENTS = series("patents", baseline=16, milestones={2030: 22}, baseline_year=2025, end_year=2030, strict=True)


def test_strict_target():
    at_22 = one(PATENTS, ("patents", "2030", 22), as_of=date(2031, 7, 1))
    assert at_22.final_status == "missed" and at_22.status == "missed"
    beyond = one(PATENTS, ("patents", "2030", 22.5), as_of=date(2031, 7, 1))
    assert beyond.final_status == "achieved" and beyond.exceeded
    assert final_label(beyond.final_status, beyond.exceeded) == "超额完成"
    early = one(PATENTS, ("patents", "2026", 17.2), as_of=date(2027, 7, 1))
    assert early.pace == pytest.approx(1.0) and early.status == "on_track"
    pm = series("pm", baseline=28, milestones={2030: 27}, direction="lower", baseline_year=2025, end_year=2030,
                strict=True)
    assert one(pm, ("pm", "2030", 27), as_of=date(2031, 7, 1)).final_status == "missed"
    assert one(pm, ("pm", "2030", 26.9), as_of=date(2031, 7, 1)).final_status == "achieved"


LIFE = dict(baseline=79, baseline_year=2025, end_year=2030, change_by=1.0, change_year=2030)


def test_change_from_baseline():
    row = one(series("life", **LIFE), ("life", "2027", 79.4), as_of=date(2028, 7, 1))
    assert row.target == pytest.approx(80) and row.expected == pytest.approx(79.4) and row.pace == pytest.approx(1)
    rebased = rows(series("life", **LIFE), obs=[("life", "2027", 79.4)], as_of=date(2028, 7, 1),
                   points=points(("life", "rebase", 2027, 79.2))).iloc[0]
    assert rebased.baseline == pytest.approx(79.2) and rebased.target == pytest.approx(80.2)
    assert rebased.expected == pytest.approx(79.6) and rebased.stated_baseline == 79
    assert "基期值已按修订口径调整为79.2" in rebased.note
    double = series("fund", baseline=100, change_times=2.0, change_year=2025)
    assert one(double, ("fund", "2025", 200), as_of=date(2026, 7, 1)).final_status == "achieved"


GDP = series("gdp", baseline=5, baseline_year=2025, end_year=2030, unit="%", name="国内生产总值(GDP)增长",
             form="annual")


def relative(relation: str, **kw):
    return series("other", baseline=6.1, baseline_year=2025, end_year=2030, unit="%", form="relative",
                  relative_to="gdp", relation=relation, **kw)


def test_relative_to_gdp():
    above = relative("above", strict=True)
    got = rows(GDP, above, obs=[("gdp", "2026", 5.0), ("other", "2026", 6.0)], as_of=date(2027, 7, 1)).iloc[1]
    assert got.status == "achieved" and got.reference_value == 5.0 and got.reference_name == "国内生产总值(GDP)增长"
    low = rows(GDP, above, obs=[("gdp", "2026", 5.0), ("other", "2026", 4.8)], as_of=date(2027, 7, 1)).iloc[1]
    assert low.status == "missed" and low.shortfall == pytest.approx(0.2) and low.gap == pytest.approx(-0.2)
    step = relative("in_step")
    assert rows(GDP, step, obs=[("gdp", "2026", 5.0), ("other", "2026", 5.3)],
                as_of=date(2027, 7, 1)).iloc[1].status == "achieved"
    assert rows(GDP, step, obs=[("gdp", "2026", 5.0), ("other", "2026", 5.6)],
                as_of=date(2027, 7, 1)).iloc[1].status == "missed"
    alone = rows(GDP, above, obs=[("other", "2026", 6.0)], as_of=date(2027, 7, 1)).iloc[1]
    assert alone.status == "not_assessable" and "国内生产总值(GDP)增长同期未报送" in alone.note
    years = [("gdp", str(y), 5.0) for y in range(2026, 2031)] + [("other", str(y), 5.2) for y in range(2026, 2031)]
    final = rows(GDP, above, obs=years, as_of=date(2031, 7, 1)).iloc[1]
    assert final.final_status == "achieved" and final.years_met == 5 and final.reference_value == 5.0


def test_annual_targets():
    targets = points(("gdp", "annual", 2026, 5), ("gdp", "annual", 2027, 5), ("gdp", "annual", 2028, 4.5))
    short = rows(GDP, obs=[("gdp", "2026", 4.8)], as_of=date(2027, 7, 1), points=targets).iloc[0]
    assert short.status == "missed" and short.annual_target == 5 and short.annual_year == 2026
    assert short.gap == pytest.approx(-0.2) and short.annual_status == "missed" and nan(short.pace)
    met = rows(GDP, obs=[("gdp", "2026", 5.1)], as_of=date(2027, 7, 1), points=targets).iloc[0]
    assert met.status == "achieved"
    unset = rows(GDP, obs=[("gdp", "2026", 5.1)], as_of=date(2027, 7, 1)).iloc[0]
    assert unset.status == "not_assessable" and "2026年度目标尚未载入" in unset.note
    beside = series("rd", baseline=0.1, milestones={2025: 0.3})
    row = rows(beside, obs=[("rd", "2023", 0.16)], as_of=date(2024, 7, 1),
               points=points(("rd", "annual", 2023, 0.2))).iloc[0]
    assert row.status == "off_track" and row.pace == pytest.approx(0.5) and row.annual_status == "missed"
    values = [("gdp", "2026", 5.1), ("gdp", "2027", 4.9), ("gdp", "2028", 4.6), ("gdp", "2029", 5),
              ("gdp", "2030", 5)]
    final = rows(GDP, obs=values, as_of=date(2031, 7, 1), points=targets).iloc[0]
    assert final.final_status == "missed" and final.attainment == pytest.approx(2 / 3)
    assert (final.years_met, final.years_judged) == (2, 3)


def test_estimated_baseline():
    rd = series("rd", baseline=2.65, milestones={2030: 3.25}, baseline_year=2025, end_year=2030,
                baseline_is_estimate=True)
    row = one(rd, ("rd", "2025", 2.7), ("rd", "2026", 2.82), as_of=date(2027, 7, 1))
    assert row.baseline == pytest.approx(2.7) and row.stated_baseline == 2.65
    assert row.expected == pytest.approx(2.81) and row.pace == pytest.approx(0.12 / 0.11)
    assert row.status == "on_track" and "基期值已按统计数据更新（2.65 → 2.7）" in row.note
    kept = one(rd, ("rd", "2026", 2.76), as_of=date(2027, 7, 1))  # no 2025 figure: the estimate stands
    assert kept.baseline == 2.65 and nan(kept.stated_baseline) and kept.expected == pytest.approx(2.77)


def test_cumulative_missing_year():
    projects = series("projects", baseline=0, milestones={2025: 30}, kind="cumulative")
    row = one(projects, ("projects", "2021", 5), ("projects", "2023", 4), as_of=date(2024, 7, 1))
    assert row.actual == 9 and row.expected == pytest.approx(18) and "2022年数据未报送" in row.note
