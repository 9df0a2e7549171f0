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
from tests.frames import frames, observations, series

METHOD = Path(__file__).resolve().parents[1] / "docs" / "method.md"
EXAMPLE = re.compile(r"^Example ([a-z0-9]+(?:-[a-z0-9]+)*):\s*$", re.MULTILINE)


def rows(*items, obs=(), as_of: date) -> pd.DataFrame:
    s, m = frames(*items)
    return assess(s, m, observations(*obs), as_of)


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
