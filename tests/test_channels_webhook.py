"""The plain webhook channel against a receiver that verifies X-Monitor-Signature, and the log channel."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest

from monitor.channels.base import DeliveryError, Message
from monitor.channels.log import LogChannel
from monitor.channels.signing import verify_webhook_signature
from monitor.channels.webhook import WebhookChannel
from tests.robots import ROBOT_NOW

pytest_plugins = ["tests.robots"]

BODY = {
    "version": "4",
    "status": "firing",
    "receiver": "城口县发改委",
    "groupLabels": {"region": "城口县"},
    "alerts": [{"status": "firing", "labels": {"indicator": "gdp_growth", "severity": "critical"}}],
}
MESSAGE = Message("城口县 规划指标预警", "地区生产总值增速落后序时进度\n", body=BODY)


def send(robot, channel, payload, **shift):
    return channel.send(payload, now=robot.clock.now() + timedelta(**shift))


def test_the_body_is_posted_as_it_is_and_signed(webhook_receiver):
    channel = webhook_receiver.channel()
    [payload] = channel.parts(MESSAGE)
    assert payload == BODY
    receipt = send(webhook_receiver, channel, payload)
    assert receipt.http_status == 200
    assert webhook_receiver.accepted == [BODY]
    request = webhook_receiver.requests[0]
    header = request.headers["X-Monitor-Signature"]
    assert header.startswith(f"t={int(webhook_receiver.clock.time())},v1=")
    assert verify_webhook_signature(webhook_receiver.secret, header, request.body, now_s=webhook_receiver.clock.time())
    assert json.loads(request.body) == BODY


def test_a_wrong_secret_is_refused_by_the_receiver_and_is_permanent(webhook_receiver):
    channel = webhook_receiver.channel(secret="not-the-secret")
    with pytest.raises(DeliveryError) as caught:
        send(webhook_receiver, channel, BODY)
    assert (caught.value.kind, caught.value.http_status) == ("permanent", 401)
    assert "not-the-secret" not in str(caught.value)
    assert webhook_receiver.accepted == []


def test_an_old_signature_is_refused(webhook_receiver):
    with pytest.raises(DeliveryError) as caught:
        send(webhook_receiver, webhook_receiver.channel(), BODY, minutes=-10)
    assert caught.value.http_status == 401


def test_without_a_secret_no_signature_header_is_sent(webhook_receiver):
    webhook_receiver.secret = None
    send(webhook_receiver, webhook_receiver.channel(secret=None), BODY)
    assert not any(k.lower() == "x-monitor-signature" for k in webhook_receiver.requests[0].headers)


def test_a_message_without_a_body_sends_title_and_text(webhook_receiver):
    channel = webhook_receiver.channel()
    assert channel.parts(Message("标题", "正文")) == [{"title": "标题", "text": "正文"}]


def test_a_huge_body_is_one_part_because_webhooks_have_no_size_limit(webhook_receiver):
    body = {"alerts": [{"labels": {"n": str(n)}} for n in range(5000)]}
    channel = webhook_receiver.channel()
    assert channel.parts(Message("t", "x", body=body), max_bytes=100) == [body]
    assert channel.max_bytes is None
    send(webhook_receiver, channel, body)
    assert webhook_receiver.accepted == [body]


@pytest.mark.parametrize("status", [500, 502, 503, 429, 408])
def test_server_errors_are_retry_and_honour_retry_after(webhook_receiver, status):
    webhook_receiver.fail_next(status=status, retry_after=45)
    with pytest.raises(DeliveryError) as caught:
        send(webhook_receiver, webhook_receiver.channel(), BODY)
    assert (caught.value.kind, caught.value.http_status, caught.value.retry_after) == ("retry", status, 45)


@pytest.mark.parametrize("status", [400, 404, 410, 422])
def test_other_client_errors_are_permanent(webhook_receiver, status):
    webhook_receiver.fail_next(status=status)
    with pytest.raises(DeliveryError) as caught:
        send(webhook_receiver, webhook_receiver.channel(), BODY)
    assert caught.value.kind == "permanent"


def test_timeouts_and_refused_connections_are_retry_without_the_url_secret(webhook_receiver):
    url = webhook_receiver.url + "?token=tok_9b8a7c6d5e4f3a2b"
    channel = WebhookChannel(url, secret=webhook_receiver.secret, timeout=0.3)
    webhook_receiver.go_silent()
    with pytest.raises(DeliveryError) as silent:
        send(webhook_receiver, channel, BODY)
    webhook_receiver.speak_again()
    webhook_receiver.down()
    with pytest.raises(DeliveryError) as down:
        send(webhook_receiver, channel, BODY)
    for error in (silent.value, down.value):
        assert error.kind == "retry"
        assert "tok_9b8a7c6d5e4f3a2b" not in str(error) and webhook_receiver.secret not in str(error)
    webhook_receiver.up()
    assert send(webhook_receiver, channel, BODY).http_status == 200


def test_the_log_channel_prints_a_readable_block_and_keeps_it():
    stream = io.StringIO()
    channel = LogChannel(stream)
    [payload] = channel.parts(MESSAGE)
    receipt = channel.send(payload, now=ROBOT_NOW)
    printed = stream.getvalue()
    assert "城口县 规划指标预警" in printed and "地区生产总值增速落后序时进度" in printed
    assert "2026-03-02T09:30:00+08:00" in printed
    assert channel.printed == [printed]
    assert receipt.errmsg == "printed"
    assert (channel.kind, channel.max_bytes, channel.rate_limits) == ("log", None, ())


def test_the_log_channel_writes_to_stdout_by_default(capsys):
    LogChannel().send({"title": "标题", "text": "正文"}, now=ROBOT_NOW)
    assert "标题" in capsys.readouterr().out
