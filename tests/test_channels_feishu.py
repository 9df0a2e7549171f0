"""The Feishu channel against a loopback bot that checks the signature in the body, the size and both rates."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.channels.base import DeliveryError, Message
from monitor.channels.feishu import FeishuChannel
from monitor.channels.http import encode_json, post_json
from tests.robots import FeishuRobot

pytest_plugins = ["tests.robots"]

ALERT = "{n:03d} 城口县 地区生产总值增速 落后序时进度 3.2 个百分点（实际 4.1%，应达 7.3%）\n"
BIG = Message("城口县 规划指标预警", "".join(ALERT.format(n=n) for n in range(400)))
SMALL = Message("城口县 规划指标预警", "城口县：地区生产总值增速落后序时进度\n")


def send(robot, channel, payload):
    return channel.send(payload, now=robot.clock.now())


def refusal(robot, channel, payload) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        send(robot, channel, payload)
    for secret in (robot.secret, robot.token):
        assert not secret or secret not in str(caught.value)
    return caught.value


def post_of(body: dict) -> dict:
    return body["content"]["post"]["zh_cn"]


def test_a_signed_post_is_accepted_with_timestamp_and_sign_in_the_body(feishu_robot):
    channel = feishu_robot.channel()
    [payload] = channel.parts(SMALL)
    receipt = send(feishu_robot, channel, payload)
    assert (receipt.errcode, receipt.errmsg) == (0, "success")
    [body] = feishu_robot.accepted
    assert body["timestamp"] == str(int(feishu_robot.clock.time()))
    assert post_of(body) == {"title": SMALL.title, "content": [[{"tag": "text", "text": SMALL.text}]]}
    assert "sign" not in payload  # the stored part is signed only when sent


def test_a_wrong_secret_is_permanent_19021(feishu_robot):
    channel = feishu_robot.channel(secret="wrongSecret0123456789")
    error = refusal(feishu_robot, channel, channel.parts(SMALL)[0])
    assert (error.kind, error.errcode) == ("permanent", 19021)
    assert "wrongSecret0123456789" not in str(error)


def test_a_timestamp_more_than_an_hour_off_is_permanent_19021(feishu_robot):
    channel = feishu_robot.channel()
    payload = channel.parts(SMALL)[0]
    with pytest.raises(DeliveryError) as caught:
        channel.send(payload, now=feishu_robot.clock.now() - timedelta(minutes=61))
    assert caught.value.errcode == 19021
    assert channel.send(payload, now=feishu_robot.clock.now() - timedelta(minutes=59)).errcode == 0


def test_an_unsigned_bot_takes_unsigned_messages():
    with FeishuRobot(secret=None) as robot:
        channel = robot.channel()
        assert send(robot, channel, channel.parts(SMALL)[0]).errcode == 0
        assert "sign" not in robot.accepted[0]


def test_bots_that_answer_with_status_code_are_understood():
    with FeishuRobot(secret=None, legacy=True) as robot:
        channel = robot.channel()
        assert send(robot, channel, channel.parts(SMALL)[0]).errcode == 0
        robot.fail_next(errcode=19024, errmsg="Key Words Not Found")
        assert refusal(robot, channel, channel.parts(SMALL)[0]).errcode == 19024


def test_mentions_are_at_elements_in_the_first_part_only(feishu_robot):
    channel = feishu_robot.channel(mention_user_ids=["ou_manager01"], at_all=True)
    payloads = channel.parts(BIG)
    for payload in payloads:
        send(feishu_robot, channel, payload)
        feishu_robot.clock.advance(1)
    first, *rest = [post_of(b)["content"] for b in feishu_robot.accepted]
    assert first[-1] == [{"tag": "at", "user_id": "ou_manager01"}, {"tag": "at", "user_id": "all"}]
    assert rest and all(len(paragraphs) == 1 for paragraphs in rest)


def test_a_long_message_becomes_numbered_posts_under_20_kb_signed(feishu_robot):
    channel = feishu_robot.channel(mention_user_ids=["ou_manager01"])
    payloads = channel.parts(BIG)
    for payload in payloads:
        send(feishu_robot, channel, payload)
        feishu_robot.clock.advance(1)
    n = len(payloads)
    assert n > 1 and len(feishu_robot.accepted) == n
    assert all(len(request.body) <= 20000 for request in feishu_robot.requests)
    assert [post_of(b)["title"] for b in feishu_robot.accepted] == [f"{BIG.title}（{i}/{n}）" for i in range(1, n + 1)]
    bodies = [post_of(b)["content"][0][0]["text"].split("\n", 1)[1] for b in feishu_robot.accepted]
    assert "".join(bodies) == BIG.text


def test_a_body_over_the_limit_is_too_large_before_and_after_sending(feishu_robot):
    channel = feishu_robot.channel()
    oversized = channel.parts(Message("t", "x" * 21000), max_bytes=10**9)  # the channel caps the budget anyway
    assert all(len(encode_json(p)) < 20000 for p in oversized)
    payload = {"msg_type": "post", "content": {"post": {"zh_cn": {"title": "t", "content": [[{"tag": "text",
                                                                                             "text": "x" * 20500}]]}}}}
    assert refusal(feishu_robot, channel, payload).kind == "too_large"
    assert feishu_robot.requests == []
    feishu_robot.secret = None
    assert post_json(feishu_robot.url, payload, timeout=2).json["code"] == 19036  # the bot itself refuses it


@pytest.mark.parametrize("errcode, errmsg, kind", [
    (19036, "The message exceeds the size limit", "too_large"),
    (9499, "Bad Request: request body size exceeds limit", "too_large"),
    (9499, "Bad Request", "permanent"),
    (19022, "ip not allowed", "permanent"),
    (19024, "Key Words Not Found", "permanent"),
    (11232, "frequency limited", "retry"),
    (19001, "param invalid", "permanent"),
])
def test_error_codes_map_to_what_to_do_next(feishu_robot, errcode, errmsg, kind):
    feishu_robot.fail_next(errcode=errcode, errmsg=errmsg)
    error = refusal(feishu_robot, feishu_robot.channel(), feishu_robot.channel().parts(SMALL)[0])
    assert (error.kind, error.errcode, error.errmsg) == (kind, errcode, errmsg)


def test_a_missing_keyword_is_permanent_19024():
    with FeishuRobot(secret=None, keyword="规划监测") as robot:
        channel = robot.channel()
        assert refusal(robot, channel, channel.parts(SMALL)[0]).errcode == 19024


def test_the_sixth_message_in_a_second_is_retry_11232(feishu_robot):
    channel = feishu_robot.channel()
    payload = channel.parts(SMALL)[0]
    for _ in range(5):
        send(feishu_robot, channel, payload)
    error = refusal(feishu_robot, channel, payload)
    assert (error.kind, error.errcode, error.retry_after) == ("retry", 11232, 60)
    feishu_robot.clock.advance(1)
    assert send(feishu_robot, channel, payload).errcode == 0


def test_the_101st_message_in_a_minute_is_retry_11232(feishu_robot):
    channel = feishu_robot.channel()
    payload = channel.parts(SMALL)[0]
    for _ in range(100):
        send(feishu_robot, channel, payload)
        feishu_robot.clock.advance(0.5)
    assert refusal(feishu_robot, channel, payload).errcode == 11232
    feishu_robot.clock.advance(10)
    assert send(feishu_robot, channel, payload).errcode == 0


def test_a_malformed_body_answered_with_http_400_and_9499_is_permanent(feishu_robot):
    channel = FeishuChannel(feishu_robot.url, timeout=2)
    answer = post_json(feishu_robot.url, b"not json", timeout=2)
    assert (answer.status, answer.json["code"]) == (400, 9499)
    feishu_robot.fail_next(status=400, errcode=9499, errmsg="Bad Request")
    error = refusal(feishu_robot, channel, channel.parts(SMALL)[0])
    assert (error.kind, error.http_status, error.errcode) == ("permanent", 400, 9499)


def test_an_http_400_with_a_size_complaint_is_too_large(feishu_robot):
    feishu_robot.fail_next(status=400, errcode=9499, errmsg="Bad Request: body size exceeds 20KB")
    error = refusal(feishu_robot, feishu_robot.channel(), feishu_robot.channel().parts(SMALL)[0])
    assert (error.kind, error.http_status) == ("too_large", 400)


def test_an_http_400_without_a_code_is_permanent(feishu_robot):
    feishu_robot.fail_next(status=400)
    assert refusal(feishu_robot, feishu_robot.channel(), feishu_robot.channel().parts(SMALL)[0]).kind == "permanent"


def test_an_unknown_token_is_permanent_and_not_shown(feishu_robot):
    other = "0" * 8 + "-1111-2222-3333-" + "4" * 12
    channel = FeishuChannel(feishu_robot.url.replace(feishu_robot.token, other), secret=feishu_robot.secret, timeout=2)
    with pytest.raises(DeliveryError) as caught:
        send(feishu_robot, channel, channel.parts(SMALL)[0])
    assert caught.value.kind == "permanent" and other not in str(caught.value)


def test_the_bots_own_404_answer_with_its_error_code_is_permanent_but_a_bare_404_is_retry(feishu_robot):
    channel = FeishuChannel(feishu_robot.url.replace("/bot/v2/hook/", "/bot/v9/hook/"), secret=feishu_robot.secret,
                            timeout=2)  # Feishu's own "resource not find": 404 with code 99991201 in its JSON body
    own = refusal(feishu_robot, channel, channel.parts(SMALL)[0])
    assert (own.kind, own.http_status, own.errcode) == ("permanent", 404, 99991201)
    feishu_robot.fail_next(status=404)  # a gateway's bare 404 in front of the bot: not proof that the bot is gone
    bare = refusal(feishu_robot, feishu_robot.channel(), feishu_robot.channel().parts(SMALL)[0])
    assert (bare.kind, bare.http_status, bare.errcode) == ("retry", 404, None)


@pytest.mark.parametrize("status", [500, 502, 429])
def test_server_errors_are_retry(feishu_robot, status):
    feishu_robot.fail_next(status=status)
    assert refusal(feishu_robot, feishu_robot.channel(), feishu_robot.channel().parts(SMALL)[0]).kind == "retry"


def test_a_silent_bot_times_out_to_retry(feishu_robot):
    feishu_robot.go_silent()
    channel = feishu_robot.channel(timeout=0.3)
    assert refusal(feishu_robot, channel, channel.parts(SMALL)[0]).kind == "retry"


def test_the_target_hides_the_token(feishu_robot):
    target = feishu_robot.channel().target()
    assert target.startswith("feishu:") and feishu_robot.token not in target
