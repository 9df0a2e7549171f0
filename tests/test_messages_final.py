"""The 终期评估 message on every channel, late-figure wording in alerts and the digest, and plan names."""

import json

import pytest

from monitor.messages.render import CHANNEL_KINDS, Renderer
from monitor.messages.samples import sample_notification
from tests import message_factory as mf

pytest_plugins: list[str] = []


@pytest.fixture(scope="module")
def renderer():
    return Renderer()


def late_row(**overrides):
    return mf.not_reported(due_period="2025", due_date="2026-06-30", last_period="2024", last_value=1.4,
                           last_pace=0.6667, last_status="behind", **overrides)


LATE = "2025 年数据逾期未报（应于 2026-06-30 前报送）；最近一次（2024 年）基本达到，需加快"


@pytest.mark.parametrize("channel", CHANNEL_KINDS)
def test_the_final_review_renders_on_every_channel_in_chinese_with_the_indicators_as_printed(renderer, channel):
    message = renderer.render(sample_notification("final"), channel)
    assert message.title == ("【终期评估】《城口县“十四五”科技创新规划》2025 年目标完成 2 项，未完成 1 项，"
                             "未报送 1 项")
    body = message.html if channel == "email" else message.text
    for words in ("研究与试验发展经费投入强度", "0.42%", "52.5%", "孵化平台数", LATE):
        assert words in body, (channel, words)
    if channel != "email":
        assert "指标完成率 66.7%（完成 2 项 ÷ 已评估 3 项）" in message.text
        assert "约束性指标 2 项：完成 1 项，未完成 1 项，指标完成率 50.0%" in message.text
        assert "国家高新技术企业数（超额完成）" in message.text
    assert "序时进度 " not in message.text  # no pace for an ended plan (the footer's 序时进度监测 aside)
    if channel == "webhook":
        assert message.body["kind"] == "final"
        assert message.body["review"][0]["all"] == {"total": 4, "achieved": 2, "exceeded": 1, "missed": 1,
                                                    "no_data": 1, "rate": pytest.approx(2 / 3)}
        json.dumps(message.body, ensure_ascii=False)


def test_an_update_of_the_final_review_says_so_and_marks_what_is_new(renderer):
    sample = sample_notification("final")
    items = [type(i)(i.alert, i.state, i.starts_at, None, i.alert.indicator_id == "incubation_platforms")
             for i in sample.items]
    message = renderer.render(type(sample)(**{**sample.__dict__, "items": items}), "wecom")
    assert message.title.startswith("【终期评估·更新】")
    assert "孵化平台数</font> 【新】" in message.text and message.text.count("【新】") == 1


@pytest.mark.parametrize("channel", CHANNEL_KINDS)
def test_a_late_figure_says_which_year_is_overdue_and_what_the_last_one_showed(renderer, channel):
    message = renderer.render(mf.notification("firing", [mf.firing(late_row(), new=True)]), channel)
    body = message.html if channel == "email" else message.text
    assert LATE in body
    assert "尚无报送值" not in body


def test_a_series_that_never_reported_still_says_it_has_no_value(renderer):
    message = renderer.render(mf.notification("firing", [mf.firing(mf.not_reported())]), "wecom")
    assert "尚无报送值" in message.text and "逾期未报" not in message.text


@pytest.mark.parametrize("channel", CHANNEL_KINDS)
def test_the_digest_prints_the_late_figures_with_the_last_judgement(renderer, channel):
    extra = mf.digest_extra()
    extra["worst"].append(late_row())
    extra["missing"][1].update(last_period="2024", last_status="behind")
    message = renderer.render(mf.notification("digest", [], region=None, extra=extra), channel)
    body = message.html if channel == "email" else message.text
    assert LATE in body
    assert ("孵化平台数（2024，逾期 92 天；最近一次（2024 年）基本达到，需加快）" in body) or channel == "email"


def test_alerts_name_their_plan_when_the_region_has_more_than_one(renderer):
    old = mf.rd_expenditure()
    new = mf.high_tech(plan_id="chengkou-15th-sti-example")
    extra = {"plan_names": {"chengkou-15th-sti-example": "城口县“十五五”科技创新规划（示例）"}}
    text = renderer.render(mf.notification("firing", [mf.firing(old), mf.firing(new)], extra=extra), "feishu").text
    assert "《城口县“十五五”科技创新规划（示例）》高新技术企业" in text
    assert "《chengkou-14th-sti》全社会研究与试验发展经费支出" in text


def test_one_alert_names_its_plan_when_the_assessment_has_another_plan_for_its_region(renderer):
    only = mf.notification("firing", [mf.firing(mf.rd_expenditure())], extra={"multi_plan_regions": ["500229"]})
    assert "《chengkou-14th-sti》" in renderer.render(only, "text" if False else "email").text
    plain = mf.notification("firing", [mf.firing(mf.rd_expenditure())])
    assert "《" not in renderer.render(plain, "email").text
