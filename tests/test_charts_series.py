"""The points of an indicator's chart (monitor.charts.series), its SVG and its PNG, from hand-built rows."""

import logging
import math
import re

import pandas as pd
import pytest

from monitor.charts import png, svg
from monitor.charts.series import ACTUAL, ANNUAL, BOUND, PATH, PROJECTION, Chart, Line, build_charts, chart_for
from monitor.core import columns as c


def row(**fields):
    out = dict.fromkeys(c.ASSESSMENT_COLUMNS)
    out |= {c.PLAN_ID: "p14", c.REGION_CODE: "500229", c.REGION_NAME: "城口县", c.INDICATOR_ID: "patents",
            c.INDICATOR_NAME: "万人有效发明专利拥有量", c.UNIT: "件", c.KIND: "level", c.TRAJECTORY: "linear",
            c.FORM: "path", c.PHASE: "in_progress", c.STATUS: "on_track", c.SEVERITY: "ok"}
    return out | fields


DEFINITION = {c.BASELINE_YEAR: 2020, c.BASELINE: 0.5, c.PLAN_START_YEAR: 2021, c.PLAN_END_YEAR: 2025}


def yearly(*pairs, freq="Y"):
    return [(float(x), float(v), freq, False) for x, v in pairs]


def points(chart: Chart, role: str):
    line = chart.line(role)
    return None if line is None else [(round(x, 6), round(y, 6)) for x, y in line.points]


def test_a_linear_path_runs_from_the_baseline_through_each_milestone_a_point_a_year():
    chart = chart_for(row(), DEFINITION, {2025: 1.0, 2035: 5.0}, {}, [])
    path = points(chart, PATH)
    assert path[:6] == [(2020, 0.5), (2021, 0.6), (2022, 0.7), (2023, 0.8), (2024, 0.9), (2025, 1.0)]
    assert path[-1] == (2035, 5.0) and len(path) == 16


def test_a_compound_path_grows_by_the_same_factor_every_year():
    chart = chart_for(row(**{c.TRAJECTORY: "compound"}), DEFINITION | {c.BASELINE: 0.1}, {2025: 0.3}, {}, [])
    ys = [y for _, y in chart.line(PATH).points]
    ratios = [b / a for a, b in zip(ys, ys[1:])]
    assert ratios == pytest.approx([3 ** 0.2] * 5)


def test_after_the_plan_ends_the_next_segment_starts_from_the_value_reported_for_its_last_year():
    r = row(**{c.PHASE: "continuing", c.FINAL_YEAR: 2025, c.FINAL_VALUE: 0.8})
    path = points(chart_for(r, DEFINITION, {2025: 1.0, 2035: 5.0}, {}, []), PATH)
    assert (2025, 1.0) in path and (2025, 0.8) in path
    assert path[path.index((2025, 0.8)) + 1] == pytest.approx((2026, 0.8 + 4.2 / 10))


def test_reported_values_sit_at_their_year_and_the_row_s_own_latest_value_wins_at_its_time():
    r = row(**{c.T: 2024.0, c.ACTUAL: 0.95, c.PROJECTED: 1.05, c.TARGET_YEAR: 2025, c.TARGET: 1.0})
    chart = chart_for(r, DEFINITION, {2025: 1.0}, {}, yearly((2021, 0.6), (2022, 0.7), (2023, 0.9)))
    assert points(chart, ACTUAL) == [(2021, 0.6), (2022, 0.7), (2023, 0.95)]
    assert points(chart, PROJECTION) == [(2023, 0.95), (2025, 1.05)]


def test_a_cumulative_indicator_draws_running_totals_of_the_plan_years_from_zero():
    r = row(**{c.KIND: "cumulative"})
    values = yearly((2020, 99), (2021, 8), (2022, 9)) + [(2022.5, 4.0, "Q", False)]
    values = sorted(values + [(2022.25, 2.0, "Q", False)])  # 2023Q1 and Q2: no yearly figure for 2023 yet
    chart = chart_for(r, DEFINITION | {c.BASELINE: 0.0}, {2025: 50}, {}, values)
    assert points(chart, PATH)[0] == (2020, 0.0)
    assert points(chart, ACTUAL) == [(2021, 8), (2022, 17), (2022.25, 19), (2022.5, 23)]


def test_a_yearly_figure_supersedes_the_quarters_of_its_year_in_a_running_total():
    values = sorted(yearly((2021, 10)) + [(2020.25, 3.0, "Q", False), (2020.5, 4.0, "Q", False)])
    chart = chart_for(row(**{c.KIND: "cumulative"}), DEFINITION, {2025: 50}, {}, values)
    assert points(chart, ACTUAL) == [(2021, 10)]


def test_yearly_declines_compound_into_a_cumulative_reduction_and_a_restated_figure_replaces_it():
    r = row(**{c.KIND: "reduction", c.UNIT: "%"})
    values = [(2021.0, 3.0, "Y", False), (2022.0, 2.0, "Y", False), (2023.0, 6.2, "Y", True),
              (2024.0, 1.0, "Y", False)]
    chart = chart_for(r, DEFINITION, {2025: 13.5}, {}, values)
    got = points(chart, ACTUAL)
    assert got[1] == (2022, pytest.approx(100 * (1 - 0.97 * 0.98), abs=1e-6))
    assert got[2] == (2023, 6.2)
    assert got[3] == (2024, pytest.approx(100 * (1 - 0.938 * 0.99), abs=1e-6))
    assert points(chart, PATH)[0] == (2020, 0.0) and points(chart, PATH)[-1] == (2025, 13.5)


