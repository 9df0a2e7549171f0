"""The WeCom channel against a loopback robot that checks keys, byte limits and the rate limit."""

from __future__ import annotations

import pytest

from monitor.channels.base import DeliveryError, Message
from monitor.channels.wecom import ERRCODES, WeComChannel

pytest_plugins = ["tests.robots"]

ALERT = "- **{n:03d} 城口县** 地区生产总值增速 落后序时进度 3.2 个百分点（实际 4.1%，应达 7.3%）\n"
BIG = Message("城口县 规划指标预警（200 项）", "## 城口县 规划指标预警\n" + "".join(ALERT.format(n=n) for n in range(200)))
SMALL = Message("城口县 规划指标预警", "## 城口县\n> 地区生产总值增速 <font color=\"warning\">落后</font>\n")


def send_all(channel, payloads, robot):
    return [channel.send(p, now=robot.clock.now()) for p in payloads]


def test_a_short_message_is_one_markdown_part_the_robot_accepts(wecom_robot):
    channel = wecom_robot.channel()
    receipts = send_all(channel, channel.parts(SMALL), wecom_robot)
    assert [r.errcode for r in receipts] == [0]
    assert wecom_robot.accepted == [{"msgtype": "markdown", "markdown": {"content": SMALL.text}}]


def test_a_200_alert_message_becomes_numbered_parts_each_within_4096_bytes(wecom_robot):
    channel = wecom_robot.channel()
    payloads = channel.parts(BIG)
    send_all(channel, payloads, wecom_robot)
    contents = [p["markdown"]["content"] for p in wecom_robot.accepted]
    n = len(contents)
    assert n > 1 and len(payloads) == n
    assert all(len(c.encode("utf-8")) <= 4096 for c in contents)
    assert [c.split("\n", 1)[0] for c in contents] == [f"（{i}/{n}）" for i in range(1, n + 1)]
    assert "".join(c.split("\n", 1)[1] for c in contents) == BIG.text  # nothing lost, nothing cut mid-character


def test_user_ids_are_mentioned_inside_the_first_part_only(wecom_robot):
    channel = wecom_robot.channel(mention_user_ids=["zhangsan", "lisi"])
    send_all(channel, channel.parts(BIG), wecom_robot)
    contents = [p["markdown"]["content"] for p in wecom_robot.accepted]
    assert contents[0].endswith("\n<@zhangsan> <@lisi>")
    assert all("<@" not in c for c in contents[1:])
    assert len(contents[0].encode()) <= 4096


def test_a_text_that_exactly_fills_a_part_still_leaves_room_for_the_mentions(wecom_robot):
    text = "一" * 1365 + "a"  # 4,096 bytes
    channel = wecom_robot.channel(mention_user_ids=["zhangsan"])
    send_all(channel, channel.parts(Message("t", text)), wecom_robot)
    contents = [p["markdown"]["content"] for p in wecom_robot.accepted]
    assert len(contents) == 2 and all(len(c.encode()) <= 4096 for c in contents)
    assert contents[0].endswith("<@zhangsan>")


def test_mobiles_and_everyone_are_mentioned_by_a_text_message_after_the_first_part(wecom_robot):
    channel = wecom_robot.channel(mention_mobiles=["13800001111"], at_all=True)
    payloads = channel.parts(BIG)
    send_all(channel, payloads, wecom_robot)
    kinds = [p["msgtype"] for p in wecom_robot.accepted]
    assert kinds[:2] == ["markdown", "text"] and kinds.count("text") == 1
    ping = wecom_robot.accepted[1]["text"]
    assert ping["mentioned_mobile_list"] == ["13800001111"]
    assert ping["mentioned_list"] == ["@all"]
    assert BIG.title in ping["content"]


def test_a_message_without_mentions_sends_no_text_message(wecom_robot):
    payloads = wecom_robot.channel(mention_user_ids=["zhangsan"]).parts(BIG)
    assert {p["msgtype"] for p in payloads} == {"markdown"}


def test_a_smaller_budget_gives_more_smaller_parts():
    channel = WeComChannel("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")
    small = channel.parts(BIG, max_bytes=1000)
    assert len(small) > len(channel.parts(BIG))
    assert all(len(p["markdown"]["content"].encode()) <= 1000 for p in small)


def test_a_wrong_key_is_permanent_and_the_error_does_not_show_the_key(wecom_robot):
    channel = WeComChannel(wecom_robot.url_for("wrong-key-0123456789abcdef"), timeout=2)
    with pytest.raises(DeliveryError) as caught:
        channel.send(channel.parts(SMALL)[0], now=wecom_robot.clock.now())
    assert (caught.value.kind, caught.value.errcode) == ("permanent", 93000)
    assert "wrong-key-0123456789abcdef" not in str(caught.value)
    assert wecom_robot.accepted == []


def test_content_over_4096_bytes_is_refused_as_too_large_before_sending(wecom_robot):
    channel = wecom_robot.channel()
    with pytest.raises(DeliveryError) as caught:
        channel.send({"msgtype": "markdown", "markdown": {"content": "一" * 1366}}, now=wecom_robot.clock.now())
    assert caught.value.kind == "too_large"
    assert wecom_robot.requests == []


def test_the_robots_40058_answer_is_too_large(wecom_robot):
    wecom_robot.fail_next(errcode=40058, errmsg="markdown.content exceed max length 4096")
    with pytest.raises(DeliveryError) as caught:
        wecom_robot.channel().send(wecom_robot.channel().parts(SMALL)[0], now=wecom_robot.clock.now())
    assert (caught.value.kind, caught.value.errcode) == ("too_large", 40058)


