"""`monitor plans check` against the reported figures: baselines beside the baseline-year values."""

from __future__ import annotations

import pandas as pd

from monitor.plans.baseline import baseline_findings
from monitor.plans.check import INFO, WARNING
from monitor.plans.loader import read_plan_file
from tests.cli_runner import loaded_monitor, run_monitor
from tests.conftest import PLANS_DIR

OLD = read_plan_file(PLANS_DIR / "chengkou-14th-sti.yaml").plan
NEW = read_plan_file(PLANS_DIR / "chengkou-15th-sti-example.yaml").plan
COLUMNS = ["region_code", "indicator_id", "period", "year_end", "value"]


def values(*rows) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Rows (indicator_id, period, value) of 城口县, oldest first; a period closes its year unless it is Q1-Q3 etc."""
    out = [("500229", ind, period, period.isdigit() or period.endswith(("Q4", "-12")), value)
           for ind, period, value in rows]
    return pd.DataFrame(out, columns=COLUMNS)


def by_indicator(findings) -> dict:  # type: ignore[no-untyped-def]
    return {(f.plan_id, f.indicator_id): f for f in findings}


def test_a_stated_baseline_that_differs_from_the_reported_baseline_year_value_is_a_warning():
    reported = values(("rd_intensity", "2020", 0.2), ("rd_intensity", "2021", 0.22))
    found = by_indicator(baseline_findings([OLD], reported))
    f = found[("chengkou-14th-sti", "rd_intensity")]
    assert f.level == WARNING
    assert f.message == ("全社会研究与试验发展经费支出占地区生产总值比重：基期值与统计数据不一致："
                         "规划为0.19%，2020年报送值为0.2%")


def test_a_stated_baseline_that_agrees_or_has_no_baseline_year_value_says_nothing():
    assert baseline_findings([OLD], values(("rd_intensity", "2020", 0.19))) == []
    assert baseline_findings([OLD], values(("rd_intensity", "2019", 0.1), ("rd_intensity", "2021", 0.5))) == []


def test_the_baseline_year_value_is_the_annual_figure_or_the_last_period_of_the_year():
    annual = baseline_findings([NEW], values(("high_tech_enterprises", "2025Q4", 6),
                                             ("high_tech_enterprises", "2025", 4)))
    assert "2025年报送值为4家" in annual[0].message
    quarterly = baseline_findings([NEW], values(("high_tech_enterprises", "2025Q3", 5),
                                                ("high_tech_enterprises", "2025Q4", 6)))
    assert "规划为5家，2025年报送值为6家" in quarterly[0].message
    assert baseline_findings([NEW], values(("high_tech_enterprises", "2025Q3", 9))) == []  # not the year's figure


def test_a_null_baseline_takes_the_baseline_year_value():
    [f] = baseline_findings([NEW], values(("rd_intensity", "2024", 0.3), ("rd_intensity", "2025", 0.42)))
    assert f.level == INFO and f.message.endswith("基期值取2025年报送值0.42%")


def test_a_null_baseline_with_only_values_from_before_the_baseline_year_is_a_warning():
    [f] = baseline_findings([NEW], values(("innovation_platforms", "2023", 0), ("innovation_platforms", "2024", 1)))
    assert f.level == WARNING
    assert f.message == ("市级以上创新平台或新型研发机构：基期值未知，且只有基期年（2025年）之前的报送值"
                         "（最近为2024年1个），不能作为基期；请报送2025年数据")


def test_a_null_baseline_with_a_value_after_the_baseline_year_is_not_a_warning():
    later = values(("innovation_platforms", "2024", 1), ("innovation_platforms", "2026", 2))
    assert baseline_findings([NEW], later) == []


def test_values_of_another_region_or_a_cumulative_indicator_are_not_compared():
    other = values(("rd_intensity", "2020", 0.5)).assign(region_code="500241")
    assert baseline_findings([OLD], other) == []
    assert baseline_findings([OLD], values(("sti_projects", "2020", 7))) == []
    assert baseline_findings([OLD], pd.DataFrame(columns=COLUMNS)) == []


def test_plans_check_compares_stored_plans_with_the_reported_figures(capsys, monkeypatch, database_url, tmp_path):
    run = loaded_monitor(capsys, monkeypatch, database_url, tmp_path)
    result = run("plans", "check")
    assert result.code == 1
    out = result.out
    # the samples report 4 国家高新技术企业 for 2025; the example plan states 5
    assert ("[警告] chengkou-15th-sti-example high_tech_enterprises：国家高新技术企业数：基期值与统计数据不一致："
            "规划为5家，2025年报送值为4家") in out
    # no 2025 figure for 市级以上创新平台或新型研发机构, only 2022–2024
    assert ("[警告] chengkou-15th-sti-example innovation_platforms：市级以上创新平台或新型研发机构：基期值未知，"
            "且只有基期年（2025年）之前的报送值（最近为2024年1个）") in out
    assert "chengkou-15th-sti-example rd_intensity：全社会研究与试验发展经费支出占地区生产总值比重：基期值取2025年报送值0.42%" in out
    assert "tech_enterprises：科技型企业数：基期值与统计数据不一致" not in out  # 100 stated, 100 reported
    # a new figure for 2025 settles the warning
    fixed = tmp_path / "fix.csv"
    fixed.write_text("地区,指标,期间,数值\n城口县,innovation_platforms,2025,1\n", encoding="utf-8")
    assert run("actuals", "import", str(fixed)).code == 0
    assert "innovation_platforms：市级以上创新平台或新型研发机构：基期值未知，且只有" not in run("plans", "check").out


def test_plans_check_of_files_uses_the_database_only_with_data(capsys, monkeypatch, database_url, tmp_path):
    run = loaded_monitor(capsys, monkeypatch, database_url, tmp_path)
    example = str(PLANS_DIR / "chengkou-15th-sti-example.yaml")
    plain = run("plans", "check", example)
    assert "基期值与统计数据不一致" not in plain.out and plain.code == 0
    with_data = run("plans", "check", example, "--data")
    assert with_data.code == 1 and "规划为5家，2025年报送值为4家" in with_data.out
    assert "1 个规划，2 条警告" in with_data.out


def test_plans_check_of_files_needs_no_database(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("MONITOR_DATABASE_URL", f"sqlite:///{tmp_path / 'absent' / 'none.db'}")
    monkeypatch.chdir(tmp_path)
    result = run_monitor(capsys, monkeypatch, "plans", "check", str(PLANS_DIR / "chengkou-15th-sti-example.yaml"))
    assert result.code == 0 and "1 个规划，0 条警告" in result.out
