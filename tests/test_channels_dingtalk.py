"""The DingTalk channel against a loopback robot that checks signatures, the clock, body size and the rate."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.channels.base import DeliveryError, Message
from monitor.channels.dingtalk import DingTalkChannel
from monitor.channels.http import encode_json, post_json
from tests.robots import DingTalkRobot

pytest_plugins = ["tests.robots"]

ALERT = "- **{n:03d} 城口县** 地区生产总值增速 落后序时进度 3.2 个百分点（实际 4.1%，应达 7.3%）\n"
BIG = Message("城口县 规划指标预警", "### 城口县 规划指标预警\n" + "".join(ALERT.format(n=n) for n in range(400)))
SMALL = Message("城口县 规划指标预警", "### 城口县\n> 地区生产总值增速 **落后**\n")


def send(robot, channel, payload):
    return channel.send(payload, now=robot.clock.now())


def refusal(robot, channel, payload) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        send(robot, channel, payload)
    assert robot.secret is None or robot.secret not in str(caught.value)
    assert robot.token not in str(caught.value)
    return caught.value


def test_a_signed_message_is_accepted_with_title_and_text(dingtalk_robot):
    channel = dingtalk_robot.channel()
    [payload] = channel.parts(SMALL)
    assert send(dingtalk_robot, channel, payload).errcode == 0
    assert dingtalk_robot.accepted == [{"msgtype": "markdown", "markdown": {"title": SMALL.title, "text": SMALL.text}}]
    query = dingtalk_robot.requests[0].query
    assert query["timestamp"] == str(int(dingtalk_robot.clock.time() * 1000))


def test_the_signature_is_computed_from_now_not_from_the_clock(dingtalk_robot):
    channel = dingtalk_robot.channel()
    [payload] = channel.parts(SMALL)
    channel.send(payload, now=dingtalk_robot.clock.now() - timedelta(minutes=59))
    assert dingtalk_robot.requests[0].query["timestamp"] == str(int(dingtalk_robot.clock.time() - 59 * 60) * 1000)


def test_a_wrong_secret_is_permanent_310000(dingtalk_robot):
    channel = dingtalk_robot.channel(secret="SECwrong0123456789")
    error = refusal(dingtalk_robot, channel, channel.parts(SMALL)[0])
    assert (error.kind, error.errcode) == ("permanent", 310000)
    assert "SECwrong0123456789" not in str(error)


def test_a_missing_secret_is_permanent_when_the_robot_requires_signing(dingtalk_robot):
    channel = dingtalk_robot.channel(secret=None)
    assert refusal(dingtalk_robot, channel, channel.parts(SMALL)[0]).errcode == 310000


@pytest.mark.parametrize("skew_minutes, accepted", [(-61, False), (-59, True), (59, True), (61, False)])
def test_the_timestamp_must_be_within_an_hour_of_the_robots_clock(dingtalk_robot, skew_minutes, accepted):
    channel = dingtalk_robot.channel()
    now = dingtalk_robot.clock.now() + timedelta(minutes=skew_minutes)
    payload = channel.parts(SMALL)[0]
    if accepted:
        assert channel.send(payload, now=now).errcode == 0
    else:
        with pytest.raises(DeliveryError) as caught:
            channel.send(payload, now=now)
        assert (caught.value.kind, caught.value.errcode) == ("permanent", 310000)


def test_an_unsigned_robot_takes_unsigned_messages():
    with DingTalkRobot(secret=None) as robot:
        channel = robot.channel()
        assert send(robot, channel, channel.parts(SMALL)[0]).errcode == 0
        assert "sign" not in robot.requests[0].query


def test_mentions_are_in_the_at_field_and_written_in_the_text_of_the_first_part(dingtalk_robot):
    channel = dingtalk_robot.channel(mention_mobiles=["13800001111"], mention_user_ids=["manager01"], at_all=True)
    for payload in channel.parts(BIG):
        send(dingtalk_robot, channel, payload)
    first, *rest = dingtalk_robot.accepted
    assert first["at"] == {"atMobiles": ["13800001111"], "atUserIds": ["manager01"], "isAtAll": True}
    assert first["markdown"]["text"].endswith("@13800001111 @manager01 @所有人")
    assert rest and all("at" not in p and "@138" not in p["markdown"]["text"] for p in rest)


def test_a_long_message_becomes_numbered_parts_each_body_under_20000_bytes(dingtalk_robot):
    channel = dingtalk_robot.channel(mention_mobiles=["13800001111"])
    payloads = channel.parts(BIG)
    for payload in payloads:
        send(dingtalk_robot, channel, payload)
    n = len(payloads)
    assert n > 1 and len(dingtalk_robot.accepted) == n
    assert all(len(request.body) < 20000 for request in dingtalk_robot.requests)
    assert [p["markdown"]["title"] for p in dingtalk_robot.accepted] == [f"{BIG.title}（{i}/{n}）" for i in
                                                                          range(1, n + 1)]
    texts = [p["markdown"]["text"] for p in dingtalk_robot.accepted]
    assert [t.split("\n", 1)[0] for t in texts] == [f"（{i}/{n}）" for i in range(1, n + 1)]


def test_quotes_and_backslashes_are_counted_as_json_escapes():
    channel = DingTalkChannel("https://oapi.dingtalk.com/robot/send?access_token=t")
    message = Message("t", '"\\"\n' * 6000)  # 4 characters a line, 6 bytes a line once escaped
    assert all(len(encode_json(p)) <= 19999 for p in channel.parts(message))


def test_a_body_of_20000_bytes_or_more_is_too_large(dingtalk_robot):
    channel = dingtalk_robot.channel()
    payload = {"msgtype": "markdown", "markdown": {"title": "t", "text": "x" * 19990}}
    assert refusal(dingtalk_robot, channel, payload).kind == "too_large"
    assert dingtalk_robot.requests == []  # refused before sending
    dingtalk_robot.fail_next(errcode=460101, errmsg="body 大小不合法")
    assert refusal(dingtalk_robot, channel, channel.parts(SMALL)[0]).kind == "too_large"


def test_the_robot_takes_19999_bytes_and_refuses_20000_with_460101():
    with DingTalkRobot(secret=None) as robot:
        empty = len(encode_json({"msgtype": "markdown", "markdown": {"title": "t", "text": ""}}))
        for size, errcode in [(19999, 0), (20000, 460101)]:
            payload = {"msgtype": "markdown", "markdown": {"title": "t", "text": "x" * (size - empty)}}
            assert len(encode_json(payload)) == size
            assert post_json(robot.url, payload, timeout=2).json["errcode"] == errcode


def test_sending_too_fast_is_retry_after_ten_minutes_and_the_robot_stays_throttled(dingtalk_robot):
    channel = dingtalk_robot.channel()
    payload = channel.parts(SMALL)[0]
    for _ in range(20):
        send(dingtalk_robot, channel, payload)
    error = refusal(dingtalk_robot, channel, payload)
    assert (error.kind, error.errcode, error.retry_after) == ("retry", 130101, 600)
    dingtalk_robot.clock.advance(120)  # the minute is over, the throttle is not
    assert refusal(dingtalk_robot, channel, payload).errcode == 130101
    dingtalk_robot.clock.advance(600)
    assert send(dingtalk_robot, channel, payload).errcode == 0


def test_a_markdown_part_without_title_is_permanent_400402(dingtalk_robot):
    channel = dingtalk_robot.channel()
    error = refusal(dingtalk_robot, channel, {"msgtype": "markdown", "markdown": {"title": "", "text": "x"}})
    assert (error.kind, error.errcode) == ("permanent", 400402)


def test_a_part_without_msgtype_is_permanent_300001(dingtalk_robot):
    error = refusal(dingtalk_robot, dingtalk_robot.channel(), {"markdown": {"title": "t", "text": "x"}})
    assert (error.kind, error.errcode) == ("permanent", 300001)


def test_a_missing_keyword_is_permanent():
    with DingTalkRobot(secret=None, keyword="规划监测") as robot:
        channel = robot.channel()
        assert refusal(robot, channel, channel.parts(SMALL)[0]).errcode == 310000
        assert send(robot, channel, channel.parts(Message("规划监测", "规划监测：城口县\n"))[0]).errcode == 0


def test_an_unknown_token_is_permanent(dingtalk_robot):
    channel = DingTalkChannel(dingtalk_robot.url.replace(dingtalk_robot.token, "z" * 64), secret=dingtalk_robot.secret,
                              timeout=2)
    with pytest.raises(DeliveryError) as caught:
        send(dingtalk_robot, channel, channel.parts(SMALL)[0])
    assert (caught.value.kind, caught.value.errcode) == ("permanent", 300005)
    assert "z" * 64 not in str(caught.value)


@pytest.mark.parametrize("status", [500, 503, 429])
def test_server_errors_are_retry(dingtalk_robot, status):
    dingtalk_robot.fail_next(status=status, retry_after=30)
    error = refusal(dingtalk_robot, dingtalk_robot.channel(), dingtalk_robot.channel().parts(SMALL)[0])
    assert (error.kind, error.http_status, error.retry_after) == ("retry", status, 30)


def test_a_silent_robot_times_out_to_retry(dingtalk_robot):
    dingtalk_robot.go_silent()
    channel = dingtalk_robot.channel(timeout=0.3)
    assert refusal(dingtalk_robot, channel, channel.parts(SMALL)[0]).kind == "retry"


def test_the_target_does_not_change_with_the_secret_and_hides_the_token(dingtalk_robot):
    assert dingtalk_robot.channel().target() == dingtalk_robot.channel(secret="other").target()
    assert dingtalk_robot.token not in dingtalk_robot.channel().target()
