"""Log lines: plain text or one JSON object per line, extra fields kept, secrets never written."""

import io
import json
import logging

import pytest

from monitor.ops.logs import configure_logging, mask

WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secret123"
FEISHU = "https://open.feishu.cn/open-apis/bot/v2/hook/0a1b2c3d-feishu-token"
DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=dingtoken42&timestamp=1751335200000&sign=c2lnbmF0dXJl"


@pytest.fixture
def output():
    """Configure the root logger into a buffer; put the root logger back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    yield lambda fmt: (configure_logging(fmt, logging.INFO, stream=stream), stream)[1]
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def lines(stream):
    return [line for line in stream.getvalue().splitlines() if line]


def test_json_lines_parse_and_carry_the_extra_fields(output):
    stream = output("json")
    log = logging.getLogger("monitor.delivery.deliver")
    log.info("sent outbox row %s", 7, extra={"job_id": "deliver", "outbox_id": 7, "receiver": "城口县科技局"})
    log.warning("plain")
    first, second = (json.loads(line) for line in lines(stream))
    assert first["message"] == "sent outbox row 7" and first["level"] == "INFO"
    assert first["logger"] == "monitor.delivery.deliver"
    assert (first["job_id"], first["outbox_id"], first["receiver"]) == ("deliver", 7, "城口县科技局")
    assert first["time"].endswith("+00:00") and first["time"][10] == "T"
    assert set(second) == {"time", "level", "logger", "message"}


def test_a_webhook_key_never_reaches_the_json_log(output):
    stream = output("json")
    log = logging.getLogger("monitor.channels.http")
    log.info("posting to %s", WECOM)
    log.error("failed", extra={"url": WECOM})
    try:
        raise ConnectionError(f"cannot reach {WECOM}")
    except ConnectionError:
        log.exception("request failed")
    text = stream.getvalue()
    assert "secret123" not in text
    records = [json.loads(line) for line in lines(stream)]
    assert records[0]["message"] == "posting to https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***"
    assert records[1]["url"].endswith("key=***")
    assert "ConnectionError: cannot reach" in records[2]["exception"] and "key=***" in records[2]["exception"]


def test_text_lines_are_plain_and_masked_too(output):
    stream = output("text")
    logging.getLogger("monitor.jobs").warning("posting to %s", FEISHU, extra={"job_id": "assess"})
    (line,) = lines(stream)
    assert "WARNING monitor.jobs: posting to https://open.feishu.cn/open-apis/bot/v2/hook/*** job_id=assess" in line
    assert "0a1b2c3d" not in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


def test_configuring_again_replaces_the_handler_instead_of_doubling_lines(output):
    output("text")
    stream = output("json")
    logging.getLogger("monitor").info("once")
    assert len(lines(stream)) == 1 and json.loads(lines(stream)[0])["message"] == "once"


@pytest.mark.parametrize("text,secret", [
    (WECOM, "secret123"), (FEISHU, "0a1b2c3d-feishu-token"), (DINGTALK, "dingtoken42"), (DINGTALK, "c2lnbmF0dXJl"),
    ("postgresql+psycopg://monitor:pa55word@db:5432/monitor", "pa55word"),
    ("Authorization: Bearer eyJhbGciOi.abc", "eyJhbGciOi"), ("{'password': 'hunter2'}", "hunter2"),
    ('{"secret": "SECabc"}', "SECabc"),
])
def test_mask_hides_each_kind_of_secret(text, secret):
    assert secret not in mask(text) and "***" in mask(text)


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="text or json"):
        configure_logging("xml", logging.INFO)  # type: ignore[arg-type]