def test_a_bound_held_every_year_draws_its_limit_instead_of_a_path():
    r = row(**{c.FORM: "bound", c.BAND_HIGH: 5.5, c.UNIT: "%", c.TARGET: 5.5, c.TARGET_YEAR: 2025})
    chart = chart_for(r, DEFINITION, {2025: 5.5}, {}, yearly((2021, 5.2)))
    assert chart.line(PATH) is None
    assert [line.name for line in chart.lines if line.role == BOUND] == ["上限"]
    assert points(chart, BOUND) == [(2021, 5.5), (2025, 5.5)]


def test_annual_targets_are_drawn_as_their_own_markers():
    chart = chart_for(row(), DEFINITION, {2025: 1.0}, {2026: 1.2, 2027: 1.4}, [])
    assert points(chart, ANNUAL) == [(2026, 1.2), (2027, 1.4)]


def test_nothing_known_gives_a_chart_with_nothing_to_draw():
    chart = chart_for(row(), {}, {}, {}, [])
    assert not chart.has_data and svg.render(chart) == "" and png.render_png(chart) is None


def test_build_charts_matches_milestones_points_and_values_by_their_keys():
    assessment = pd.DataFrame([row(), row(**{c.REGION_CODE: "500241", c.REGION_NAME: "秀山县"})])
    series = pd.DataFrame([{c.PLAN_ID: "p14", c.INDICATOR_ID: "patents", **DEFINITION}])
    milestones = pd.DataFrame({c.PLAN_ID: ["p14"], c.INDICATOR_ID: ["patents"], c.YEAR: [2025], c.VALUE: [1.0]})
    observations = pd.DataFrame({c.REGION_CODE: ["500241"], c.INDICATOR_ID: ["patents"], c.PERIOD: ["2022"],
                                 c.FREQ: ["Y"], c.PERIOD_END: pd.to_datetime(["2023-01-01"]), c.VALUE: [0.7]})
    points_frame = pd.DataFrame({c.PLAN_ID: ["p14"], c.INDICATOR_ID: ["patents"], c.ROLE: ["annual"],
                                 c.YEAR: [2026], c.VALUE: [1.3]})
    charts = build_charts(assessment, series, milestones, observations, points_frame)
    chengkou, xiushan = charts[("p14", "500229", "patents")], charts[("p14", "500241", "patents")]
    assert chengkou.line(ACTUAL) is None
    assert points(xiushan, ACTUAL) == [(2022, 0.7)]
    assert points(xiushan, PATH)[-1] == (2025, 1.0) and points(xiushan, ANNUAL) == [(2026, 1.3)]


SAMPLE = Chart(("p14", "500229", "patents"), "万人有效发明专利拥有量", "件", (
    Line(PATH, "规划路径", ((2020.0, 0.5), (2025.0, 1.0))),
    Line(ANNUAL, "年度目标", ((2024.0, 0.9),)),
    Line(ACTUAL, "实际值", ((2021.0, 0.6), (2022.0, 0.7), (2023.0, 0.85))),
    Line(PROJECTION, "预计", ((2023.0, 0.85), (2025.0, 1.1))),
))


@pytest.mark.parametrize("low,high", [(0.0, 1.0), (0.19, 0.8), (1000, 1464.1), (-3, 2), (5.0, 5.0)])
def test_ticks_are_round_and_cover_the_values(low, high):
    ticks = svg.nice_ticks(low, high)
    assert ticks[0] <= low and ticks[-1] >= high and 3 <= len(ticks) <= 8
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:])}
    assert len(steps) == 1
    mantissa = steps.pop() / 10 ** math.floor(math.log10(ticks[1] - ticks[0]))
    assert round(mantissa, 6) in (1, 2, 5)


def test_the_svg_draws_a_group_per_line_with_its_points_and_a_legend():
    text = svg.render(SAMPLE)
    assert text.startswith("<svg") and text.endswith("</svg>")
    groups = re.findall(r'<g class="series (\w+)" data-name="([^"]+)">', text)
    assert groups == [(PATH, "规划路径"), (ANNUAL, "年度目标"), (ACTUAL, "实际值"), (PROJECTION, "预计")]
    actual = re.search(r'<g class="series actual".*?</g>', text).group(0)
    assert actual.count("<circle") == 3
    assert "http" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing external
    assert "<script" not in text


def test_the_png_is_a_png_within_the_size_limit_when_a_cjk_font_is_installed():
    png.reset_font_cache()
    if png.cjk_font() is None:
        pytest.skip("no CJK font on this machine (install fonts-noto-cjk)")
    data = png.render_png(SAMPLE)
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) <= png.MAX_BYTES
    small = png.render_png(SAMPLE, max_bytes=len(data) - 1)  # smaller resolutions are tried in turn
    assert small is not None and len(small) < len(data)
    assert png.render_png(SAMPLE, max_bytes=100) is None


def test_without_a_cjk_font_the_png_is_none_and_the_warning_is_given_once(monkeypatch, caplog):
    png.reset_font_cache()
    monkeypatch.setattr(png, "CJK_FAMILIES", ("A Font Nobody Has",))
    try:
        with caplog.at_level(logging.WARNING, logger="monitor.charts.png"):
            assert png.render_png(SAMPLE) is None
            assert png.render_png(SAMPLE) is None
        assert [r.getMessage() for r in caplog.records].count(caplog.records[0].getMessage()) == 1
        assert len(caplog.records) == 1 and "CJK" in caplog.records[0].getMessage()
    finally:
        png.reset_font_cache()
