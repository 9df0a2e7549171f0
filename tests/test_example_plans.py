"""The 十五五 example plans (config/plans/examples/): the national 专栏1 and 14 rows of 重庆市's, in every target form."""

import json

import pytest

from monitor.plans.check import WARNING, check_plans
from monitor.plans.loader import plan_files_in, read_plan_files
from monitor.plans.model import Form, Judged, Kind, Level, Relation
from tests.cli_runner import monitor_on
from tests.conftest import PLANS_DIR

EXAMPLES = PLANS_DIR / "examples"
NATIONAL = EXAMPLES / "national-15th-main-indicators.yaml"
CHONGQING = EXAMPLES / "chongqing-15th-main-indicators.yaml"
UNCHECKED = "未经核对"
# national rows no news report confirms (the transcription's "not crosschecked"): 2, 3, 8, 10 (both), 12, 16, 17, 18
NATIONAL_UNCHECKED = {
    "labour_productivity_growth", "urbanization_rate", "disposable_income_growth", "licensed_doctors_per_1000",
    "registered_nurses_per_1000", "infant_childcare_enrolment_rate", "pm25_concentration", "good_water_share",
    "forest_coverage",
}


@pytest.fixture(scope="module")
def plans():
    national, chongqing = read_plan_files([NATIONAL, CHONGQING])
    return national.plan, chongqing.plan


def test_both_examples_validate_with_the_right_region_period_and_counts(plans):
    national, chongqing = plans
    assert (national.region.code, national.region.name, national.region.level) == ("000000", "全国", Level.national)
    assert (chongqing.region.code, chongqing.region.name, chongqing.region.level) == (
        "500000", "重庆市", Level.provincial)
    for plan in plans:
        assert (plan.period.start, plan.period.end, plan.baseline_year) == (2026, 2030, 2025)
    assert len(national.indicators) == 21  # 20 rows, #10 has two sub-series
    assert sorted({ind.source.row for ind in national.indicators}) == list(range(1, 21))
    assert [ind.id for ind in national.indicators if ind.source.row == 10] == [
        "licensed_doctors_per_1000", "registered_nurses_per_1000"]
    assert len(chongqing.indicators) == 14
    assert chongqing.source.number == "渝府发〔2026〕7号"


def test_each_file_is_marked_as_an_example_not_an_official_copy(plans):
    for path, plan in zip((NATIONAL, CHONGQING), plans, strict=True):
        text = path.read_text(encoding="utf-8")
        assert "EXAMPLE, NOT AN OFFICIAL COPY" in text.split("\nid:")[0]  # the header comment
        assert plan.title.endswith("（示例）")
        assert "示例" in plan.notes[0] and "不是官方文本" in plan.notes[0] and "第三方转录" in plan.notes[0]


def test_every_row_no_report_confirms_says_so_in_its_note(plans):
    national, chongqing = plans
    for ind in national.indicators:
        unchecked = ind.id in NATIONAL_UNCHECKED
        assert (UNCHECKED in (ind.note or "")) is unchecked, ind.id
        assert (ind.source.url is None) is unchecked, ind.id  # a confirmed row names the report that confirms it
    assert all(UNCHECKED in (ind.note or "") for ind in chongqing.indicators)


def test_the_files_cite_documents_not_paths_outside_the_repository():
    for path in (NATIONAL, CHONGQING):
        text = path.read_text(encoding="utf-8")
        assert "/work/" not in text and "seeds" not in text and ".csv" not in text


def test_every_target_form_of_the_fifteenth_plans_appears_in_an_example(plans):
    indicators = [ind for plan in plans for ind in plan.indicators]

    def some(test):
        return [ind.id for ind in indicators if test(ind)]

    assert some(lambda i: i.form is Form.bound and i.judged.value == "each_year" and not i.strict)
    assert some(lambda i: i.form is Form.range and i.range is not None)
    assert some(lambda i: i.form is Form.range and i.about)  # 1.45万亿斤左右
    assert some(lambda i: i.form is Form.path and i.about)  # 75左右, reached by 2030
    assert some(lambda i: i.form is Form.path and i.strict)  # >22, <27
    assert some(lambda i: i.kind is Kind.yearly_rate and i.annual_growth is not None)
    assert some(lambda i: i.kind is Kind.yearly_rate and i.form is Form.range)
    assert some(lambda i: i.kind is Kind.reduction and i.baseline is None and i.milestones)
    assert some(lambda i: i.change is not None and i.change.by is not None and i.baseline is None)
    assert some(lambda i: i.form is Form.relative and i.relative_to.relation is Relation.above and i.strict)
    assert some(lambda i: i.form is Form.relative and i.relative_to.relation is Relation.in_step)
    assert some(lambda i: i.form is Form.annual and not i.milestones)
    assert some(lambda i: i.baseline_estimated and i.baseline_data_year == 2024)
    assert some(lambda i: i.baseline_estimated and i.baseline_data_year is None)
    assert some(lambda i: i.baseline is None and i.kind is Kind.level and i.change is None)


