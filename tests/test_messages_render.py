"""Rendering notifications into each channel's message with the bundled templates and a user's own."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from monitor.errors import ConfigError
from monitor.messages.model import AlertItem
from monitor.messages.render import CHANNEL_KINDS, KINDS, Renderer, template_names
from tests.message_factory import (
    NOW, STARTED, alert, chengkou_final, chengkou_firing, digest_extra, firing, high_tech, not_reported, notification, patents,
    rd_expenditure, resolved, xiushan_high_tech,
)

HEADLINE = {"firing": "【预警】", "reminder": "【持续预警】", "resolved": "【已恢复】", "digest": "【进度汇总】",
            "final": "【终期评估】"}


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def realistic(kind: str):
    if kind == "resolved":
        return notification("resolved", [resolved(patents(status="on_track", pace=0.9512, severity="ok"))],
                            region="秀山土家族苗族自治县")
    if kind == "digest":
        return notification("digest", [], region=None, extra=digest_extra())
    if kind == "final":
        return chengkou_final()
    return notification(kind, [firing(rd_expenditure(), new=True), firing(high_tech()), firing(not_reported())])


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("channel", CHANNEL_KINDS)
def test_every_channel_renders_every_kind_of_message(renderer, channel, kind):
    message = renderer.render(realistic(kind), channel)

    assert message.title.startswith(HEADLINE[kind]) and "\n" not in message.title
    assert "序时进度" in message.text
    if kind == "digest":
        assert "秀山土家族苗族自治县" in message.text and "孵化平台数" in message.text
    elif kind == "resolved":
        assert "每万人发明专利拥有量" in message.text
    elif kind == "final":
        assert "全社会研究与试验发展经费支出（2025）" in message.text and "高新技术企业（超额完成）" in message.text
    else:
        assert "全社会研究与试验发展经费支出（2024）" in message.text and "高新技术企业" in message.text
    assert (message.html is not None) == (channel == "email")
    assert (message.body is not None) == (channel == "webhook")


def test_the_firing_title_counts_the_indicators_behind_pace_and_the_critical_ones(renderer):
    message = renderer.render(chengkou_firing(), "dingtalk")

    assert message.title == "【预警】城口县 2 项指标落后于序时进度（严重 1 项）"


def test_a_group_of_only_missing_reports_is_called_so(renderer):
    message = renderer.render(notification("firing", [firing(not_reported())]), "email")

    assert message.title == "【预警】城口县 1 项指标未按期报送"


def test_each_alert_shows_the_figures_a_planner_reads(renderer):
    text = renderer.render(chengkou_firing(), "wecom").text

    # figures at the plan's precision (0.1 → 0.3亿元: two decimals; 家: one), the shortfall as 落后, the pace as
    # 序时完成率 and a growth rate worded apart from a change in units
    for line in ("全社会研究与试验发展经费支出（2024）", "期望值 0.24亿元，实际值 0.2亿元，落后0.04亿元",
                 "序时完成率 78.9%", "预计到 2025 年 0.24亿元，今后还需年均增长50.0%",
                 "期望值 4.4家，实际值 1家，落后3.4家", "今后还需每年增加4家", "倒退（严重）",
                 "基本达到，需加快（预警）", "共 2 项：严重 1 项，预警 1 项，其中新增 1 项"):
        assert line in text, line


def test_each_alert_shows_its_rules_summary_so_two_rules_on_one_indicator_can_be_told_apart(renderer):
    row = rd_expenditure()
    items = [AlertItem(alert(row, summary="城口县“全社会研究与试验发展经费支出”低于序时进度，需加快"), "firing", STARTED),
             AlertItem(alert(row, summary="按近年趋势，预计2025年为0.24亿元，达不到目标0.3亿元"), "firing", STARTED)]

    for channel in ("wecom", "dingtalk", "feishu", "email"):
        message = renderer.render(notification("firing", items), channel)
        for document in filter(None, (message.text, message.html)):
            assert "低于序时进度，需加快" in document and "达不到目标0.3亿元" in document, channel


def test_a_pace_of_0_9512_is_shown_as_95_1_percent(renderer):
    item = firing(patents(pace=0.9512, status="behind"))

    for channel in ("wecom", "dingtalk", "feishu", "email"):
        message = renderer.render(notification("firing", [item]), channel)
        assert "95.1%" in message.text and "0.9512" not in message.text, channel


def test_alerts_are_listed_critical_first_then_by_pace_ascending(renderer):
    items = [firing(patents(pace=0.85)), firing(xiushan_high_tech()), firing(patents(indicator_name="科技型企业",
             indicator_id="tech", pace=0.65)), firing(high_tech(indicator_name="国家高新技术企业数"))]
    message = renderer.render(notification("firing", items, region="秀山土家族苗族自治县"), "email")

    expected = ["国家高新技术企业数", "有效期内高新技术企业", "科技型企业", "每万人发明专利拥有量"]
    for document in (message.text, message.html):
        positions = [document.index(name) for name in expected]
        assert positions == sorted(positions)


def test_an_alert_without_a_pace_comes_after_the_others_of_its_severity(renderer):
    items = [firing(not_reported()), firing(rd_expenditure())]
    text = renderer.render(notification("firing", items), "feishu").text

    assert text.index("全社会研究与试验发展经费支出") < text.index("孵化平台数")
    assert "目标 2个（2025 年），尚无报送值" in text


def test_a_message_about_several_regions_names_them_and_adds_a_region_column(renderer):
    items = [firing(high_tech()), firing(xiushan_high_tech()), firing(patents())]
    message = renderer.render(notification("firing", items, region=None), "email")

    assert message.title == "【预警】城口县、秀山土家族苗族自治县 3 项指标落后于序时进度（严重 2 项）"
    assert ">地区</th>" in message.html and ">秀山土家族苗族自治县</td>" in message.html
    assert ">地区</th>" not in renderer.render(chengkou_firing(), "email").html


def test_a_missing_value_shows_as_a_dash_not_as_none(renderer):
    item = firing(rd_expenditure(projected=None, target_year=None, gap=None, shortfall=None))
    text = renderer.render(notification("firing", [item]), "dingtalk").text

    assert "None" not in text and "实际值 0.2亿元\n" in text and "预计 —，今后还需年均增长50.0%" in text
    assert "，落后" not in text and "领先" not in text


def test_the_reminder_says_how_long_the_alerts_have_been_firing(renderer):
    message = renderer.render(notification("reminder", [firing(high_tech())]), "dingtalk")

    assert message.title == "【持续预警】城口县 1 项指标落后于序时进度，已持续 12 天"
    assert "自 2025-06-19 起已持续 12 天" in message.text


def test_the_resolved_message_lists_what_cleared_and_when(renderer):
    row = rd_expenditure(actual=0.245, pace=0.9512, status="on_track", severity="ok")
    message = renderer.render(notification("resolved", [resolved(row, ends_at=NOW - timedelta(minutes=30))]),
                              "wecom")

    assert message.title == "【已恢复】城口县 1 项指标已恢复正常"
    assert "全社会研究与试验发展经费支出（2024）" in message.text
    assert "恢复于 2025-07-01 08:30" in message.text
    assert "最新评估：达到时序进度，序时完成率 95.1%" in message.text


def test_a_firing_message_also_names_alerts_of_the_group_that_cleared(renderer):
    items = [firing(high_tech()), resolved(rd_expenditure(status="on_track", severity="ok"))]
    text = renderer.render(notification("firing", items), "wecom").text

    assert "已恢复 1 项</font>：全社会研究与试验发展经费支出（2024）" in text
    assert "1 项指标落后于序时进度" in text


def test_times_are_shown_in_the_timezone_of_now(renderer):
    utc_start = datetime(2025, 6, 30, 17, 0, tzinfo=timezone.utc)  # 01:00 on 1 July in Shanghai
    text = renderer.render(notification("reminder", [firing(high_tech(), starts_at=utc_start)]), "feishu").text

    assert "自 2025-07-01 起已持续 0 天" in text


def test_the_digest_counts_statuses_by_region_and_lists_the_worst_and_the_missing(renderer):
    message = renderer.render(notification("digest", [], region=None, extra=digest_extra()), "wecom")

    assert message.title == "【进度汇总】2025-07-01 规划指标序时进度：严重 4 项，预警 36 项"
    assert "共 64 项：严重 4 项，预警 36 项，正常 24 项" in message.text
    assert "> 城口县：明显滞后 1 项；倒退 1 项；基本达到，需加快 5 项；未报送 6 项" in message.text
    worst = [message.text.index(name) for name in ("· 高新技术企业", "· 有效期内高新技术企业", "· 全社会研究")]
    assert worst == sorted(worst)
    assert "> 秀山土家族苗族自治县：亩均税收（2024，逾期 92 天）" in message.text


def test_a_digest_without_extra_still_renders_and_says_there_is_nothing(renderer):
    message = renderer.render(notification("digest", [], region=None), "email")

    assert "共 0 项" in message.text and "暂无评估结果" in message.text


def test_log_messages_are_the_plain_text_of_the_email(renderer):
    log, email = (renderer.render(chengkou_firing(), channel) for channel in ("log", "email"))

    assert (log.title, log.text) == (email.title, email.text)
    assert "<font" not in log.text and "**" not in log.text


def test_every_dingtalk_message_contains_the_word_a_keyword_protected_robot_needs(renderer):
    for kind in KINDS:
        assert "序时进度" in renderer.render(realistic(kind), "dingtalk").text


def test_a_user_template_replaces_one_file_and_the_others_come_from_the_bundle(tmp_path):
    write(tmp_path, "wecom/firing.md.j2", "自定义：{{ count.total }} 项，最严重 {{ items[0].a.indicator_name }}")
    renderer = Renderer(tmp_path)

    assert renderer.render(chengkou_firing(), "wecom").text == "自定义：2 项，最严重 高新技术企业"
    assert renderer.render(chengkou_firing(), "dingtalk").text.startswith("#### 【预警】城口县")
    assert renderer.render(notification("reminder", [firing(high_tech())]), "wecom").text.startswith("## 【持续预警】")


def test_a_user_can_replace_a_shared_partial_for_every_channel(tmp_path):
    write(tmp_path, "common/_headline.j2",
          '{% macro headline(f) %}【进度提醒】{{ count.total }} 项{% endmacro %}'
          '{% macro count_line() %}{% endmacro %}{% macro footer() %}{% endmacro %}')
    renderer = Renderer(tmp_path)

    assert {renderer.render(chengkou_firing(), c).title for c in CHANNEL_KINDS} == {"【进度提醒】2 项"}


def test_an_undefined_variable_in_a_user_template_is_an_error_naming_the_template_and_line(tmp_path):
    path = write(tmp_path, "email/firing.txt.j2", "第一行\n{{ count.total }} 项\n{{ regoin }}\n")

    with pytest.raises(ConfigError) as error:
        Renderer(tmp_path).render(chengkou_firing(), "email")
    assert "email/firing.txt.j2" in str(error.value) and str(path) in str(error.value)
    assert "line 3" in str(error.value) and "'regoin' is undefined" in str(error.value)


def test_a_syntax_error_in_a_user_template_is_found_at_start_up(tmp_path):
    write(tmp_path, "dingtalk/resolved.md.j2", "{% for i in resolved %}\n{{ i.a.indicator_name }\n")

    with pytest.raises(ConfigError, match=r"dingtalk/resolved\.md\.j2 .*line 2"):
        Renderer(tmp_path).validate_templates()


def test_an_error_inside_a_bundled_macro_also_names_the_user_template_that_called_it(tmp_path):
    write(tmp_path, "feishu/firing.txt.j2",
          '{% import "common/_lines.j2" as l %}\n{{ l.name(items[0].a, "wechat") }}\n')

    with pytest.raises(ConfigError) as error:
        Renderer(tmp_path).validate_templates()
    assert "common/_lines.j2" in str(error.value)
    assert "called from feishu/firing.txt.j2" in str(error.value) and "line 2" in str(error.value)
    assert "unknown markdown flavour 'wechat'" in str(error.value)


def test_validate_templates_renders_every_template_every_channel_uses(renderer):
    checked = renderer.validate_templates()

    expected = {name for channel in CHANNEL_KINDS for kind in KINDS
                for name in template_names(channel, kind).values()}
    assert set(checked) == expected
    assert len(checked) == 30


def test_a_user_file_no_message_uses_is_logged_as_a_likely_misspelling(tmp_path, caplog):
    write(tmp_path, "wecom/fireing.md.j2", "typo")

    Renderer(tmp_path).validate_templates()
    assert "wecom/fireing.md.j2" in caplog.text


def test_a_user_folder_that_does_not_exist_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        Renderer(tmp_path / "nowhere")


def test_the_bundled_templates_are_found_in_a_source_checkout():
    assert Renderer().bundled_dir == Path(__file__).resolve().parents[1] / "templates"


def test_without_bundled_templates_a_complete_user_folder_is_enough(tmp_path, monkeypatch):
    import shutil

    import monitor.messages.render as render

    bundled = Renderer().bundled_dir
    shutil.copytree(bundled, tmp_path / "mine")
    monkeypatch.setattr(render, "bundled_candidates", lambda: (tmp_path / "nowhere",))

    renderer = Renderer(tmp_path / "mine")
    assert renderer.bundled_dir is None and len(renderer.validate_templates()) == 30
    with pytest.raises(ConfigError, match="bundled message templates were not found .*nowhere"):
        Renderer()


def test_an_unknown_channel_kind_is_a_configuration_error(renderer):
    with pytest.raises(ConfigError, match="unknown channel kind 'sms'"):
        renderer.render(chengkou_firing(), "sms")


def test_an_empty_title_from_a_user_template_is_an_error(tmp_path):
    write(tmp_path, "feishu/title.j2", "{# nothing #}\n")

    with pytest.raises(ConfigError, match="feishu/title.j2 rendered an empty title"):
        Renderer(tmp_path).render(chengkou_firing(), "feishu")


def test_the_email_table_shows_each_alerts_baseline_and_target_and_says_behind_or_ahead(renderer):
    html = renderer.render(chengkou_firing(), "email").html

    for header in (">基期值</th>", ">目标</th>", ">落后/领先</th>", ">序时完成率</th>", ">今后还需</th>"):
        assert header in html, header
    assert ">序时进度</th>" not in html and ">差距</th>" not in html
    assert ">2家</td>" in html and ">5家（2025）</td>" in html  # 高新技术企业: baseline 2, target 5 in 2025
    assert ">0.1亿元</td>" in html and ">0.3亿元（2025）</td>" in html
    assert ">落后3.4家</td>" in html and ">年均增长50.0%</td>" in html
