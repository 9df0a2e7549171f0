"""Rendered messages through the outbox and the deliverer to loopback robots that behave like the real ones."""

from __future__ import annotations

from datetime import timedelta

from monitor.channels.base import Message
from monitor.delivery.deliver import deliver_due
from monitor.messages.render import Renderer
from monitor.storage import outbox_store
from tests.message_factory import firing, high_tech, notification, rd_expenditure

pytest_plugins = ["tests.robots"]


def two_hundred_alerts():
    rows = []
    for i in range(200):
        maker = high_tech if i % 3 == 0 else rd_expenditure
        rows.append(firing(maker(indicator_id=f"indicator_{i:03d}", indicator_name=f"第{i + 1}项指标（示例）"),
                           new=True))
    return notification("firing", rows)


def enqueue(engine, channel, message: Message, now, receiver="county") -> list[int]:
    with engine.begin() as conn:
        return outbox_store.enqueue(conn, receiver=receiver, channel=channel.kind, target=channel.target(),
                                    kind="firing", group_key=f"{receiver}:{{region=城口县}}", message=message,
                                    payloads=channel.parts(message), budget=channel.max_bytes, fingerprints=[],
                                    now=now)


def deliver(engine, robot, channel, receiver="county"):
    return deliver_due(engine, {receiver: channel}, robot.clock.now)


def test_two_hundred_alerts_for_one_county_reach_wecom_in_numbered_parts_within_its_limits(engine, wecom_robot):
    channel = wecom_robot.channel()
    message = Renderer().render(two_hundred_alerts(), "wecom")
    ids = enqueue(engine, channel, message, wecom_robot.clock.now())
    assert len(ids) > 1
    while True:
        report = deliver(engine, wecom_robot, channel)
        if not report.waiting:
            break
        wecom_robot.clock.advance(61)
    contents = [m["markdown"]["content"] for m in wecom_robot.accepted]
    assert len(contents) == len(ids)
    assert all(len(c.encode("utf-8")) <= 4096 for c in contents)
    assert contents[0].startswith(f"（1/{len(ids)}）")
    assert all(f"第{i + 1}项指标（示例）" in "".join(contents) for i in range(200))
    assert not [r for r in wecom_robot.requests if (r.reply or {}).get("errcode") == 45009]


def test_thirty_messages_to_one_robot_keep_to_twenty_a_minute_without_a_throttle_answer(engine, wecom_robot):
    channel = wecom_robot.channel()
    for i in range(30):
        enqueue(engine, channel, Message(title=f"消息{i}", text=f"第{i}条"), wecom_robot.clock.now())
    first = deliver(engine, wecom_robot, channel)
    assert (first.sent, first.waiting) == (20, 10)
    wecom_robot.clock.advance(30)
    assert deliver(engine, wecom_robot, channel).sent == 0
    wecom_robot.clock.advance(31)
    assert deliver(engine, wecom_robot, channel).sent == 10
    assert len(wecom_robot.accepted) == 30
    assert all((r.reply or {}).get("errcode") == 0 for r in wecom_robot.requests)


def test_a_robot_that_is_down_for_a_while_gets_every_message_once_it_is_back(engine, dingtalk_robot):
    channel = dingtalk_robot.channel(secret=dingtalk_robot.secret)
    for i in range(3):
        enqueue(engine, channel, Message(title=f"消息{i}", text=f"第{i}条"), dingtalk_robot.clock.now())
    dingtalk_robot.down()
    for _ in range(3):
        report = deliver(engine, dingtalk_robot, channel)
        assert report.sent == 0 and report.failed == 0
        dingtalk_robot.clock.advance(3600)
    dingtalk_robot.up()
    assert deliver(engine, dingtalk_robot, channel).sent == 3
    assert sorted(m["markdown"]["title"] for m in dingtalk_robot.accepted) == ["消息0", "消息1", "消息2"]
    dingtalk_robot.clock.advance(3600)
    assert deliver(engine, dingtalk_robot, channel).sent == 0


def test_a_throttled_dingtalk_robot_is_left_alone_for_ten_minutes(engine, dingtalk_robot):
    channel = dingtalk_robot.channel(secret=dingtalk_robot.secret)
    enqueue(engine, channel, Message(title="消息", text="正文"), dingtalk_robot.clock.now())
    dingtalk_robot.fail_next(1, errcode=130101, errmsg="send too fast, exceed 20 times per minute")
    assert deliver(engine, dingtalk_robot, channel).retried == 1
    requests = len(dingtalk_robot.requests)
    dingtalk_robot.clock.advance(599)
    assert deliver(engine, dingtalk_robot, channel).sent == 0
    assert len(dingtalk_robot.requests) == requests  # nothing was even tried
    dingtalk_robot.clock.advance(2)
    assert deliver(engine, dingtalk_robot, channel).sent == 1


def test_a_wrong_signing_secret_fails_for_good_with_the_robots_answer_and_no_secret_in_it(engine, dingtalk_robot):
    channel = dingtalk_robot.channel(secret="SEC-not-the-right-one")
    enqueue(engine, channel, Message(title="消息", text="正文"), dingtalk_robot.clock.now())
    report = deliver(engine, dingtalk_robot, channel)
    assert report.failed == 1
    with engine.connect() as conn:
        row = outbox_store.listing(conn)[0]
    assert row["status"] == "failed" and row["errcode"] == 310000
    assert "SEC-not-the-right-one" not in str(row) and "access_token" not in str(row)
    dingtalk_robot.clock.advance(timedelta(days=1).total_seconds())
    assert deliver(engine, dingtalk_robot, channel).failed == 0


def test_feishu_parts_due_on_the_hour_wait_until_the_minute_is_half_over(engine, feishu_robot):
    channel = feishu_robot.channel(secret=feishu_robot.secret)
    on_the_hour = feishu_robot.clock.now().replace(hour=10, minute=0, second=5, microsecond=0)
    feishu_robot.clock.set(on_the_hour)
    enqueue(engine, channel, Message(title="消息", text="正文"), on_the_hour)
    report = deliver(engine, feishu_robot, channel)
    assert report.sent == 0 and report.waiting == 1 and not feishu_robot.requests
    feishu_robot.clock.advance(25)
    assert deliver(engine, feishu_robot, channel).sent == 1