def test_the_readings_of_the_national_table(plans):
    national, _ = plans
    ind = national.indicator
    assert ind("gdp_growth").form is Form.annual and ind("gdp_growth").annual_targets == {}
    assert ind("labour_productivity_growth").relative_to.indicator == "gdp_growth"
    assert ind("disposable_income_growth").relative_to.tolerance == 0.5
    rd = ind("rd_expenditure_growth")
    assert (rd.kind, rd.annual_growth.percent, rd.baseline, rd.strict) == (Kind.yearly_rate, 7, 9.1, False)
    patents, pm25 = ind("high_value_invention_patents_per_10k"), ind("pm25_concentration")
    assert (patents.milestones, patents.strict, patents.form) == ({2030: 22}, True, Form.path)
    assert (pm25.milestones, pm25.strict, pm25.direction.value) == ({2030: 27}, True, "lower")
    jobless = ind("urban_surveyed_unemployment_rate")
    assert (jobless.form, jobless.direction.value, jobless.milestones) == (Form.bound, "lower", {2030: 5.5})
    assert jobless.printed == "控制在5.5%以内" and "以内" in jobless.note
    assert ind("infant_childcare_enrolment_rate").change.by == 6
    co2 = ind("co2_intensity_reduction")
    assert (co2.kind, co2.milestones, co2.baseline, co2.printed) == (Kind.reduction, {2030: 17}, None, "〔17〕")
    assert "17.7" in co2.note
    grain = ind("grain_production_capacity")
    assert (grain.form, grain.about, grain.milestones, grain.unit) == (Form.range, True, {2030: 1.45}, "万亿斤")
    assert ind("energy_production_capacity").unit == "亿吨标准煤"
    assert {i.id for i in national.indicators if i.binding is not None} == {i.id for i in national.indicators}


def test_plans_check_reports_what_a_planner_should_know_and_no_warning(plans):
    findings = check_plans(list(plans))
    assert [f.message for f in findings if f.level == WARNING] == []
    said = {(f.plan_id, f.indicator_id): f.message for f in findings}
    assert "为2024年数据，待2025年统计数据替换" in said[("national-15th-main-indicators", "forest_coverage")]
    assert "为预计数，待2025年统计数据替换" in said[("chongqing-15th-main-indicators", "rd_intensity")]
    assert "2030年目标为基期值加6个百分点" in said[("national-15th-main-indicators", "infant_childcare_enrolment_rate")]
    assert "1.421—1.479万亿斤" in said[("national-15th-main-indicators", "grain_production_capacity")]
    assert "尚无年度目标" in said[("national-15th-main-indicators", "gdp_growth")]
    # nothing asks for the baseline of a reduction or a yearly rate, or cross-checks a yearly rate's growth
    quiet = {"co2_intensity_reduction", "rd_expenditure_growth", "urban_surveyed_unemployment_rate"}
    assert not [f for f in findings if f.indicator_id in quiet]
    assert ("chongqing-15th-main-indicators", "gdp_growth") not in said


def _with(plan, indicator_id, **changes):
    """``plan`` with one indicator's fields changed (no validation: only plans check reads the result)."""
    indicators = [ind.model_copy(update=changes) if ind.id == indicator_id else ind for ind in plan.indicators]
    return plan.model_copy(update={"indicators": indicators})


def test_plans_check_questions_the_readings_the_examples_avoided(plans):
    national, _ = plans
    # 粮食 1.45左右 judged on every year: the 2025 capacity 1.39 is outside the band from the first year
    grain = check_plans([_with(national, "grain_production_capacity", judged=Judged.each_year)])
    assert any(f.level == WARNING and "不在区间1.421—1.479万亿斤内" in f.message for f in grain)
    # a ceiling the baseline already breaches
    jobless = check_plans([_with(national, "urban_surveyed_unemployment_rate", baseline=5.6)])
    assert any(f.level == WARNING and "已超出上限5.5%" in f.message for f in jobless)
    # a yearly rate in another unit than %
    rate = check_plans([_with(national, "rd_expenditure_growth", unit="亿元")])
    assert any(f.level == WARNING and "单位应为%" in f.message for f in rate)


def test_plans_check_on_the_files_exits_0_and_warns_of_nothing(capsys, monkeypatch, sqlite_url, tmp_path):
    monitor = monitor_on(capsys, monkeypatch, sqlite_url, tmp_path, plans_dir=EXAMPLES)
    result = monitor("plans", "check", str(NATIONAL), str(CHONGQING))
    assert result.code == 0, result.out + result.err
    assert "[警告]" not in result.out and "2 个规划，0 条警告" in result.out


def test_the_examples_are_not_in_the_plans_folder_that_init_and_make_demo_load():
    loaded = plan_files_in(PLANS_DIR)
    assert NATIONAL not in loaded and CHONGQING not in loaded
    assert plan_files_in(EXAMPLES) == [CHONGQING, NATIONAL]


def test_loaded_into_a_database_every_row_has_not_started_at_the_end_of_2026(capsys, monkeypatch, sqlite_url,
                                                                              tmp_path):
    monitor = monitor_on(capsys, monkeypatch, sqlite_url, tmp_path, plans_dir=EXAMPLES)
    assert monitor("init").code == 0
    result = monitor("check", "--as-of", "2026-12-01", "--format", "json", "--fail-on", "never")
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    assert len(rows) == 21 + 14
    assert {row["plan_id"] for row in rows} == {"national-15th-main-indicators", "chongqing-15th-main-indicators"}
    assert {row["phase"] for row in rows} == {"not_started"}