def test_the_21st_message_in_a_minute_is_retried_after_60_seconds_and_then_goes_through(wecom_robot):
    channel = wecom_robot.channel()
    payload = channel.parts(SMALL)[0]
    send_all(channel, [payload] * 20, wecom_robot)
    with pytest.raises(DeliveryError) as caught:
        channel.send(payload, now=wecom_robot.clock.now())
    assert (caught.value.kind, caught.value.errcode, caught.value.retry_after) == ("retry", 45009, 60)
    wecom_robot.clock.advance(60)
    assert channel.send(payload, now=wecom_robot.clock.now()).errcode == 0
    assert len(wecom_robot.accepted) == 21


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_server_errors_and_429_are_retry(wecom_robot, status):
    wecom_robot.fail_next(status=status)
    channel = wecom_robot.channel()
    with pytest.raises(DeliveryError) as caught:
        channel.send(channel.parts(SMALL)[0], now=wecom_robot.clock.now())
    assert (caught.value.kind, caught.value.http_status) == ("retry", status)
    assert channel.send(channel.parts(SMALL)[0], now=wecom_robot.clock.now()).errcode == 0


@pytest.mark.parametrize("status", [404, 502, 503, 504])
def test_a_gateway_answer_without_the_robots_error_code_is_retry_not_proof_that_the_robot_is_gone(wecom_robot, status):
    wecom_robot.fail_next(status=status)  # a bare body, as a proxy or load balancer in front of the robot answers
    channel = wecom_robot.channel()
    with pytest.raises(DeliveryError) as caught:
        channel.send(channel.parts(SMALL)[0], now=wecom_robot.clock.now())
    assert (caught.value.kind, caught.value.http_status) == ("retry", status)


def test_a_404_carrying_the_robots_own_invalid_key_code_stays_permanent(wecom_robot):
    wecom_robot.fail_next(status=404, errcode=93000, errmsg="invalid webhook url")
    channel = wecom_robot.channel()
    with pytest.raises(DeliveryError) as caught:
        channel.send(channel.parts(SMALL)[0], now=wecom_robot.clock.now())
    assert (caught.value.kind, caught.value.errcode) == ("permanent", 93000)


def test_other_client_errors_are_permanent(wecom_robot):
    wecom_robot.fail_next(status=403)
    with pytest.raises(DeliveryError) as caught:
        wecom_robot.channel().send(wecom_robot.channel().parts(SMALL)[0], now=wecom_robot.clock.now())
    assert caught.value.kind == "permanent"


def test_a_silent_robot_is_a_timeout_to_retry(wecom_robot):
    wecom_robot.go_silent()
    channel = wecom_robot.channel(timeout=0.3)
    with pytest.raises(DeliveryError) as caught:
        channel.send(channel.parts(SMALL)[0], now=wecom_robot.clock.now())
    assert caught.value.kind == "retry"
    assert wecom_robot.key not in str(caught.value)


def test_a_robot_that_is_down_is_retry_and_works_again_when_it_is_back(wecom_robot):
    channel = wecom_robot.channel()
    wecom_robot.down()
    with pytest.raises(DeliveryError) as caught:
        channel.send(channel.parts(SMALL)[0], now=wecom_robot.clock.now())
    assert caught.value.kind == "retry" and wecom_robot.key not in str(caught.value)
    wecom_robot.up()
    assert channel.send(channel.parts(SMALL)[0], now=wecom_robot.clock.now()).errcode == 0


@pytest.mark.parametrize("errcode, kind", [(45009, "retry"), (40058, "too_large"), (93000, "permanent"),
                                           (-1, "retry"), (40008, "permanent"), (12345, "permanent")])
def test_error_codes_map_to_what_to_do_next(wecom_robot, errcode, kind):
    wecom_robot.fail_next(errcode=errcode, errmsg="some reason")
    with pytest.raises(DeliveryError) as caught:
        wecom_robot.channel().send(wecom_robot.channel().parts(SMALL)[0], now=wecom_robot.clock.now())
    assert (caught.value.kind, caught.value.errcode, caught.value.errmsg) == (kind, errcode, "some reason")
    if errcode in ERRCODES:
        assert caught.value.retry_after == ERRCODES[errcode].retry_after


def test_a_200_answer_without_an_errcode_is_not_taken_as_delivered(wecom_robot):
    wecom_robot.fail_next(status=200)  # body "injected failure", not JSON
    with pytest.raises(DeliveryError) as caught:
        wecom_robot.channel().send(wecom_robot.channel().parts(SMALL)[0], now=wecom_robot.clock.now())
    assert caught.value.kind == "retry"


def test_the_target_is_stable_and_reveals_no_key(wecom_robot):
    first, second = wecom_robot.channel(), wecom_robot.channel(mention_user_ids=["x"])
    assert first.target() == second.target()
    assert first.target().startswith("wecom:") and len(first.target()) == len("wecom:") + 12
    assert wecom_robot.key not in first.target() + repr(first)
    assert first.target() != WeComChannel(wecom_robot.url_for("other")).target()


def test_a_url_that_is_not_http_is_refused_without_showing_it():
    with pytest.raises(ValueError) as caught:
        WeComChannel("qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secretkey")
    assert "secretkey" not in str(caught.value)
