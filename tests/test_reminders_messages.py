"""The submission reminder as each channel shows it, and the start-up check of its templates."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from monitor.errors import ConfigError
from monitor.messages.render import CHANNEL_KINDS, Renderer, template_names
from monitor.reminders.message import period_text, sample_notification, submission_item
from monitor.reminders.ladder import Reminder

TITLE = "【报送提醒】城口县 4 项指标数据待报送（已逾期 2 项）"


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("channel", CHANNEL_KINDS)
def test_every_channel_shows_the_figures_by_period_with_due_date_and_days_late(renderer, channel):
    message = renderer.render(sample_notification(), channel)

    assert message.title == TITLE
    assert "共 4 项：已逾期 2 项，今天截止 1 项，即将截止 1 项" in message.text
    for words in ("2024 年", "截止日期 2025-06-30", "已逾期 15 天", "全社会研究与试验发展经费支出",
                  "2025 年第二季度", "今天截止", "2025 年 6 月", "还有 3 天截止", "孵化平台数【已抄报】"):
        assert words in message.text, words
    assert "序时进度" in message.text  # the keyword a DingTalk robot may require
    assert (message.html is not None) == (channel == "email")


def test_figures_of_one_period_and_due_date_share_a_line_in_plan_order(renderer):
    text = renderer.render(sample_notification(), "feishu").text

    assert "2024 年（截止日期 2025-06-30，已逾期 15 天）：全社会研究与试验发展经费支出、孵化平台数【已抄报】" in text
    assert text.index("2024 年（") < text.index("2025 年第二季度") < text.index("2025 年 6 月")


def test_the_email_lists_every_figure_in_a_table_with_its_reminder_count(renderer):
    html = renderer.render(sample_notification(), "email").html

    assert html.split("<tbody>")[1].count("<tr>") == 4 and ">截止日期</th>" in html
    assert "第 4 次【已抄报】" in html and "2025 年第二季度" in html


def test_a_webhook_gets_one_alert_per_figure_labelled_as_a_submission(renderer):
    body = renderer.render(sample_notification(), "webhook").body

    assert len(body["alerts"]) == 4 and body["kind"] == "submission"
    assert body["commonLabels"] == {"plan": "chengkou-14th-sti", "region": "城口县", "region_code": "500229",
                                    "kind": "submission", "severity": "warning", "rule": "submission"}
    late = next(a for a in body["alerts"] if a["labels"]["indicator"] == "incubation_platforms")
    assert late["assessment"]["due_date"] == "2025-06-30" and late["assessment"]["days_overdue"] == 15
    assert late["annotations"]["summary"] == "孵化平台数 2024 年数据应于 2025-06-30 前报送，已逾期 15 天"


def test_an_indicator_name_cannot_mention_people_or_add_links(renderer):
    notification = sample_notification()
    item = notification.items[0]
    hostile = replace(item, alert=replace(item.alert, assessment={
        **item.alert.assessment, "indicator_name": "研发<@all> **@13800000000** [x](http://e.vil)"}))
    notification = replace(notification, items=[hostile, *notification.items[1:]])

    for channel in ("wecom", "dingtalk", "feishu"):
        text = renderer.render(notification, channel).text
        assert "<@all>" not in text and "@138" not in text and "](http://" not in text, channel
    assert "&lt;@all&gt;" in renderer.render(notification, "email").html


def test_a_reminder_before_the_due_date_and_on_it_says_so():
    figure_item = sample_notification().items[3]
    assert figure_item.alert.summary == "科技型中小企业 2025 年 6 月数据应于 2025-07-18 前报送，还有 3 天"
    today = sample_notification().items[2]
    assert today.alert.summary == "开展科技项目 2025 年第二季度数据今天截止报送"


@pytest.mark.parametrize("label,words", [("2024", "2024 年"), ("2025Q3", "2025 年第三季度"),
                                         ("2025-11", "2025 年 11 月")])
def test_periods_are_written_in_words(label, words):
    assert period_text(label) == words


def test_the_submission_templates_have_their_own_names_on_every_channel():
    assert template_names("wecom", "submission") == {"title": "wecom/submission.title.j2",
                                                     "text": "wecom/submission.md.j2"}
    assert template_names("email", "submission")["html"] == "email/submission.html.j2"
    assert template_names("webhook", "submission")["description"] == "webhook/description.txt.j2"


def test_the_start_up_check_renders_the_submission_templates_too(renderer, tmp_path):
    assert len(renderer.validate_submission_templates()) == 10
    write(tmp_path, "feishu/submission.txt.j2", "{{ s.headline('feishu') }}\n")

    with pytest.raises(ConfigError, match="feishu/submission.txt.j2"):
        Renderer(tmp_path).validate_templates()


def test_a_users_own_submission_template_is_used_and_not_reported_as_misspelt(tmp_path, caplog):
    write(tmp_path, "wecom/submission.md.j2", "请报送 {{ count.total }} 项")
    renderer = Renderer(tmp_path)

    renderer.validate_templates()
    assert renderer.render(sample_notification(), "wecom").text == "请报送 4 项"
    assert "submission" not in caplog.text


def test_the_first_reminder_of_a_figure_is_marked_new():
    from monitor.reminders.expected import Figure

    figure = Figure("p", "500229", "城口县", "x", "指标", "个", 0, "2024", date(2025, 6, 30))
    first = submission_item(figure, Reminder("due", date(2025, 6, 30), 1, False), date(2025, 6, 30),
                            sample_notification().now)
    later = submission_item(figure, Reminder("grace", date(2025, 7, 7), 3, False), date(2025, 7, 7),
                            sample_notification().now)

    assert (first.new, later.new) == (True, False)
    assert first.alert.fingerprint == later.alert.fingerprint
