"""`monitor check --notify`, `rules`, `silence`, `outbox` and `receivers` end to end, with the log channel."""

import email
import json
from datetime import datetime, timezone

import pytest

from tests.cli_runner import loaded_monitor
from tests.conftest import ROOT

AS_OF = "2025-07-01"
pytest_plugins = ["tests.robots"]


@pytest.fixture
def monitor(capsys, monkeypatch, database_url, tmp_path):
    return loaded_monitor(capsys, monkeypatch, database_url, tmp_path)


def messages_in(out: str) -> list[str]:
    """The titles of the blocks the log channel printed."""
    blocks = out.split("─" * 40)
    return [b.strip().splitlines()[0] for b in blocks if b.strip() and b.strip().startswith("【")]


def test_notify_sends_one_message_per_county_and_then_stays_quiet(monitor):
    first = monitor("check", "--as-of", AS_OF, "--notify", "--fail-on", "never", "--format", "json")
    assert first.code == 0, first.err
    titles = messages_in(first.out.split("\n]\n", 1)[1])
    assert len(titles) == 2
    assert any("城口县" in t for t in titles) and any("秀山" in t for t in titles)
    assert "已发送 2 段" in first.err
    again = monitor("check", "--as-of", AS_OF, "--notify", "--fail-on", "never", "--format", "csv")
    assert messages_in(again.out) == []
    assert "消息 0 条" in again.err


def test_a_figure_that_catches_up_sends_exactly_one_resolved_message(monitor, tmp_path):
    monitor("check", "--as-of", AS_OF, "--notify", "--fail-on", "never", "--format", "csv")
    fixed = tmp_path / "更正.csv"
    # 城口县 high-tech enterprises: 1 in 2024 made it regress; the corrected figure is on the path
    fixed.write_text("地区,指标,期间,数值\n城口县,国家高新技术企业数,2024,9\n", encoding="utf-8")
    assert monitor("actuals", "import", str(fixed)).code == 0
    after = monitor("check", "--as-of", AS_OF, "--notify", "--fail-on", "never", "--format", "csv")
    titles = messages_in(after.out)
    assert [t for t in titles if "已恢复" in t] and all("城口县" in t for t in titles), titles
    assert "实际值 9家" in after.out  # the resolved note shows the assessment that cleared it
    quiet = monitor("check", "--as-of", AS_OF, "--notify", "--fail-on", "never", "--format", "csv")
    assert messages_in(quiet.out) == []


def test_a_silenced_county_gets_nothing_while_its_alerts_are_still_recorded(monitor):
    added = monitor("silence", "add", "region=城口县", "--duration", "30d", "--author", "张三", "--comment", "数据核实中")
    assert added.code == 0, added.err
    result = monitor("check", "--as-of", AS_OF, "--notify", "--fail-on", "never", "--format", "csv")
    titles = messages_in(result.out)
    assert len(titles) == 1 and "秀山" in titles[0]
    listed = monitor("silence", "list")
    assert "数据核实中" in listed.out and "张三" in listed.out
    assert monitor("silence", "expire", "1").code == 0
    later = monitor("check", "--as-of", AS_OF, "--notify", "--fail-on", "never", "--format", "csv")
    assert [t for t in messages_in(later.out) if "城口县" in t]


def test_rules_test_prints_the_messages_and_sends_nothing(monitor):
    result = monitor("rules", "test", "--as-of", AS_OF)
    assert result.code == 0, result.err
    assert "=== log" in result.out and "城口县" in result.out
    outbox = monitor("outbox", "list")
    assert "outbox is empty" in outbox.out


def test_rules_test_for_an_unknown_rule_is_a_usage_error(monitor):
    result = monitor("rules", "test", "--rule", "no-such-rule")
    assert result.code == 3 and "no-such-rule" in result.err


def test_the_outbox_lists_what_was_sent(monitor):
    monitor("check", "--as-of", AS_OF, "--notify", "--fail-on", "never", "--format", "csv")
    listed = monitor("outbox", "list", "--status", "sent")
    assert listed.code == 0 and "log" in listed.out and "sent 2" in listed.out


def test_receivers_validate_names_the_missing_environment_variables(monitor, tmp_path, monkeypatch):
    (tmp_path / "receivers.yaml").write_text((ROOT / "config" / "receivers.example.yaml").read_text("utf-8"),
                                             encoding="utf-8")
    for name in ("CHENGKOU_WECOM_URL", "CQ_DINGTALK_URL", "CQ_DINGTALK_SECRET", "CQ_FEISHU_URL", "CQ_FEISHU_SECRET",
                 "OPS_HOOK_URL", "OPS_HOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CQ_DINGTALK_URL", "http://127.0.0.1:9/robot/send?access_token=x")
    result = monitor("receivers", "validate")
    assert result.code == 3
    assert "CHENGKOU_WECOM_URL" in result.err and "CQ_DINGTALK_SECRET" in result.err
    assert "CQ_DINGTALK_URL is not set" not in result.err and "access_token" not in result.err


def test_a_receivers_file_with_an_unknown_receiver_in_a_route_names_file_line_and_field(monitor, tmp_path):
    (tmp_path / "receivers.yaml").write_text(
        "receivers:\n  - name: a\n    log: {}\nroute:\n  receiver: a\n  routes:\n    - receiver: b\n",
        encoding="utf-8")
    result = monitor("receivers", "validate")
    assert result.code == 3
    assert "receivers.yaml" in result.err and "b" in result.err


