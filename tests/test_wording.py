"""Each target form said in plan language (monitor/report/wording.py): in `monitor check` (table, JSON, CSV), in the
alert messages and the 终期评估 of every channel, and in `monitor plans show`. The rows are real: built as the plan
would be and assessed by the core, as tests/test_method_examples.py does."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from monitor.core.assess import assess
from monitor.messages import filters
from monitor.messages.render import CHANNEL_KINDS, Renderer
from monitor.report import cells, figures, wording
from monitor.report.check import OUTPUT_COLUMNS, output_records, records, to_csv_raw, to_json
from monitor.report.table import to_table
from monitor.report.wording import judgement, judgements
from tests.cli_runner import monitor_on
from tests.frames import frames, observations, points, series
from tests.message_factory import NOW, announced, firing, notification
from tests.test_messages_escaping import EVIL, LIVE

GDP_NAME = "国内生产总值(GDP)增长"
PLAN = "chengkou-14th-sti"  # the plan id of the message factory's rows


def rows(*items, obs=(), as_of: date, targets: pd.DataFrame | None = None) -> pd.DataFrame:
    s, m = frames(*items)
    return assess(s, m, observations(*obs), as_of, points=targets)


def one(item, *obs, as_of: date, targets: pd.DataFrame | None = None) -> dict:
    return rows(item, obs=obs, as_of=as_of, targets=targets).iloc[0].to_dict()


def said(row: dict) -> str:
    return judgement(row)


# ---- the indicators, as the plans print them ----

def unemployment(**kw):
    return series("jobs", name="城镇调查失业率", baseline=5.2, milestones={2025: 5.5}, direction="lower", unit="%",
                  form="bound", target_text="控制在5.5%以内", plan=PLAN, **kw)


def grain_floor():
    return series("grain_output", name="粮食产量", baseline=6.9, milestones={2025: 6.5}, unit="亿吨", form="bound",
                  target_text="保持在6.5亿吨以上")


def gdp_range(**kw):
    return series("gdp", baseline=None, kind="yearly_rate", unit="%", form="range", range_low=5.0, range_high=5.5,
                  **kw)


GRAIN = series("grain", baseline=1.39, milestones={2025: 1.45}, unit="万亿斤", form="range", about=True,
               target_text="1.45万亿斤左右")
RD_REAL = series("rd_real", name="研发经费增长", baseline=9.1, kind="yearly_rate", growth_percent=7, unit="%",
                 target_text="年均增长7%以上", plan=PLAN)
ENERGY = series("energy", baseline=None, milestones={2025: 13.5}, kind="reduction", unit="%",
                target_text="累计降低13.5%")
GDP = series("gdp", baseline=5, baseline_year=2025, end_year=2030, unit="%", name=GDP_NAME, form="annual",
             target_text="各年度视情提出")
PATENTS = series("patents", baseline=16, milestones={2030: 22}, baseline_year=2025, end_year=2030, strict=True,
                 unit="件", target_text=">22")
RD = series("rd", baseline=0.1, milestones={2025: 0.3}, unit="%")


def relative(relation: str, text: str, **kw):
    return series("other", baseline=6.1, baseline_year=2025, end_year=2030, unit="%", form="relative",
                  relative_to="gdp", relation=relation, target_text=text, **kw)


ABOVE = relative("above", f"高于{GDP_NAME}", strict=True)
IN_STEP = relative("in_step", f"与{GDP_NAME}同步")
TARGETS = points(("gdp", "annual", 2026, 5), ("gdp", "annual", 2027, 5), ("gdp", "annual", 2028, 4.5))


# ---- each form's sentence ----

def test_a_ceiling_says_by_how_much_it_is_breached_or_kept():
    values = [("jobs", "2021", 5.3), ("jobs", "2022", 5.6)]
    breached = one(unemployment(), *values, as_of=date(2023, 7, 1))
    assert said(breached) == "控制在5.5%以内：实际5.6%，超出0.1个百分点；2年中1年在界限内"
    kept = one(unemployment(), ("jobs", "2021", 5.3), as_of=date(2022, 7, 1))
    assert said(kept) == "控制在5.5%以内：实际5.3%，低于上限0.2个百分点"
    average = one(unemployment(judged="average"), *values, as_of=date(2023, 7, 1))
    assert said(average) == "控制在5.5%以内：规划期各年平均5.45%，低于上限0.05个百分点"


def test_a_floor_says_how_far_above_or_below_it_the_value_is():
    assert said(one(grain_floor(), ("grain_output", "2021", 6.8), as_of=date(2022, 7, 1))) == (
        "保持在6.5亿吨以上：实际6.8亿吨，高于下限0.3亿吨")
    assert said(one(grain_floor(), ("grain_output", "2021", 6.3), as_of=date(2022, 7, 1))) == (
        "保持在6.5亿吨以上：实际6.3亿吨，低于下限0.2亿吨")


def test_a_bound_at_the_end_names_the_years_and_the_verdict():
    five = [("jobs", "2021", 5.3), ("jobs", "2022", 5.6)] + [("jobs", str(y), 5.0) for y in (2023, 2024, 2025)]
    each = one(unemployment(), *five, as_of=date(2026, 7, 1))
    assert said(each) == "控制在5.5%以内：终期实际5%，低于上限0.5个百分点；规划期5年中4年在界限内，未完成"
    average = one(unemployment(judged="average"), *five, as_of=date(2026, 7, 1))
    assert said(average).startswith("控制在5.5%以内：规划期各年平均5.18%，低于上限0.32个百分点，")


def test_a_range_says_inside_below_or_above():
    printed = dict(target_text="年均增长5—5.5%")
    inside = one(gdp_range(**printed), ("gdp", "2021", 5.2), ("gdp", "2022", 5.4), as_of=date(2023, 7, 1))
    assert said(inside) == "年均增长5—5.5%：年均实际增长5.3%，在区间内"
    below = one(gdp_range(**printed), ("gdp", "2021", 4.8), as_of=date(2022, 7, 1))
    assert said(below) == "年均增长5—5.5%：年均实际增长4.8%，低于下限0.2个百分点"
    above = one(gdp_range(**printed), ("gdp", "2021", 5.8), as_of=date(2022, 7, 1))
    assert said(above) == "年均增长5—5.5%：年均实际增长5.8%，高于上限0.3个百分点"
    level = series("share", baseline=5.1, milestones={2025: 5.3}, unit="%", form="range", range_low=5.0,
                   range_high=5.5, target_text="5—5.5%")
    assert said(one(level, ("share", "2021", 5.3), as_of=date(2022, 7, 1))) == "区间5—5.5%：实际5.3%，在区间内"


def test_about_gives_the_band_and_says_in_range_in_the_unit():
    kept = one(GRAIN, ("grain", "2021", 1.43), as_of=date(2022, 7, 1))
    assert said(kept) == "1.45万亿斤左右（1.421—1.479）：实际1.43万亿斤，在范围内"
    short = one(GRAIN, ("grain", "2021", 1.40), as_of=date(2022, 7, 1))
    assert said(short) == "1.45万亿斤左右（1.421—1.479）：实际1.4万亿斤，低于下限0.021万亿斤"


def test_rows_from_older_stores_without_the_printed_target_are_still_worded():
    kept = one(series("grain", baseline=1.39, milestones={2025: 1.45}, unit="万亿斤", form="range", about=True),
               ("grain", "2021", 1.43), as_of=date(2022, 7, 1))
    assert kept["target_text"] is None or kept["target_text"] != kept["target_text"]
    assert said(kept) == "1.45万亿斤左右（1.421—1.479）：实际1.43万亿斤，在范围内"
    ceiling = one(series("jobs", baseline=5.2, milestones={2025: 5.5}, direction="lower", unit="%", form="bound"),
                  ("jobs", "2021", 5.6), as_of=date(2022, 7, 1))
    assert said(ceiling) == "控制在5.5%以内：实际5.6%，超出0.1个百分点"
    assert said(one(gdp_range(), ("gdp", "2021", 5.2), as_of=date(2022, 7, 1))) == (
        "年均增长5—5.5%：年均实际增长5.2%，在区间内")


def test_yearly_rates_give_the_average_rate_against_the_target():
    row = one(RD_REAL, ("rd_real", "2021", 8.1), ("rd_real", "2022", 6.4), as_of=date(2023, 7, 1))
    assert said(row) == "年均实际增长7.25%（目标7%以上）"
    final = one(RD_REAL, *[("rd_real", str(y), 7.5) for y in range(2021, 2026)], as_of=date(2026, 7, 1))
    assert said(final) == "规划期年均实际增长7.5%（目标7%以上），超额完成"


def test_a_reduction_gives_the_compounded_total_against_the_pace():
    row = one(ENERGY, ("energy", "2021", 3.1), ("energy", "2022", 1.2), as_of=date(2023, 7, 1))
    assert said(row) == "累计降低4.26%（序时进度应达5.4%）"
    final = one(ENERGY, *[("energy", str(y), 2.5) for y in range(2021, 2026)], as_of=date(2026, 7, 1))
    assert said(final) == "规划期累计降低11.89%（目标13.5%），未完成"


def test_a_relative_target_compares_with_the_other_indicator():
    def other(item, value):
        return rows(GDP, item, obs=[("gdp", "2026", 5.0), ("other", "2026", value)],
                    as_of=date(2027, 7, 1)).iloc[1].to_dict()

    assert said(other(ABOVE, 6.0)) == f"实际6%，高于{GDP_NAME}（5%）"
    assert said(other(ABOVE, 4.8)) == f"实际4.8%，低于{GDP_NAME}（5%）0.2个百分点"
    assert said(other(IN_STEP, 5.3)) == f"实际5.3%，与{GDP_NAME}同步（相差0.3个百分点）"
    assert said(other(IN_STEP, 5.6)) == f"实际5.6%，与{GDP_NAME}不同步（相差0.6个百分点）"
    alone = rows(GDP, ABOVE, obs=[("other", "2026", 6.0)], as_of=date(2027, 7, 1)).iloc[1].to_dict()
    assert said(alone) == ""  # the note says the other indicator has no value
    years = [("gdp", str(y), 5.0) for y in range(2026, 2031)] + [("other", str(y), 5.2) for y in range(2026, 2031)]
    final = rows(GDP, ABOVE, obs=years, as_of=date(2031, 7, 1)).iloc[1].to_dict()
    assert said(final) == f"规划期平均5.2%，高于{GDP_NAME}平均（5%），5年中5年达到，已完成"


def test_annual_targets_alone_and_beside_a_path():
    short = rows(GDP, obs=[("gdp", "2026", 4.8)], as_of=date(2027, 7, 1), targets=TARGETS).iloc[0].to_dict()
    assert said(short) == "2026年度目标5%，实际4.8%，差0.2个百分点"
    met = rows(GDP, obs=[("gdp", "2026", 5.1)], as_of=date(2027, 7, 1), targets=TARGETS).iloc[0].to_dict()
    assert said(met) == "2026年度目标5%，实际5.1%，高于目标0.1个百分点"
    unset = rows(GDP, obs=[("gdp", "2026", 5.1)], as_of=date(2027, 7, 1)).iloc[0].to_dict()
    assert said(unset) == ""  # the note says 2026年度目标尚未载入
    values = [("gdp", "2026", 5.1), ("gdp", "2027", 4.9), ("gdp", "2028", 4.6), ("gdp", "2029", 5), ("gdp", "2030", 5)]
    final = rows(GDP, obs=values, as_of=date(2031, 7, 1), targets=TARGETS).iloc[0].to_dict()
    assert said(final) == "规划期3年中2年达到年度目标，未完成（完成率2/3）"
    beside = rows(RD, obs=[("rd", "2023", 0.16)], as_of=date(2024, 7, 1),
                  targets=points(("rd", "annual", 2023, 0.2))).iloc[0].to_dict()
    assert said(beside) == "2023年度目标0.2%，实际0.16%，差0.04个百分点"


def test_a_strict_target_says_its_sign_and_the_final_verdict():
    beyond = one(PATENTS, ("patents", "2030", 22.5), as_of=date(2031, 7, 1))
    assert said(beyond) == ">22：终期实际22.5件，超额完成"
    at = one(PATENTS, ("patents", "2030", 22), as_of=date(2031, 7, 1))
    assert said(at) == ">22：终期实际22件，未超过目标，未完成"
    assert said(one(PATENTS, ("patents", "2026", 17.2), as_of=date(2027, 7, 1))) == ""  # Part 1 words it


def test_a_replaced_baseline_is_mentioned_once():
    rd = series("rd", baseline=2.65, milestones={2030: 3.25}, baseline_year=2025, end_year=2030,
                baseline_is_estimate=True)
    row = one(rd, ("rd", "2025", 2.7), ("rd", "2026", 2.82), as_of=date(2027, 7, 1))
    assert "基期值已按统计数据更新" in row["note"] and said(row) == ""
    assert said({**row, "note": None}) == "基期值已按统计数据更新（2.65 → 2.7）"


def test_a_plain_path_says_nothing_more():
    assert said(one(RD, ("rd", "2023", 0.16), as_of=date(2024, 7, 1))) == ""
    assert said({}) == "" and said({"form": None, "status": "behind"}) == ""


# ---- the 个百分点 rule and the precision a plan prints ----

SENTENCES = [
    one(unemployment(), ("jobs", "2021", 5.3), ("jobs", "2022", 5.6), as_of=date(2023, 7, 1)),
    one(gdp_range(target_text="年均增长5—5.5%"), ("gdp", "2021", 4.8), as_of=date(2022, 7, 1)),
    rows(GDP, obs=[("gdp", "2026", 4.8)], as_of=date(2027, 7, 1), targets=TARGETS).iloc[0].to_dict(),
    rows(GDP, IN_STEP, obs=[("gdp", "2026", 5.0), ("other", "2026", 5.6)], as_of=date(2027, 7, 1)).iloc[1].to_dict(),
    rows(GDP, ABOVE, obs=[("gdp", "2026", 5.0), ("other", "2026", 4.8)], as_of=date(2027, 7, 1)).iloc[1].to_dict(),
]
DIFFERENCE = re.compile(r"(超出|低于上限|高于上限|低于下限|高于下限|差|相差|高于目标|低于目标|%）)(\d+(?:\.\d+)?)(\S?)")


@pytest.mark.parametrize("row", SENTENCES, ids=lambda row: f"{row['form']}-{row['kind']}")
def test_a_percentage_indicator_states_differences_in_percentage_points(row):
    text = said(row)
    found = DIFFERENCE.findall(text)
    assert found, text
    assert all(unit == "个" for _, _, unit in found), text
    assert all(len(number.split(".")[-1]) <= 2 for number in re.findall(r"\d+\.\d+", text)), text  # 2 decimals
    assert not re.search(r"nan|None|(?<![0-9])—(?![0-9])", text)  # no unknown value shown as —


def test_other_units_state_differences_in_their_own_unit():
    assert figures.difference(-0.021, "万亿斤", 3) == "0.021万亿斤"  # the plan prints 1.421—1.479
    assert figures.difference(-0.021, "万亿斤") == "0.02万亿斤"  # the unit's default: two decimals
    assert figures.difference(3, "微克/立方米") == "3微克/立方米"
    assert figures.difference(2, "件") == "2件"
    assert figures.difference(0.10000000004, "%") == "0.1个百分点"
    assert figures.amount(7.246631, "%") == "7.25%" and figures.amount(1.4789999, "万亿斤", 3) == "1.479万亿斤"


def test_the_table_and_the_messages_give_a_percentages_yearly_change_in_points():
    assert cells._rate(0.0467, "linear", "%") == "0.0467个百分点/年"
    assert cells._rate(0.17128, "compound", "%") == "17.1%/年"  # a growth rate stays a percent
    assert cells._rate(4.0, "linear", "家") == "4家/年"
    assert filters.rate(0.0467, "linear", "%") == "+0.0467个百分点/年"
    assert filters.qty(-0.2, "%", sign=True) == "-0.2个百分点"  # a gap
    assert filters.qty(5.6, "%") == "5.6%"  # a value
    assert filters.num(1346.52168) == figures.number(1346.52168) == "1,346.5217"


# ---- monitor check: table, JSON, CSV ----

def frame() -> pd.DataFrame:
    values = [("jobs", "2021", 5.3), ("jobs", "2022", 5.6), ("rd_real", "2021", 8.1), ("rd_real", "2022", 6.4),
              ("rd", "2022", 0.16), ("patents", "2022", 19)]
    patents = series("patents", name="专利", baseline=16, milestones={2025: 22}, strict=True, target_text=">22",
                     unit="件")
    return rows(unemployment(), RD_REAL, RD, patents, obs=values, as_of=date(2023, 7, 1))


def test_json_and_csv_carry_the_judgement_after_the_note():
    data = json.loads(to_json(frame()))
    assert [list(row) for row in data] == [OUTPUT_COLUMNS] * 4
    by_id = {row["indicator_id"]: row for row in data}
    assert by_id["jobs"]["judgement"] == "控制在5.5%以内：实际5.6%，超出0.1个百分点；2年中1年在界限内"
    assert by_id["rd_real"]["judgement"] == "年均实际增长7.25%（目标7%以上）"
    assert by_id["rd"]["judgement"] is None and by_id["patents"]["judgement"] is None
    header, *lines = to_csv_raw(frame()).splitlines()
    assert header.split(",") == OUTPUT_COLUMNS and "年均实际增长7.25%（目标7%以上）" in "\n".join(lines)
    assert "judgement" not in records(frame())[0]  # the assessment records themselves are unchanged


def test_the_table_shows_the_target_as_printed_and_the_sentence_beside_the_status():
    console = Console(width=400, record=True)
    to_table(frame(), console)
    text = console.export_text()
    assert "控制在5.5%以内（2025）" in text and "年均增长7%以上（2025）" in text and ">22（2025）" in text
    assert "未完成（控制在5.5%以内：实际5.6%，超出0.1个百分点；2年中1年在界限内）" in text
    assert "0.3（2025）" in text  # a plain path keeps its number
    assert "每年提高" in text and "个百分点" in text and "个百分点/年" not in text  # a percentage's yearly need


def test_only_the_rows_that_need_a_sentence_are_worded(monkeypatch):
    worded = []
    real = wording.judgement

    def spy(row):
        worded.append(row["indicator_id"])
        return real(row)

    monkeypatch.setattr(wording, "judgement", spy)
    plain = pd.concat([frame()] + [rows(RD, obs=[("rd", "2022", 0.16)], as_of=date(2023, 7, 1))] * 50)
    sentences = judgements(plain)
    assert sorted(worded) == ["jobs", "rd_real"] and (sentences == "").sum() == len(plain) - 2
    assert [r["judgement"] for r in output_records(plain)].count(None) == len(plain) - 2


def test_check_json_end_to_end_words_each_form(capsys, monkeypatch, database_url, tmp_path):
    monitor = monitor_on(capsys, monkeypatch, database_url, tmp_path, plans_dir=plan_folder(tmp_path))
    assert monitor("init").code == 0
    figures = tmp_path / "城口2026.csv"
    figures.write_text("地区,指标,期间,数值,单位\n城口县,gdp_growth,2026,5,%\n城口县,unemployment,2026,5.6,%\n"
                       "城口县,rd_growth,2026,8.1,%\n城口县,income_growth,2026,5.3,%\n"
                       "城口县,life_expectancy,2026,79.3,岁\n", encoding="utf-8")
    imported = monitor("actuals", "import", str(figures))
    assert imported.code == 0, imported.err
    result = monitor("check", "--as-of", "2027-07-01", "--format", "json", "--fail-on", "never")
    by_id = {row["indicator_id"]: row for row in json.loads(result.out)}
    assert by_id["unemployment"]["target_text"] == "控制在5.5%以内"
    assert by_id["unemployment"]["judgement"] == "控制在5.5%以内：实际5.6%，超出0.1个百分点"
    assert by_id["gdp_growth"]["judgement"] == "2026年度目标5%，实际5%，达到目标"
    assert by_id["rd_growth"]["judgement"] == "年均实际增长8.1%（目标7%以上）"
    assert by_id["income_growth"]["judgement"] == "实际5.3%，与地区生产总值增长同步（相差0.3个百分点）"
    assert by_id["life_expectancy"]["judgement"] is None
    table = monitor("check", "--as-of", "2027-07-01", "--fail-on", "never")
    status = last_column(table.out)  # the sentence may wrap inside its cell
    assert "控制在5.5%以内" in status and "超出0.1个百分点" in status


def last_column(table: str) -> str:
    """The text of the last column of a rich table, its wrapped lines joined."""
    return "".join(line.split("│")[-2].strip() for line in table.splitlines() if line.count("│") > 2)


# ---- alert messages and the 终期评估 ----

def firing_rows() -> list[dict]:
    values = [("jobs", "2021", 5.3), ("jobs", "2022", 5.6), ("rd_real", "2021", 8.1), ("rd_real", "2022", 6.4)]
    return records(rows(unemployment(), RD_REAL, obs=values, as_of=date(2023, 7, 1)))


BOUND_SAID = "控制在5.5%以内：实际5.6%，超出0.1个百分点"
RATE_SAID = "年均实际增长7.25%（目标7%以上）"


@pytest.mark.parametrize("channel", CHANNEL_KINDS)
def test_an_alert_message_says_the_bound_and_the_yearly_rate_in_plan_language(channel):
    message = Renderer().render(notification("firing", [firing(row) for row in firing_rows()]), channel)
    for text in filter(None, (message.text, message.html)):
        assert BOUND_SAID in text and RATE_SAID in text
    assert "领先0.25个百分点" in message.text  # a percentage's lead is in points, at the plan's precision
    bound = message.text.split("城镇调查失业率")[-1]
    assert "序时进度 —" not in bound.split("研发经费增长")[0]  # a bound has no pace: its sentence says it


@pytest.mark.parametrize("channel", CHANNEL_KINDS)
def test_the_final_review_says_each_form_in_plan_language(channel):
    five = [("jobs", str(y), v) for y, v in zip(range(2021, 2026), [5.3, 5.6, 5, 5, 5])]
    rates = [("rd_real", str(y), 6.5) for y in range(2021, 2026)]
    final = records(rows(unemployment(), RD_REAL, obs=five + rates, as_of=date(2026, 7, 1)))
    message = Renderer().render(notification("final", [announced(row) for row in final],
                                              now=NOW.replace(year=2026, month=7, day=15)), channel)
    for text in filter(None, (message.text, message.html)):
        assert "控制在5.5%以内：终期实际5%，低于上限0.5个百分点；规划期5年中4年在界限内，未完成" in text
        assert "规划期年均实际增长6.5%（目标7%以上），未完成" in text


def test_a_verdict_beyond_a_tolerance_only_is_not_exceeded():
    grain = series("grain", baseline=1.39, milestones={2025: 1.45}, unit="万亿斤", about=True, plan=PLAN,
                   target_text="1.45万亿斤左右")
    final = records(rows(grain, obs=[("grain", "2025", 1.46)], as_of=date(2026, 7, 1)))[0]
    assert final["final_status"] == "achieved" and final["attainment"] > 1 and final["exceeded"] is False
    message = Renderer().render(notification("final", [announced(final)], now=NOW.replace(year=2026)), "feishu")
    assert "超额完成" not in message.text and "已完成 1 项" in message.text
    assert filters.verdict_label("achieved", 1.007, False) == "已完成"
    assert filters.verdict_label("achieved", 1.2) == "超额完成"  # rows stored before `exceeded`


@pytest.mark.parametrize("channel", ["wecom", "dingtalk", "feishu"])
def test_a_sentence_built_from_plan_text_is_inert_in_robot_markdown(channel):
    row = rows(series("gdp", baseline=5, baseline_year=2025, end_year=2030, unit="%", name=EVIL, plan=PLAN),
               relative("above", f"高于{EVIL}", plan=PLAN),
               obs=[("gdp", "2026", 5.0), ("other", "2026", 4.8)], as_of=date(2027, 7, 1))
    other = records(row)[1]
    assert EVIL in judgement(other)
    message = Renderer().render(notification("firing", [firing(other)]), channel)
    assert [token for token in LIVE if token != "**" and token in message.text] == []
    assert "＊＊＠13800000000＊＊" in message.text


def test_the_sentence_is_worded_for_alerts_stored_before_it_existed():
    stored = {key: value for key, value in firing_rows()[0].items()}
    item = firing(stored)
    item = replace(item, alert=replace(item.alert, assessment={**stored, "judgement": "旧的句子"}))
    text = Renderer().render(notification("firing", [item]), "feishu").text
    assert BOUND_SAID in text and "旧的句子" not in text


# ---- monitor plans show ----

PLAN_YAML = """\
id: test-forms
title: 城口县“十五五”规划（测试）
region: {name: 城口县, code: "500229"}
period: {start: 2026, end: 2030}
baseline_year: 2025
source: {title: 城口县“十五五”规划（测试）}
indicators:
  - id: gdp_growth
    name: 地区生产总值增长
    unit: "%"
    form: annual
    baseline: 5
    annual_targets: {2026: 5, 2027: 5.5}
    source: {table: 表1, row: 1}
  - id: unemployment
    name: 城镇调查失业率
    unit: "%"
    direction: lower
    form: bound
    baseline: 5.2
    milestones: {2030: 5.5}
    source: {table: 表1, row: 2}
  - id: rd_growth
    name: 研发经费增长
    unit: "%"
    kind: yearly_rate
    baseline: 9.1
    annual_growth: {percent: 7, source: {table: 表1, row: 3}}
    source: {table: 表1, row: 3}
  - id: income_growth
    name: 居民人均可支配收入增长
    unit: "%"
    form: relative
    relative_to: {indicator: gdp_growth, relation: in_step}
    baseline: 5
    source: {table: 表1, row: 4}
  - id: life_expectancy
    name: 人均预期寿命
    unit: 岁
    baseline: 79
    change: {by: 1}
    rebases: [{year: 2027, baseline: 79.2}]
    source: {table: 表1, row: 5}
  - id: patents
    name: 每万人口高价值发明专利拥有量
    unit: 件
    strict: true
    baseline: 16
    milestones: {2030: 22}
    source: {table: 表1, row: 6}
  - id: grain
    name: 粮食综合生产能力
    unit: 万亿斤
    form: range
    about: true
    judged: final
    baseline: 1.39
    milestones: {2030: 1.45}
    source: {table: 表1, row: 7}
"""


def plan_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "plans"
    folder.mkdir(exist_ok=True)
    (folder / "test-forms.yaml").write_text(PLAN_YAML, encoding="utf-8")
    return folder


def test_plans_show_gives_each_target_as_printed_with_its_form_annual_targets_and_rebases(
        capsys, monkeypatch, sqlite_url, tmp_path):
    monitor = monitor_on(capsys, monkeypatch, sqlite_url, tmp_path, plans_dir=plan_folder(tmp_path))
    assert monitor("init").code == 0
    shown = monitor("plans", "show", "test-forms")
    assert shown.code == 0, shown.err
    out = shown.out
    for printed in ("各年度视情提出", "控制在5.5%以内", "年均增长7%以上", "与地区生产总值增长同步", "提高1岁", ">22",
                    "1.45万亿斤左右"):
        assert printed in out, printed
    for form in ("年度目标", "上限", "相对", "路径（严格）", "左右（按期末值）"):
        assert form in out, form
    assert "年度目标：2026年 5，2027年 5.5" in out
    assert "基期修订：2027年起基期值 79.2" in out
    assert "2030年 5.5" in out  # the milestones are still listed
