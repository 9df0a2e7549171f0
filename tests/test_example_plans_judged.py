"""The shipped 十五五 example plans judged on illustrative figures (in this test only, never in the samples): the
2025 figures that replace estimated or open baselines and one 2026 figure per indicator, imported from a CSV,
judged as of 2027-07-01 by `monitor check --format json` on SQLite and PostgreSQL. Every form the examples use
gets its own judgement: an annual-only target with no annual target yet, relative targets, yearly rates, a
ceiling, a range of yearly rates, 左右, strict targets, a cumulative reduction, a change from an open baseline,
estimated baselines.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.cli_runner import monitor_on

EXAMPLES = Path(__file__).resolve().parents[1] / "config" / "plans" / "examples"

# region, indicator id, printed name, {period: value}, expected status as of 2027-07-01
FIGURES = [
    ("全国", "gdp_growth", "国内生产总值(GDP)增长", {2026: 5.0}, "not_assessable"),
    ("全国", "labour_productivity_growth", "全员劳动生产率增长", {2026: 5.6}, "achieved"),
    ("全国", "urbanization_rate", "常住人口城镇化率", {2026: 68.5}, "on_track"),
    ("全国", "rd_expenditure_growth", "全社会研发经费投入增长", {2026: 8.0}, "on_track"),
    ("全国", "high_value_invention_patents_per_10k", "每万人口高价值发明专利拥有量", {2026: 17.2}, "on_track"),
    ("全国", "digital_economy_share", "数字经济核心产业增加值占GDP比重", {2025: 10.8, 2026: 11.14}, "on_track"),
    ("全国", "urban_surveyed_unemployment_rate", "城镇调查失业率", {2026: 5.3}, "achieved"),
    ("全国", "disposable_income_growth", "居民人均可支配收入增长", {2026: 5.2}, "achieved"),
    ("全国", "working_age_schooling_years", "劳动年龄人口平均受教育年限", {2026: 11.38}, "on_track"),
    ("全国", "licensed_doctors_per_1000", "每千人口拥有医护人员数：执业(助理)医师数", {2026: 3.2}, "behind"),
    ("全国", "registered_nurses_per_1000", "每千人口拥有医护人员数：注册护士数", {2026: 4.46}, "on_track"),
    ("全国", "nursing_care_bed_share", "养老机构护理型床位占比", {2026: 69}, "on_track"),
    ("全国", "infant_childcare_enrolment_rate", "3岁以下婴幼儿入托率", {2025: 10, 2026: 11.2}, "on_track"),
    ("全国", "life_expectancy", "人均预期寿命", {2026: 79.4}, "on_track"),
    ("全国", "co2_intensity_reduction", "单位GDP二氧化碳排放降低", {2026: 3.4}, "on_track"),
    ("全国", "non_fossil_energy_share", "非化石能源占能源消费总量比重", {2026: 22.4}, "on_track"),
    ("全国", "pm25_concentration", "地级及以上城市细颗粒物(PM2.5)浓度", {2026: 27.8}, "on_track"),
    ("全国", "good_water_share", "优良水体比例", {2026: 81}, "on_track"),
    ("全国", "forest_coverage", "森林覆盖率", {2025: 25.2, 2026: 25.32}, "on_track"),
    ("全国", "grain_production_capacity", "粮食综合生产能力", {2026: 1.40}, "behind"),
    ("全国", "energy_production_capacity", "能源综合生产能力", {2026: 52.64}, "on_track"),
    ("重庆市", "gdp_growth", "地区生产总值增长", {2026: 5.4}, "achieved"),
    ("重庆市", "gdp_per_capita", "人均地区生产总值", {2026: 11.27}, "on_track"),
    ("重庆市", "rd_intensity", "研发经费投入强度", {2025: 2.62, 2026: 2.746}, "on_track"),
    ("重庆市", "urbanization_rate", "常住人口城镇化率", {2026: 73.4}, "on_track"),
    ("重庆市", "strategic_emerging_industry_share", "战略性新兴产业增加值占规上工业增加值比重", {2026: 36.84},
     "on_track"),
    ("重庆市", "digital_economy_share", "数字经济核心产业增加值占GDP比重", {2025: 10.1, 2026: 10.68}, "on_track"),
    ("重庆市", "household_consumption_rate", "居民消费率", {2025: 40, 2026: 41.2}, "on_track"),
    ("重庆市", "life_expectancy", "人均预期寿命", {2025: 79, 2026: 79.3}, "on_track"),
    ("重庆市", "urban_rural_income_ratio", "城乡居民人均可支配收入比", {2026: 2.19}, "behind"),
    ("重庆市", "grain_production_capacity", "粮食综合生产能力", {2025: 1115, 2026: 1118.3}, "on_track"),
    ("重庆市", "labour_productivity", "全员劳动生产率", {2025: 20, 2026: 21}, "on_track"),
    ("重庆市", "high_value_invention_patents_per_10k", "每万人口高价值发明专利拥有量", {2025: 12, 2026: 13.2},
     "on_track"),
    ("重庆市", "nursing_care_bed_share", "养老机构护理型床位占比", {2025: 70, 2026: 72}, "on_track"),
    ("重庆市", "energy_supply_margin", "能源综合保障裕度", {2025: 1.1, 2026: 1.124}, "on_track"),
]
CODES = {"全国": "000000", "重庆市": "500000"}


@pytest.fixture
def judged(capsys, monkeypatch, database_url, tmp_path):
    lines = ["地区,指标,期间,数值"] + [
        f"{region},{name},{period},{value}" for region, _, name, values, _ in FIGURES for period, value in values.items()]
    figures = tmp_path / "illustrative-2026.csv"
    figures.write_text("\n".join(lines) + "\n", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    monitor = monitor_on(capsys, monkeypatch, database_url, work, plans_dir=EXAMPLES)
    assert monitor("init").code == 0
    imported = monitor("actuals", "import", str(figures))
    assert imported.code == 0, imported.out + imported.err
    result = monitor("check", "--as-of", "2027-07-01", "--format", "json")
    assert result.code in (0, 1, 2), result.err
    return {(row["region_code"], row["indicator_id"]): row for row in json.loads(result.out)}


def test_every_example_indicator_is_judged_on_its_2026_figure(judged):
    assert len(judged) == len(FIGURES) == 35
    for region, indicator, name, _, status in FIGURES:
        row = judged[(CODES[region], indicator)]
        assert row["indicator_name"] == name
        assert (row["phase"], row["status"]) == ("in_progress", status), (region, indicator, row["note"])


def test_what_each_form_of_the_examples_says(judged):
    national = {key[1]: row for key, row in judged.items() if key[0] == "000000"}
    chongqing = {key[1]: row for key, row in judged.items() if key[0] == "500000"}
    assert "2026年度目标尚未载入" in national["gdp_growth"]["note"]
    assert national["labour_productivity_growth"]["reference_value"] == 5.0
    assert national["rd_expenditure_growth"]["pace"] == pytest.approx(math.log(1.08) / math.log(1.07))
    assert national["urban_surveyed_unemployment_rate"]["shortfall"] == pytest.approx(-0.2)  # 0.2 below the ceiling
    assert "基期值已按统计数据更新（10.5 → 10.8）" in national["digital_economy_share"]["note"]
    childcare = national["infant_childcare_enrolment_rate"]
    assert childcare["baseline"] == 10 and childcare["target"] == pytest.approx(16)
    assert national["co2_intensity_reduction"]["expected"] == pytest.approx(3.4)
    grain = national["grain_production_capacity"]
    assert (grain["band_low"], grain["band_high"]) == (pytest.approx(1.421), pytest.approx(1.479))
    band = chongqing["gdp_growth"]
    assert band["actual"] == pytest.approx(5.4) and (band["band_low"], band["band_high"]) == (5, 5.5)
    assert chongqing["rd_intensity"]["baseline"] == pytest.approx(2.62)
    assert chongqing["rd_intensity"]["stated_baseline"] == 2.65
