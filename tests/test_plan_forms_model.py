"""Target forms in the plan file: which shapes validate, which are refused and how, the target in plan language,
the JSON Schema, the loader's messages, and the YAML of docs/plan-format.md, "Target forms"."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from monitor.errors import DataError
from monitor.plans import target_forms
from monitor.plans.loader import read_plan_file
from monitor.plans.model import Indicator, Plan
from monitor.yamlfile import dotted
from tests.cli_runner import run_monitor

ROOT = Path(__file__).resolve().parents[1]
PLAN_FORMAT = ROOT / "docs" / "plan-format.md"
HAN = re.compile(r"[\u4e00-\u9fff]")


# --- building plans -----------------------------------------------------------------------------------------------

def ind(id: str = "a", **fields: object) -> dict:
    """A minimal indicator: a path in % from 1 to 2 by 2030; ``fields`` replace or add (None removes a key)."""
    doc: dict = {"id": id, "name": f"指标{id}", "unit": "%", "baseline": 1.0, "milestones": {2030: 2.0},
                 "source": {"table": "表1", "row": 1}}
    for key, value in fields.items():
        if value is None and key != "baseline":
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


def plan(*indicators: dict) -> dict:
    """A 十五五 plan of 全国 (2026–2030, baseline 2025) with ``indicators``."""
    return {"id": "national-15th-forms", "title": "示例规划", "region": {"name": "全国", "code": "000000"},
            "period": {"start": 2026, "end": 2030}, "baseline_year": 2025, "source": {"title": "示例规划"},
            "indicators": list(indicators)}


def valid(*indicators: dict) -> Plan:
    return Plan.model_validate(plan(*indicators))


def refusals(*indicators: dict) -> list[tuple[str, str]]:
    """(field, message) of every problem of the plan, which must be refused."""
    with pytest.raises(ValidationError) as caught:
        Plan.model_validate(plan(*indicators))
    return [(dotted(err["loc"]), err["msg"]) for err in caught.value.errors()]


def other(id: str = "gdp_growth", **fields: object) -> dict:
    """Another indicator a relative target can point to: 国内生产总值增长, judged on annual targets."""
    return ind(id, **{"name": "国内生产总值增长", "form": "annual", "milestones": None, **fields})


AG = {"percent": 7, "source": {"table": "表1", "row": 6}}


# --- each form in its minimal correct shape ------------------------------------------------------------------------

MINIMAL = {
    "path": [ind()],
    "keep within (target no better than the baseline)": [ind(direction="lower", baseline=5.2, milestones={2030: 5.5})],
    "bound, ceiling": [ind(direction="lower", form="bound", baseline=5.2, milestones={2030: 5.5})],
    "bound, floor judged on the average": [ind(unit="亿吨", form="bound", judged="average", baseline=6.9,
                                              milestones={2030: 6.5})],
    "bound judged on the final value": [ind(form="bound", judged="final")],
    "range": [ind(form="range", range={"low": 5, "high": 5.5}, milestones=None)],
    "range open above": [ind(form="range", range={"low": 5}, milestones=None)],
    "range of yearly rates": [ind(kind="yearly_rate", form="range", range={"low": 5, "high": 5.5}, milestones=None,
                                  baseline=None, judged="average")],
    "左右": [ind(unit="万亿斤", form="range", about=True, baseline=1.4, milestones={2030: 1.45})],
    "左右 with a tolerance": [ind(form="range", about=True, tolerance=0.02)],
    "strict": [ind(strict=True, baseline=20, milestones={2030: 22})],
    "strict lower": [ind(unit="微克/立方米", direction="lower", strict=True, baseline=29.3, milestones={2030: 27})],
    "growth_rate": [ind(unit="亿元", kind="growth_rate", milestones=None, annual_growth={**AG, "percent": 20})],
    "yearly_rate": [ind(kind="yearly_rate", milestones=None, baseline=None, annual_growth=AG)],
    "reduction": [ind(kind="reduction", baseline=None, milestones={2030: 17})],
    "reduction from 0": [ind(kind="reduction", baseline=0, milestones={2030: 13.5})],
    "change by": [ind(unit="岁", baseline=79.0, milestones=None, change={"by": 1})],
    "change by with a year": [ind(milestones=None, change={"by": 6, "year": 2030})],
    "change times beside a 2035 milestone": [ind(unit="家", baseline=9, milestones={2035: 40},
                                                  change={"times": 2, "year": 2030})],
    "relative above": [ind(form="relative", milestones=None, baseline=None,
                           relative_to={"indicator": "gdp_growth", "relation": "above"}), other()],
    "relative in step": [ind(form="relative", milestones=None, baseline=None,
                             relative_to={"indicator": "gdp_growth", "relation": "in_step", "tolerance": 0.5}),
                         other()],
    "relative in units written differently": [ind(unit="（%）", form="relative", milestones=None,
                                                  relative_to={"indicator": "gdp_growth", "relation": "above"}),
                                              other(unit="％")],
    "annual": [other()],
    "annual with its targets": [other(annual_targets={2026: 5, 2027: 5})],
    "annual of yearly rates": [other(kind="yearly_rate", annual_targets={2026: 5})],
    "bound of yearly rates": [ind(kind="yearly_rate", form="bound", baseline=None, milestones={2030: 7},
                                  annual_growth=AG)],
    "左右 of yearly rates": [ind(kind="yearly_rate", form="range", about=True, baseline=None, milestones={2030: 7},
                                annual_growth=AG)],
    "annual targets beside a path": [ind(annual_targets={2026: 1.2, 2030: 2})],
    "rebases": [ind(rebases=[{"year": 2028, "baseline": 1.1}, {"year": 2027, "baseline": 1.05, "note": "经济普查"}])],
    "estimated baseline": [ind(baseline=2.65, baseline_estimated=True)],
    "baseline of an earlier year": [ind(baseline_data_year=2024, baseline_estimated=True)],
    "printed": [ind(kind="reduction", baseline=None, milestones={2030: 17}, printed="〔17〕")],
}


@pytest.mark.parametrize("indicators", list(MINIMAL.values()), ids=list(MINIMAL))
def test_each_form_validates_in_its_minimal_shape(indicators):
    loaded = valid(*copy.deepcopy(indicators))
    assert loaded.indicators[0].id == indicators[0]["id"]


def test_the_fields_keep_what_the_file_says():
    loaded = valid(ind(form="range", range={"low": 5, "high": 5.5}, milestones=None, judged="final",
                       annual_targets={2027: 5.2, 2026: 5}, rebases=[{"year": 2028, "baseline": 1.1},
                                                                     {"year": 2027, "baseline": 1.05}]))
    one = loaded.indicators[0]
    assert (one.form.value, one.judged.value, one.range.low, one.range.high) == ("range", "final", 5, 5.5)
    assert list(one.annual_targets) == [2026, 2027]  # sorted
    assert [r.year for r in one.rebases] == [2027, 2028]
    plain = valid(ind()).indicators[0]
    assert (plain.form.value, plain.strict, plain.judged.value, plain.about) == ("path", False, "each_year", False)
    assert plain.change is None and plain.relative_to is None and plain.annual_targets == {} and plain.rebases == []


# --- wrong shapes are refused, in Chinese, naming the field ---------------------------------------------------------

REFUSED = {
    "bound without milestones": (
        [ind(form="bound", milestones=None)], "indicators[0].milestones", "form: bound"),
    "range without range or about": (
        [ind(form="range", milestones=None)], "indicators[0].range", "form: range 须写 range"),
    "range with about but no milestone": (
        [ind(form="range", about=True, milestones=None)], "indicators[0].range", "about: true（左右）与 milestones"),
    "relative without relative_to": (
        [ind(form="relative", milestones=None)], "indicators[0].relative_to", "须写 relative_to"),
    "relative to a missing indicator": (
        [ind(form="relative", milestones=None, relative_to={"indicator": "gdp", "relation": "above"}), other()],
        "indicators[0].relative_to.indicator", "relative_to.indicator 为 gdp，本规划没有此指标"),
    "relative to itself": (
        [ind(form="relative", milestones=None, relative_to={"indicator": "a", "relation": "above"})],
        "indicators[0].relative_to.indicator", "不能指向指标自身"),
    "relative between different units": (
        [ind(unit="万元", form="relative", milestones=None, relative_to={"indicator": "gdp_growth",
                                                                        "relation": "above"}), other()],
        "indicators[0].relative_to.indicator", "单位 万元 与 gdp_growth 的单位 % 不同"),
    "relative with milestones": (
        [ind(form="relative", relative_to={"indicator": "gdp_growth", "relation": "above"}), other()],
        "indicators[0].milestones", "form: relative 不设规划期目标数值，不能写 milestones"),
    "annual with milestones": (
        [ind(form="annual")], "indicators[0].milestones", "form: annual 不设规划期目标数值，不能写 milestones"),
    "annual with a change": (
        [other(change={"by": 1})], "indicators[0].change", "form: annual 不设规划期目标数值，不能写 change"),
    "about on a relative target": (
        [ind(form="relative", milestones=None, about=True, relative_to={"indicator": "gdp_growth",
                                                                       "relation": "in_step"}), other()],
        "indicators[0].about", "about: true（左右）不用于 form: relative"),
    "relative_to on a path": (
        [ind(relative_to={"indicator": "gdp_growth", "relation": "above"}), other()],
        "indicators[0].relative_to", "relative_to 只用于 form: relative"),
    "range on a bound": (
        [ind(form="bound", range={"low": 1}), other()], "indicators[0].range", "range 只用于 form: range"),
    "yearly_rate without annual_growth": (
        [ind(kind="yearly_rate", milestones=None)], "indicators[0].annual_growth", "kind: yearly_rate"),
    "yearly_rate bound without annual_growth": (
        [ind(kind="yearly_rate", form="bound", milestones={2030: 5})], "indicators[0].annual_growth",
        "须写 annual_growth（目标年均增长率"),
    "yearly_rate 左右 without annual_growth": (
        [ind(kind="yearly_rate", form="range", about=True)], "indicators[0].annual_growth", "kind: yearly_rate"),
    "relative of yearly rates": (
        [ind(kind="yearly_rate", form="relative", milestones=None,
             relative_to={"indicator": "gdp_growth", "relation": "above"}), other()],
        "indicators[0].kind", "form: relative 逐年直接比较两指标的报送值（如各年增长率），kind 须为 level"),
    "relative to a yearly-rate indicator": (
        [ind(form="relative", milestones=None, relative_to={"indicator": "gdp_growth", "relation": "in_step"}),
         ind("gdp_growth", kind="yearly_rate", milestones=None, baseline=None, annual_growth=AG)],
        "indicators[0].relative_to.indicator", "gdp_growth 为 kind: yearly_rate，按规划期平均或累计判断"),
    "relative to a cumulative indicator": (
        [ind(form="relative", milestones=None, relative_to={"indicator": "projects", "relation": "above"}),
         ind("projects", kind="cumulative", baseline=0, milestones={2030: 30})],
        "indicators[0].relative_to.indicator", "projects 为 kind: cumulative"),
    "yearly_rate quarterly": (
        [ind(kind="yearly_rate", milestones=None, annual_growth=AG, reporting={"frequency": "quarterly"})],
        "indicators[0].reporting.frequency", "reporting.frequency 须为 annual"),
    "growth_rate without annual_growth": (
        [ind(kind="growth_rate", milestones=None)], "indicators[0].annual_growth", "kind: growth_rate"),
    "reduction with a baseline": (
        [ind(kind="reduction", baseline=13.2, milestones={2030: 17})], "indicators[0].baseline",
        "kind: reduction（累计降低）自规划期初从0算起，baseline 须为 0 或 null，收到 13.2"),
    "reduction quarterly": (
        [ind(kind="reduction", baseline=None, milestones={2030: 17}, reporting={"frequency": "quarterly"})],
        "indicators[0].reporting.frequency", "kind: reduction 按年报送各年降低率"),
    "reduction without milestones": (
        [ind(kind="reduction", baseline=None, milestones=None)], "indicators[0].milestones",
        "kind: reduction（累计降低）须在 milestones 写目标年份与累计降低幅度"),
    "reduction lower is better": (
        [ind(kind="reduction", baseline=None, direction="lower", milestones={2030: 17})],
        "indicators[0].direction", "direction 须为 higher"),
    "cumulative with a baseline": (
        [ind(kind="cumulative", baseline=5, milestones={2030: 30})], "indicators[0].baseline",
        "期内累计的指标自规划期初从0算起"),
    "path without milestones": (
        [ind(milestones=None)], "indicators[0].milestones", "milestones 至少需要一个"),
    "change year colliding with a milestone": (
        [ind(change={"by": 1, "year": 2030})], "indicators[0].change.year",
        "change 与 milestones 同时给出了 2030 年的目标，只能保留一个"),
    "change year not after the baseline year": (
        [ind(milestones=None, change={"by": 1, "year": 2025})], "indicators[0].change.year",
        "change.year 2025 不晚于基期年 2025"),
    "change on a cumulative indicator": (
        [ind(kind="cumulative", baseline=0, milestones=None, change={"by": 1})], "indicators[0].change",
        "change（较基期提高／翻番）只用于 kind: level 的指标，本指标为 kind: cumulative"),
    "doubling a baseline that is not positive": (
        [ind(baseline=0, milestones=None, change={"times": 2})], "indicators[0].change.times",
        "change.times（翻番）要求基期值为正数，收到 0"),
    "annual_targets before the period": (
        [ind(annual_targets={2025: 1})], "indicators[0].annual_targets[2025]",
        "annual_targets 的年份 2025 不在规划期 2026—2030 内"),
    "annual_targets after the period": (
        [other(annual_targets={2031: 5})], "indicators[0].annual_targets[2031]", "不在规划期 2026—2030 内"),
    "rebase not after the baseline year": (
        [ind(rebases=[{"year": 2025, "baseline": 1.1}])], "indicators[0].rebases[0].year",
        "rebases 的年份 2025 须晚于基期年 2025"),
    "tolerance without about": (
        [ind(tolerance=0.1)], "indicators[0].tolerance", "tolerance（左右的允许偏差）只与 about: true 一起使用"),
    "about without a milestone": (
        [ind(about=True, milestones=None, change={"by": 1})], "indicators[0].milestones",
        "about: true（左右）须在 milestones 写目标值"),
    "judged on a path": (
        [ind(judged="average")], "indicators[0].judged", "judged 只用于 form: bound 或 range"),
    "baseline data year after the baseline year": (
        [ind(baseline_data_year=2026)], "indicators[0].baseline_data_year", "baseline_data_year 2026 晚于基期年 2025"),
}


@pytest.mark.parametrize("indicators,field,words", list(REFUSED.values()), ids=list(REFUSED))
def test_each_wrong_shape_is_refused_in_chinese_naming_the_field(indicators, field, words):
    problems = refusals(*copy.deepcopy(indicators))
    assert any(where == field for where, _ in problems), problems
    message = next(text for where, text in problems if where == field)
    assert words in message
    assert HAN.search(message)


def test_plan_level_problems_name_the_indicator_in_the_message():
    (problem,) = refusals(ind("labour_productivity_growth", name="全员劳动生产率增长", form="relative",
                              milestones=None, relative_to={"indicator": "gdp", "relation": "above"}), other())
    assert problem[1].startswith("指标 labour_productivity_growth（全员劳动生产率增长）：")


def test_every_problem_of_an_indicator_and_of_the_plan_is_listed_at_once():
    fields = [where for where, _ in refusals(ind(judged="final", tolerance=0.1))]
    assert sorted(fields) == ["indicators[0].judged", "indicators[0].tolerance"]
    fields = [where for where, _ in refusals(ind("a", annual_targets={2024: 1}),
                                             ind("b", rebases=[{"year": 2020, "baseline": 1}]))]
    assert fields == ["indicators[0].annual_targets[2024]", "indicators[1].rebases[0].year"]


@pytest.mark.parametrize("indicators,field,words", [
    ([ind(form="range", range={"low": 6, "high": 5}, milestones=None)], "indicators[0].range", "low"),
    ([ind(form="range", range={}, milestones=None)], "indicators[0].range", "low"),
    ([ind(milestones=None, change={"by": 1, "times": 2})], "indicators[0].change", "by"),
    ([ind(milestones=None, change={})], "indicators[0].change", "by"),
    ([ind(rebases=[{"year": 2027, "baseline": 1}, {"year": 2027, "baseline": 2}])], "indicators[0].rebases", "rebases"),
], ids=["range low above high", "range without ends", "change with by and times", "change with neither",
        "two rebases in one year"])
def test_the_parts_of_a_form_are_refused_naming_the_field(indicators, field, words):
    problems = refusals(*indicators)
    assert [where for where, _ in problems] == [field]
    assert words in problems[0][1]


@pytest.mark.parametrize("indicators", [
    [ind(form="range", range={"low": 6, "high": 5}, milestones=None)],
    [ind(milestones=None, change={"by": 1, "times": 2})],
    [ind(rebases=[{"year": 2027, "baseline": 1}, {"year": 2027, "baseline": 2}])],
], ids=["range low above high", "change with by and times", "two rebases in one year"])
def test_the_parts_of_a_form_are_refused_in_chinese(indicators):
    ((_, message),) = refusals(*indicators)
    assert HAN.search(message), message


# --- the target in plan language ------------------------------------------------------------------------------------

NAMES = {"gdp_growth": "GDP增长"}

PRINTED = {
    "ceiling": (ind(direction="lower", form="bound", baseline=5.2, milestones={2030: 5.5}), "控制在5.5%以内"),
    "floor": (ind(unit="亿吨", form="bound", baseline=6.9, milestones={2030: 6.5}), "保持在6.5亿吨以上"),
    "strict ceiling": (ind(direction="lower", form="bound", strict=True, milestones={2030: 5.5}), "低于5.5%"),
    "strict floor": (ind(unit="亿吨", form="bound", strict=True, milestones={2030: 6.5}), "高于6.5亿吨"),
    "range": (ind(form="range", range={"low": 5, "high": 5.5}, milestones=None), "5—5.5%"),
    "range of yearly rates": (ind(kind="yearly_rate", form="range", range={"low": 5, "high": 5.5}, milestones=None),
                              "年均增长5—5.5%"),
    "range open above": (ind(form="range", range={"low": 5}, milestones=None), "5%以上"),
    "range open below": (ind(form="range", range={"high": 5.5}, milestones=None), "5.5%以内"),
    "strict range open above": (ind(form="range", strict=True, range={"low": 5}, milestones=None), "高于5%"),
    "左右": (ind(unit="万亿斤", form="range", about=True, baseline=1.4, milestones={2030: 1.45}), "1.45万亿斤左右"),
    "左右 on a path": (ind(unit="万亿斤", about=True, baseline=1.4, milestones={2030: 1.45}), "1.45万亿斤左右"),
    "左右 of yearly rates": (ind(kind="yearly_rate", form="range", about=True, milestones={2030: 7}, annual_growth=AG),
                             "年均增长7%左右"),
    "yearly rate": (ind(kind="yearly_rate", milestones=None, annual_growth=AG), "年均增长7%以上"),
    "growth rate": (ind(unit="亿元", kind="growth_rate", milestones=None, annual_growth={**AG, "percent": 20}),
                    "年均增长20%以上"),
    "strict yearly rate": (ind(kind="yearly_rate", strict=True, milestones=None, annual_growth=AG), "年均增长高于7%"),
    "reduction": (ind(kind="reduction", baseline=None, milestones={2030: 17}), "累计降低17%"),
    "strict above": (ind(unit="个", strict=True, baseline=20, milestones={2030: 22}), ">22"),
    "strict below": (ind(unit="微克/立方米", direction="lower", strict=True, baseline=29.3, milestones={2030: 27}),
                     "<27"),
    "change by years": (ind(unit="岁", baseline=79.0, milestones=None, change={"by": 1}), "提高1岁"),
    "change by points": (ind(baseline=10, milestones=None, change={"by": 6}), "提高6个百分点"),
    "change down": (ind(unit="‰", direction="lower", baseline=5, milestones=None, change={"by": -1.5}), "降低1.5‰"),
    "doubling": (ind(unit="家", baseline=9, milestones=None, change={"times": 2}), "翻一番"),
    "quadrupling": (ind(unit="家", baseline=9, milestones=None, change={"times": 4}), "翻两番"),
    "another factor": (ind(unit="家", baseline=9, milestones=None, change={"times": 1.5}), "增至基期的1.5倍"),
    "above another": (ind(form="relative", milestones=None, relative_to={"indicator": "gdp_growth",
                                                                          "relation": "above"}), "高于GDP增长"),
    "in step with another": (ind(form="relative", milestones=None, relative_to={"indicator": "gdp_growth",
                                                                                "relation": "in_step"}),
                             "与GDP增长同步"),
    "annual": (other(), "各年度视情提出"),
    "annual with targets": (other(annual_targets={2026: 5}), "各年度视情提出"),
    "path": (ind(baseline=0.19, milestones={2030: 0.8}), "0.8%"),
    "rank": (ind(unit="位", direction="lower", baseline=36, milestones={2030: 30}), "30"),
}


@pytest.mark.parametrize("fields,text", list(PRINTED.values()), ids=list(PRINTED))
def test_printed_says_the_target_in_plan_language(fields, text):
    assert target_forms.printed(Indicator.model_validate(fields), NAMES) == text


def test_printed_in_the_file_wins():
    for fields, _ in PRINTED.values():
        assert target_forms.printed(Indicator.model_validate({**fields, "printed": "〔17〕"}), NAMES) == "〔17〕"


def test_a_relative_target_without_names_says_the_other_id():
    fields = ind(form="relative", milestones=None, relative_to={"indicator": "gdp_growth", "relation": "above"})
    assert target_forms.printed(Indicator.model_validate(fields)) == "高于gdp_growth"


def test_printed_takes_the_plans_own_target_not_a_later_2035_goal():
    rd = Indicator.model_validate(ind(baseline=0.19, milestones={2025: 0.8, 2035: 2}))
    assert target_forms.printed(rd, end=2025) == "0.8%"
    assert target_forms.printed(rd) == "2%"  # without the plan's end year: the last milestone
    later = Indicator.model_validate(ind(milestones={2035: 2}))
    assert target_forms.printed(later, end=2030) == "2%"


def test_numbers_are_printed_as_a_plan_prints_them():
    assert [target_forms.number(v) for v in (5.0, 5.5, 1.45, 0.1085, 13.50, -0.0, 100000)] == [
        "5", "5.5", "1.45", "0.1085", "13.5", "0", "100000"]


def test_change_year_is_the_plans_end_year_when_left_out():
    assert target_forms.change_year(Indicator.model_validate(ind(milestones=None, change={"by": 1})), 2030) == 2030
    assert target_forms.change_year(Indicator.model_validate(
        ind(milestones=None, change={"by": 1, "year": 2028})), 2030) == 2028
    assert target_forms.change_year(Indicator.model_validate(ind()), 2030) is None


# --- the JSON Schema ------------------------------------------------------------------------------------------------

def test_the_schema_printed_by_the_cli_has_the_target_forms(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    result = run_monitor(capsys, monkeypatch, "plans", "schema")
    assert result.code == 0
    schema = json.loads(result.out)
    defs = schema["$defs"]
    indicator = defs["Indicator"]["properties"]
    assert {"form", "printed", "strict", "judged", "range", "about", "tolerance", "change", "relative_to",
            "annual_targets", "rebases", "baseline_estimated", "baseline_data_year"} <= set(indicator)
    assert defs["Form"]["enum"] == ["path", "bound", "range", "relative", "annual"]
    assert defs["Judged"]["enum"] == ["each_year", "average", "final"]
    assert defs["Relation"]["enum"] == ["above", "in_step"]
    assert {"yearly_rate", "reduction"} <= set(defs["Kind"]["enum"])
    assert {"low", "high"} <= set(defs["Band"]["properties"])
    assert {"by", "times", "year"} <= set(defs["Change"]["properties"])
    assert {"indicator", "relation", "tolerance"} <= set(defs["Relative"]["properties"])
    assert {"year", "baseline"} <= set(defs["Rebase"]["required"])
    assert all(indicator[name].get("description") for name in ("form", "judged", "printed", "change", "rebases"))


# --- the loader names the file, the line and the field -------------------------------------------------------------

BAD_FORMS = """\
id: national-15th-forms
title: 示例规划
region: {name: 全国, code: "000000"}
period: {start: 2026, end: 2030}
baseline_year: 2025
source: {title: 示例规划}
indicators:
  - id: gdp_growth
    name: 国内生产总值增长
    unit: "%"
    form: annual
    baseline: 5.0
    annual_targets: {2026: 5, 2031: 5}
    source: {table: 表1, row: 1}
  - id: labour_productivity_growth
    name: 全员劳动生产率增长
    unit: "%"
    form: relative
    relative_to:
      indicator: gdp
      relation: above
    baseline: null
    source: {table: 表1, row: 2}
  - id: urban_unemployment
    name: 城镇调查失业率
    unit: "%"
    direction: lower
    form: bound
    judged: average
    baseline: 5.2
    tolerance: 0.1
    milestones: {2030: 5.5}
    source: {table: 表1, row: 4}
