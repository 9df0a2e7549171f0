"""One resolver for the names people type in commands: --region and --indicator take a code, a printed name, an alias
or an id everywhere, and a misspelt one gets a did-you-mean in a one-line Chinese error."""

from __future__ import annotations

import json

import pytest

from monitor.actuals.resolve import Resolver
from monitor.errors import MonitorError
from monitor.plans.loader import plan_files_in, read_plan_files
from tests.cli_runner import loaded_monitor
from tests.conftest import PLANS_DIR

PLANS = [f.plan for f in read_plan_files(plan_files_in(PLANS_DIR))]


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver.from_plans(PLANS)


@pytest.mark.parametrize("label", ["500229", "城口县", "城口", " 城口县　"])
def test_a_region_is_named_by_code_name_or_alias(resolver, label):
    assert resolver.region_codes(label) == ["500229"]


@pytest.mark.parametrize("label", ["rd_expenditure", "全社会研究与试验发展经费支出", "全社会研发经费投入（R&D）",
                                   "全社会研发经费投入(R&D)", "R&D 经费"])
def test_an_indicator_is_named_by_id_printed_name_or_alias(resolver, label):
    assert resolver.indicator_id(label, ["500229"]) == "rd_expenditure"


def test_a_printed_name_is_found_without_a_region_when_it_names_one_indicator(resolver):
    assert resolver.indicator_id("有效期内高新技术企业") == "high_tech_enterprises"


def test_a_misspelt_region_gets_a_did_you_mean(resolver):
    with pytest.raises(MonitorError) as refused:
        resolver.region_codes("秀山土家族自治县")
    assert str(refused.value) == ("没有覆盖地区“秀山土家族自治县”的规划，是否指：秀山土家族苗族自治县（500241）；"
                                  "`monitor plans list` 列出各地区")


def test_a_misspelt_indicator_gets_a_did_you_mean_with_its_printed_name(resolver):
    with pytest.raises(MonitorError) as refused:
        resolver.indicator_id("全社会研究与试验发展经费", ["500229"])
    message = str(refused.value)
    assert message.startswith("城口县的规划中没有指标“全社会研究与试验发展经费”，是否指：")
    assert "全社会研究与试验发展经费支出（rd_expenditure）" in message and "\n" not in message


def test_nothing_like_the_name_gets_no_hint(resolver):
    with pytest.raises(MonitorError) as refused:
        resolver.indicator_id("粮食产量")
    assert "是否指" not in str(refused.value) and "已载入的规划中没有指标“粮食产量”" in str(refused.value)


@pytest.fixture
def monitor(capsys, monkeypatch, database_url, tmp_path):  # type: ignore[no-untyped-def]
    return loaded_monitor(capsys, monkeypatch, database_url, tmp_path)


def test_check_takes_a_printed_name_or_an_alias_for_the_indicator(monitor):
    by_id = monitor("check", "--as-of", "2025-07-01", "--indicator", "rd_intensity", "--format", "json")
    by_name = monitor("check", "--as-of", "2025-07-01", "--region", "城口", "--indicator", "研发投入强度",
                      "--format", "json")
    assert by_name.code in (0, 1, 2) and by_name.err == ""
    rows = json.loads(by_name.out)
    assert {r["indicator_id"] for r in rows} == {"rd_intensity"} and {r["region_code"] for r in rows} == {"500229"}
    assert rows[0] in json.loads(by_id.out)


@pytest.mark.parametrize("args", [
    ("check", "--indicator", "研发强度指标"),
    ("check", "--region", "城口镇"),
    ("review", "城口镇"),
    ("actuals", "list", "--indicator", "研发强度指标"),
    ("actuals", "history", "--region", "城口镇"),
    ("reminders", "list", "--region", "城口镇"),
    ("reminders", "exempt", "城口镇", "rd_intensity", "2024", "--reason", "x"),
    ("reminders", "exempt", "城口县", "研发强度指标", "2024", "--reason", "x"),
])
def test_every_command_answers_a_misspelt_name_with_one_line_and_a_hint(monitor, args):
    result = monitor(*args)
    assert result.code == 3
    assert result.err.count("\n") == 1 and "是否指：" in result.err, result.err


def test_list_and_history_take_printed_names_and_written_periods(monitor):
    listed = monitor("actuals", "list", "--region", "城口", "--indicator", "R&D经费", "--period", "2023年")
    assert listed.code == 0 and "rd_expenditure" in listed.out and "2023" in listed.out
    history = monitor("actuals", "history", "--indicator", "全社会研究与试验发展经费支出", "--region", "500229")
    assert history.code == 0 and "2021" in history.out


def test_reminders_exempt_takes_a_printed_name(monitor):
    result = monitor("reminders", "exempt", "城口", "全社会研究与试验发展经费支出", "2025年", "--reason", "统计口径调整")
    assert result.code == 0, result.err
    assert "已豁免：城口县 全社会研究与试验发展经费支出" in result.out
