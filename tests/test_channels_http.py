"""The one HTTP function: timeouts, refused connections and redaction of the secret-bearing URL."""

from __future__ import annotations

import logging
import socket

import pytest

from monitor.channels.base import DeliveryError
from monitor.channels.http import Answer, encode_json, post_json, redact_url, retry_after_seconds, status_error
from tests.robots import ROBOT_NOW

pytest_plugins = ["tests.robots"]

KEY = "0f6c1d2e-3a4b-4c5d-8e9f-a1b2c3d4e5f6"


def a_closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_refused_connection_is_retry_and_the_error_hides_the_key(caplog):
    url = f"http://127.0.0.1:{a_closed_port()}/cgi-bin/webhook/send?key={KEY}"
    with caplog.at_level(logging.DEBUG), pytest.raises(DeliveryError) as caught:
        post_json(url, {"msgtype": "text"}, timeout=2)
    assert caught.value.kind == "retry"
    assert KEY not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert "key=***" in str(caught.value)
    assert KEY not in caplog.text


def test_a_silent_server_times_out_as_retry_without_the_url(webhook_receiver, caplog):
    webhook_receiver.go_silent()
    url = webhook_receiver.url + f"?token={KEY}"
    with caplog.at_level(logging.DEBUG), pytest.raises(DeliveryError) as caught:
        post_json(url, {"a": 1}, timeout=0.3)
    assert caught.value.kind == "retry"
    assert "did not answer within 0.3 s" in str(caught.value)
    assert KEY not in str(caught.value) and KEY not in caplog.text


def test_a_url_that_cannot_be_used_is_permanent_and_not_shown():
    with pytest.raises(DeliveryError) as caught:
        post_json(f"http://[::1/cgi-bin/webhook/send?key={KEY}", {}, timeout=1)
    assert caught.value.kind == "permanent" and KEY not in str(caught.value)
    with pytest.raises(DeliveryError) as caught:
        post_json(f"ftp://127.0.0.1/send?key={KEY}", {}, timeout=1)
    assert caught.value.kind == "permanent" and KEY not in str(caught.value)


def test_the_answer_unpacks_as_status_json_and_text(webhook_receiver):
    webhook_receiver.secret = None
    status, data, text = post_json(webhook_receiver.url, {"城": "口"}, timeout=2)
    assert (status, data) == (200, {"status": "ok"})
    assert webhook_receiver.requests[0].body == '{"城":"口"}'.encode()
    assert text == '{"status": "ok"}'


def test_bytes_are_sent_as_they_are(webhook_receiver):
    webhook_receiver.secret = None
    post_json(webhook_receiver.url, b'{"raw": true}', timeout=2)
    assert webhook_receiver.requests[0].body == b'{"raw": true}'


@pytest.mark.parametrize(
    "url, shown",
    [
        (f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}",
         "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***"),
        ("https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1&sign=x%2B",
         "https://oapi.dingtalk.com/robot/send?access_token=***&timestamp=***&sign=***"),
        (f"https://open.feishu.cn/open-apis/bot/v2/hook/{KEY}", "https://open.feishu.cn/open-apis/bot/v2/hook/***"),
        ("http://user:pa55word@127.0.0.1:8080/hook", "http://127.0.0.1:8080/hook"),
    ],
)
def test_urls_are_redacted_to_host_and_path(url, shown):
    assert redact_url(url) == shown


def test_json_is_encoded_compactly_without_escaping_chinese():
    assert encode_json({"标题": "城口县", "n": 1}) == '{"标题":"城口县","n":1}'.encode()


# status_error judges the HTTP status alone (plain webhooks use it as it is). The robots read it through
# monitor.channels.answers.judge, which retries a 404 that lacks the robot's own error code (a gateway or proxy in
# front of the robot answered; see test_channels_wecom and test_channels_feishu).
@pytest.mark.parametrize("status, kind", [(500, "retry"), (503, "retry"), (429, "retry"), (408, "retry"),
                                          (400, "permanent"), (404, "permanent"), (301, "permanent")])
def test_http_statuses_map_to_retry_or_permanent(status, kind):
    error = status_error(Answer(status, None, "nope"), "receiver")
    assert error is not None and error.kind == kind and error.http_status == status


def test_a_2xx_status_is_no_error():
    assert status_error(Answer(204, None, ""), "receiver") is None


def test_retry_after_is_read_as_seconds_or_as_an_http_date():
    assert retry_after_seconds({"Retry-After": "120"}) == 120
    assert retry_after_seconds({"retry-after": "Mon, 02 Mar 2026 01:31:30 GMT"}, ROBOT_NOW) == 90
    assert retry_after_seconds({"Retry-After": "soon"}, ROBOT_NOW) is None
    assert retry_after_seconds({}) is None