"""


def _line(text: str, needle: str, after: str = "") -> int:
    start = text.index(after) if after else 0
    return text[:text.index(needle, start)].count("\n") + 1


def test_the_loader_names_the_file_line_and_field_of_a_bad_target_form(tmp_path: Path):
    path = tmp_path / "forms.yaml"
    path.write_text(BAD_FORMS, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        read_plan_file(path)
    problems = {p.field: p for p in caught.value.problems}
    assert set(problems) == {"indicators[2].tolerance"}  # the indicator's own checks come first
    problem = problems["indicators[2].tolerance"]
    assert (problem.file, problem.row) == (str(path), _line(BAD_FORMS, "tolerance:"))
    assert str(problem) == (f"{path}, row {_line(BAD_FORMS, 'tolerance:')}, indicators[2].tolerance: "
                            "tolerance（左右的允许偏差）只与 about: true 一起使用")

    path.write_text(BAD_FORMS.replace("    tolerance: 0.1\n", ""), encoding="utf-8")
    fixed = path.read_text(encoding="utf-8")
    with pytest.raises(DataError) as caught:
        read_plan_file(path)
    problems = {p.field: p for p in caught.value.problems}
    assert set(problems) == {"indicators[0].annual_targets[2031]", "indicators[1].relative_to.indicator"}
    assert problems["indicators[0].annual_targets[2031]"].row == _line(fixed, "annual_targets:")
    assert problems["indicators[1].relative_to.indicator"].row == _line(fixed, "indicator: gdp")
    assert str(problems["indicators[1].relative_to.indicator"]) == (
        f"{path}, row {_line(fixed, 'indicator: gdp')}, indicators[1].relative_to.indicator: "
        "指标 labour_productivity_growth（全员劳动生产率增长）：relative_to.indicator 为 gdp，本规划没有此指标"
        "（须写本规划另一指标的 id）")

    path.write_text(fixed.replace("indicator: gdp\n", "indicator: gdp_growth\n").replace(", 2031: 5", ""),
                    encoding="utf-8")
    assert [i.form.value for i in read_plan_file(path).plan.indicators] == ["annual", "relative", "bound"]


def test_plans_validate_reports_a_bad_target_form(capsys, monkeypatch, tmp_path: Path):
    path = tmp_path / "forms.yaml"
    path.write_text(BAD_FORMS.replace("    tolerance: 0.1\n", ""), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run_monitor(capsys, monkeypatch, "plans", "validate", str(path))
    assert result.code == 3
    assert "forms.yaml, row " in result.err
    assert "indicators[1].relative_to.indicator: 指标 labour_productivity_growth" in result.err
    assert "indicators[0].annual_targets[2031]: " in result.err and "不在规划期 2026—2030 内" in result.err


# --- docs/plan-format.md, "Target forms" ----------------------------------------------------------------------------

def _target_forms_section() -> str:
    text = PLAN_FORMAT.read_text(encoding="utf-8")
    start = text.index("\n## Target forms")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def _blocks(text: str, language: str = "") -> list[str]:
    """The fenced code blocks of ``text`` whose fence names ``language`` ("" for a bare fence)."""
    found, lines, opened = [], [], None
    for line in text.splitlines(keepends=True):
        if line.startswith("```"):
            if opened is None:
                opened, lines = line[3:].strip(), []
            else:
                if opened == language:
                    found.append("".join(lines))
                opened = None
        elif opened is not None:
            lines.append(line)
    return found


def _yaml_blocks(text: str) -> list[str]:
    return _blocks(text, "yaml")


def _as_plan(block: str) -> dict:
    """A ```yaml block as a plan: a whole plan stays as it is; indicators go into a 十五五 plan of 全国, with a
    stand-in for another indicator a relative target names that the block does not define."""
    data = yaml.safe_load(block)
    if isinstance(data, dict) and "indicators" in data:
        return data
    indicators = data if isinstance(data, list) else [data]
    ids = {i["id"] for i in indicators}
    for one in list(indicators):
        wanted = (one.get("relative_to") or {}).get("indicator")
        if wanted and wanted not in ids:
            indicators.append(other(wanted, unit=one["unit"], name=f"参照指标{wanted}"))
            ids.add(wanted)
    return plan(*indicators)


DOC_BLOCKS = _yaml_blocks(_target_forms_section())


def test_the_target_forms_section_has_its_snippets():
    assert len(DOC_BLOCKS) >= 14


@pytest.mark.parametrize("block", DOC_BLOCKS, ids=[f"block{n}" for n in range(len(DOC_BLOCKS))])
def test_every_yaml_snippet_of_the_target_forms_section_validates(block):
    loaded = Plan.model_validate(_as_plan(block))
    names = {i.id: i.name for i in loaded.indicators}
    for one in loaded.indicators:
        assert target_forms.printed(one, names, end=loaded.period.end)


def test_the_snippets_cover_every_form_kind_and_field():
    indicators = [i for block in DOC_BLOCKS for i in Plan.model_validate(_as_plan(block)).indicators]
    assert {i.form.value for i in indicators} == {"path", "bound", "range", "relative", "annual"}
    assert {"growth_rate", "yearly_rate", "reduction"} <= {i.kind.value for i in indicators}
    assert {i.judged.value for i in indicators} >= {"each_year", "average"}
    assert {i.relative_to.relation.value for i in indicators if i.relative_to} == {"above", "in_step"}
    assert any(i.strict for i in indicators) and any(i.about and i.tolerance for i in indicators)
    assert any(i.change and i.change.by for i in indicators) and any(i.change and i.change.times for i in indicators)
    assert any(i.annual_targets for i in indicators) and any(i.rebases for i in indicators)
    assert any(i.baseline_estimated for i in indicators) and any(i.baseline_data_year for i in indicators)
    assert any(i.printed for i in indicators)


def test_the_section_quotes_the_plan_wording_and_names_every_field():
    section = _target_forms_section()
    for words in ("控制在5.5%以内", "年均增长5—5.5%", "1.45万亿斤左右", ">22", "<27", "年均增长7%以上（不变价）",
                  "累计降低17%", "提高1岁", "提高〔6〕个百分点", "翻一番", "高于GDP增长", "与GDP增长同步",
                  "保持在合理区间、各年度视情提出", "口径", "累计", "docs/method.md", "config/plans/examples/",
                  "monitor plans schema"):
        assert words in section, words
    for field in ("form", "printed", "strict", "judged", "range", "about", "tolerance", "change", "relative_to",
                  "annual_targets", "rebases", "baseline_estimated", "baseline_data_year", "yearly_rate",
                  "reduction", "each_year", "average", "final", "above", "in_step", "bound", "relative", "annual"):
        assert f"`{field}" in section, field