def test_the_json_of_check_is_unchanged_by_notify(monitor):
    plain = monitor("check", "--as-of", AS_OF, "--format", "json", "--fail-on", "never")
    rows = json.loads(plain.out)
    assert len(rows) == 21 + 47 + 5  # 城口县 十四五, 秀山县 十四五, the example 十五五 plan (not started)


def test_notify_test_reaches_a_signed_dingtalk_robot_and_reports_its_answer(monitor, tmp_path, monkeypatch,
                                                                            dingtalk_robot):
    dingtalk_robot.clock.set(datetime.now(timezone.utc))  # the CLI signs with the real clock
    (tmp_path / "receivers.yaml").write_text(
        "receivers:\n  - name: cq-dingtalk\n    dingtalk: {url_env: CQ_DINGTALK_URL, secret_env: CQ_DINGTALK_SECRET}\n"
        "route:\n  receiver: cq-dingtalk\n", encoding="utf-8")
    monkeypatch.setenv("CQ_DINGTALK_URL", dingtalk_robot.url)
    monkeypatch.setenv("CQ_DINGTALK_SECRET", dingtalk_robot.secret)
    result = monitor("notify", "test", "cq-dingtalk")
    assert result.code == 0, result.err
    assert "sent" in result.out and len(dingtalk_robot.accepted) == 1
    monkeypatch.setenv("CQ_DINGTALK_SECRET", "SEC-wrong")
    refused = monitor("notify", "test", "cq-dingtalk")
    assert refused.code == 3 and "310000" in refused.err
    assert "SEC-wrong" not in refused.err and "access_token" not in refused.err


def test_an_email_receiver_gets_the_county_message_over_smtp(monitor, tmp_path, monkeypatch, smtp_server):
    (tmp_path / "receivers.yaml").write_text(
        "receivers:\n  - name: bureau-mail\n    email: {to: [kjj@example.gov.cn]}\n"
        "route:\n  receiver: bureau-mail\n  routes:\n    - matchers: {region: 城口县}\n", encoding="utf-8")
    monkeypatch.setenv("MONITOR_SMTP__HOST", smtp_server.host)
    monkeypatch.setenv("MONITOR_SMTP__PORT", str(smtp_server.port))
    monkeypatch.setenv("MONITOR_SMTP__SECURITY", "none")
    monkeypatch.setenv("MONITOR_SMTP__SENDER", "monitor@example.gov.cn")
    result = monitor("check", "--as-of", AS_OF, "--notify", "--fail-on", "never", "--format", "csv")
    assert result.code == 0, result.err
    assert len(smtp_server.mails) == 2  # one per county group
    subjects = sorted(str(email.header.make_header(email.header.decode_header(
        email.message_from_bytes(m.content)["Subject"]))) for m in smtp_server.mails)
    assert any("城口县" in s for s in subjects) and all(s.startswith("【") for s in subjects)


def test_the_digest_puts_every_region_in_one_message_to_the_digest_receiver(monitor):
    result = monitor("digest")
    assert result.code == 0, result.err
    titles = messages_in(result.out)
    assert len(titles) == 1 and titles[0].startswith("【进度汇总】")
    block = result.out.split("─" * 40)[1]
    assert "城口县" in block and "秀山土家族苗族自治县" in block
    status = monitor("outbox", "list", "--status", "sent")
    assert "digest" in status.out


def test_outbox_deliver_sends_what_is_due_once(monitor):
    monitor("check", "--as-of", AS_OF, "--fail-on", "never", "--format", "csv")
    result = monitor("outbox", "deliver")
    assert result.code == 0 and "sent 0" in result.out


@pytest.mark.parametrize("workers", ["1", "64"])
def test_delivery_workers_set_to_one_sends_one_request_at_a_time_in_all(monitor, tmp_path, monkeypatch, workers):
    from tests.robots import WeComRobots
    from tests.test_delivery_concurrent import overlapping

    names = ["chengkou", "xiushan", "bureau"]
    keys = {name: f"fake-key-{name}-7f3a9c" for name in names}
    (tmp_path / "receivers.yaml").write_text(
        "receivers:\n" + "".join(f"  - name: {k}\n    wecom: {{url_env: ROBOT_{k.upper()}}}\n" for k in names)
        + "route:\n  receiver: bureau\n  group_by: [region]\n  routes:\n"
        "    - matchers: {region: 城口县}\n      receiver: chengkou\n      continue: true\n"
        "    - matchers: {region: 秀山土家族苗族自治县}\n      receiver: xiushan\n      continue: true\n", encoding="utf-8")
    monkeypatch.setenv("MONITOR_DELIVERY_WORKERS", workers)
    with WeComRobots(list(keys.values()), latency=1.0) as robots:
        robots.clock.set(datetime.now(timezone.utc))
        for name, key in keys.items():
            monkeypatch.setenv(f"ROBOT_{name.upper()}", robots.url_for(key))
        result = monitor("check", "--as-of", AS_OF, "--notify", "--fail-on", "never", "--format", "csv")
    assert result.code == 0, result.err
    assert {k for k in keys.values() if robots.accepted_by[k]} == set(keys.values()), result.err  # every robot
    if workers == "1":
        assert overlapping(robots.requests) == 1  # one request at a time in all
    else:
        assert overlapping(robots.requests) > 1  # by default several robots at once
