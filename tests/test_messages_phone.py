"""Messages stay short on a phone: the 未报送 alerts of one message are named in one line, and a message split for
WeCom's 4,096-byte limit never cuts an alert in half, with the @mentions in the first part (loopback robot)."""

from __future__ import annotations

import pytest

from monitor.messages.render import CHANNEL_KINDS, Renderer
from tests.message_factory import firing, high_tech, not_reported, notification, rd_expenditure

pytest_plugins = ["tests.robots"]

LATE = {"due_period": "2024", "due_date": "2025-06-30"}
CONDENSED = "未报送（3项）：孵化平台数、建筑骨料、轻质预制件（2024 年数据，应于 2025-06-30 前报送）"  # worst first: by name


def unreported(name: str, indicator_id: str, **late):
    return firing(not_reported(indicator_id=indicator_id, indicator_name=name, **late))


def three_unreported(**late):
    return [unreported("孵化平台数", "incubation", **late), unreported("轻质预制件", "precast", **late),
            unreported("建筑骨料", "aggregate", **late)]


@pytest.mark.parametrize("kind", ["firing", "reminder"])
@pytest.mark.parametrize("channel", CHANNEL_KINDS)
def test_the_unreported_alerts_of_a_message_are_named_in_one_line(channel, kind):
    items = [firing(high_tech()), *three_unreported(**LATE)]
    message = Renderer().render(notification(kind, items), channel)
    for document in filter(None, (message.text, message.html)):
        assert CONDENSED in document, channel
        assert document.count("孵化平台数") == 1  # named once, not listed with its own lines
    assert "落后3.4家" in message.text  # the alert with figures is still listed in full
    assert "4 项" in message.title


def test_the_due_date_is_left_out_when_the_unreported_figures_are_due_on_different_days():
    items = three_unreported(**LATE)[:2] + [unreported("建筑骨料", "aggregate", due_period="2025Q1",
                                                      due_date="2025-04-30")]
    text = Renderer().render(notification("firing", items), "feishu").text
    assert "未报送（3项）：孵化平台数、建筑骨料、轻质预制件\n" in text and "应于" not in text


def test_a_single_unreported_alert_keeps_its_own_lines():
    message = Renderer().render(notification("firing", [firing(high_tech()), *three_unreported(**LATE)[:1]]),
                                "wecom")
    assert "未报送（1项）" not in message.text
    assert "2024 年数据逾期未报（应于 2025-06-30 前报送）" in message.text


def many_alerts(n: int):
    long_name = "规模以上工业企业研究与试验发展经费支出占营业收入比重（第{:02d}项）"
    return [firing(rd_expenditure(indicator_id=f"x{i}", indicator_name=long_name.format(i),
                                  note="基期值未知，以首个报送值为基期")) for i in range(n)]


def alert_blocks(text: str) -> list[str]:
    """The alerts of a WeCom firing message: each from its bold title to the blank line after it."""
    return [block for block in text.split("\n\n") if block.startswith("**")]


def test_a_wecom_split_never_cuts_an_alert_and_the_mentions_go_with_the_first_part(wecom_robot):
    message = Renderer().render(notification("firing", many_alerts(40) + three_unreported(**LATE)), "wecom")
    channel = wecom_robot.channel(mention_user_ids=["zhangsan"], mention_mobiles=["13800001111"])
    for payload in channel.parts(message):
        channel.send(payload, now=wecom_robot.clock.now())

    kinds = [p["msgtype"] for p in wecom_robot.accepted]
    parts = [p["markdown"]["content"] for p in wecom_robot.accepted if p["msgtype"] == "markdown"]
    assert len(parts) >= 3 and kinds[:2] == ["markdown", "text"] and kinds.count("text") == 1
    assert parts[0].startswith("（1/") and "## 【预警】城口县" in parts[0]  # the headline is in the first part
    assert parts[0].endswith("\n<@zhangsan>") and all("<@" not in part for part in parts[1:])
    assert wecom_robot.accepted[1]["text"]["mentioned_mobile_list"] == ["13800001111"]
    blocks = alert_blocks(message.text)
    assert len(blocks) == 40
    for block in blocks:
        assert sum(block in part for part in parts) == 1, block[:40]  # whole, in exactly one part
    assert sum(CONDENSED in part for part in parts) == 1
    assert all(len(part.encode("utf-8")) <= 4096 for part in parts)