def test_the_error_shown_in_the_section_is_the_one_the_loader_gives():
    section = _target_forms_section()
    shown = re.search(r"^(config/plans/\S+), row (\d+), (indicators\[\d+\]\.\S+): (.+)$", section, flags=re.M)
    assert shown
    refused = refusals(other(), other("cpi", name="居民消费价格涨幅"),
                       ind("labour_productivity_growth", name="全员劳动生产率增长", form="relative", milestones=None,
                           relative_to={"indicator": "gdp", "relation": "above"}))
    assert (shown.group(3), shown.group(4)) in refused


def test_the_submitted_file_shown_for_the_basis_column_imports_with_its_restated_row(tmp_path: Path):
    from monitor.actuals.catalogue import Catalogue
    from monitor.actuals.reader import read_table
    from monitor.actuals.validate import CUMULATIVE, validate

    (csv,) = [b for b in _blocks(_target_forms_section()) if b.startswith("地区,")]
    path = tmp_path / "restated.csv"
    path.write_text(csv, encoding="utf-8")
    fourteenth = {**plan(ind("energy_intensity_reduction", name="单位国内生产总值能源消耗降低", kind="reduction",
                             baseline=None, milestones={2025: 13.5})),
                  "period": {"start": 2021, "end": 2025}, "baseline_year": 2020}
    frame = validate(read_table(path), Catalogue.from_plans([Plan.model_validate(fourteenth)]))
    assert frame[CUMULATIVE].tolist() == [True, False]
    assert frame["value"].tolist() == [6.2, 3.4]


def test_a_citation_may_be_a_web_address_alone_but_not_nothing():
    from monitor.plans.model import Citation

    assert Citation(url="https://www.gov.cn/zhengce/example.htm").url.startswith("https://")
    with pytest.raises(ValueError) as refused:
        Citation(quote="到2030年达到25%")
    assert "url" in str(refused.value) and HAN.search(str(refused.value))
