"""Names in the title field of a message (a file name in an inbox notice, a region name in a headline) cannot
mention people, add links, break the line or change the format, on any channel (issue 12, item 14)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from monitor.messages.filters import TITLE_FLAVOURS, title_escape
from monitor.messages.render import CHANNEL_KINDS, Renderer
from tests.message_factory import firing, high_tech, notification

HOSTILE_FILES = [
    "城口县2024年报\n@all 请立即处理.xlsx",
    "<@zhangsan> **加急** [点此](http://e.vil/x).csv",
    '<at user_id="all"></at>#标题|表格`代码`.xlsx',
    "报表\r\nBcc: victim@example.com.csv",
]
# what would act in a robot's title or text: mentions, links, markdown, line breaks
LIVE = ["@", "<@", "<at", "**", "[点此]", "](", "http://", "`", "|", "#", "\n", "\r"]
ROBOTS = ("wecom", "dingtalk", "feishu")


@pytest.mark.parametrize("name", HOSTILE_FILES)
@pytest.mark.parametrize("channel", ROBOTS)
def test_a_hostile_file_name_is_inert_in_a_robots_title(channel, name):
    title = "【报送文件未导入】" + title_escape(name, channel)
    assert [token for token in LIVE if token in title] == []
    assert any(part in title for part in ("城口县2024年报", "加急", "标题", "报表"))  # still readable


@pytest.mark.parametrize("name", HOSTILE_FILES)
@pytest.mark.parametrize("channel", ["email", "webhook", "log"])
def test_a_hostile_file_name_is_one_line_of_plain_text_in_an_email_subject(channel, name):
    title = title_escape(name, channel)
    assert "\n" not in title and "\r" not in title  # no second header line in an email subject
    assert title == " ".join(name.split())  # nothing else changed: a subject is not markup


def test_every_channel_has_a_title_flavour_and_an_unknown_one_is_refused():
    assert set(TITLE_FLAVOURS) == set(CHANNEL_KINDS)
    with pytest.raises(ValueError, match="unknown channel kind 'slack'"):
        title_escape("x", "slack")


@pytest.mark.parametrize("channel", CHANNEL_KINDS)
def test_a_hostile_region_name_is_made_inert_in_each_channels_title(channel):
    evil = "城口县\n@all <@zhangsan> **[点此](http://e.vil)**"
    item = firing(high_tech())
    item = replace(item, alert=replace(item.alert, assessment={**item.alert.assessment, "region_name": evil}))
    title = Renderer().render(notification("firing", [item], region=evil), channel).title
    assert "\n" not in title and "城口县" in title
    if channel in ROBOTS:
        assert [token for token in LIVE if token in title] == [], title
    else:
        assert "@all" in title  # plain text keeps the name as it is, on one line
