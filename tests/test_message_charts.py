"""Charts in messages through the real notify path on SQLite and PostgreSQL: the plans and sample actuals loaded by
the real CLI, the bundled rules and templates, an aiosmtpd mail server and the loopback WeCom robot."""

from __future__ import annotations

import base64
import email
import hashlib
import json
import logging
import re
from datetime import date, datetime, timezone
from email import policy

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from monitor import service
from monitor.alerts.receivers import Receiver, ReceiversFile, load_receivers
from monitor.alerts.rules import load_rules
from monitor.channels.base import Message
from monitor.channels.email import EmailChannel
from monitor.charts import png
from monitor.messages import charts as message_charts
from monitor.messages.render import Renderer
from monitor.notify import AlertConfig, notify
from monitor.settings import Settings, SmtpSettings
from monitor.storage.db import make_engine
from monitor.storage.tables import outbox
from tests.cli_runner import loaded_monitor
from tests.conftest import ROOT

pytest_plugins = ["tests.robots"]

AS_OF = date(2025, 7, 1)
NOW = datetime(2025, 7, 1, 1, 0, tzinfo=timezone.utc)
PNG = b"\x89PNG\r\n\x1a\n"


def receivers_file(tmp_path, email_charts: str = "", wecom_charts: str = "charts: 1") -> ReceiversFile:
    path = tmp_path / "receivers-charts.yaml"
    path.write_text(f"""
receivers:
  - name: bureau-mail
    email: {{to: ["kjj@example.gov.cn"]}}
    {email_charts}
  - name: county-wecom
    wecom: {{url_env: TEST_CHARTS_WECOM_URL}}
    {wecom_charts}
route:
  receiver: bureau-mail
  group_by: [region]
  routes:
    - receiver: county-wecom
      continue: true
    - receiver: bureau-mail
""", encoding="utf-8")
    return load_receivers(path)


@pytest.fixture
def loaded(capsys, monkeypatch, database_url, tmp_path):
    """A database with both plans and the sample actuals, and the assessment of AS_OF."""
    loaded_monitor(capsys, monkeypatch, database_url, tmp_path)
    engine = make_engine(database_url)
    yield engine, service.run_check(engine, AS_OF)
    engine.dispose()


@pytest.fixture(autouse=True)
def fresh_font_lookup():
    png.reset_font_cache()
    yield
    png.reset_font_cache()


def run_notify(engine, frame, receivers, smtp_server, wecom_robot):
    config = AlertConfig(load_rules(ROOT / "rules"), receivers, Renderer())
    smtp = SmtpSettings(host=smtp_server.host, port=smtp_server.port, security="none",
                        sender="规划监测 <monitor@example.gov.cn>")
    channels = {"bureau-mail": EmailChannel(["kjj@example.gov.cn"], smtp=smtp),
                "county-wecom": wecom_robot.channel()}
    run, report = notify(engine, Settings(), frame, lambda: NOW, config=config, channels=channels)
    assert not report.errors
    return run, channels


def mails(smtp_server):
    return [email.message_from_bytes(mail.content, policy=policy.default) for mail in smtp_server.mails]


def stored_rows(engine):
    with engine.connect() as conn:
        return conn.execute(select(outbox.c.receiver, outbox.c.payload, outbox.c.message).order_by(outbox.c.id)).all()


def inline_images(mail):
    related = [part for part in mail.walk() if part.get_content_type() == "multipart/related"]
    images = [part for part in mail.walk() if part.get_content_type() == "image/png"]
    return related, images


def test_an_email_carries_its_worst_indicators_charts_inline_referenced_by_cid_from_the_html(
        loaded, tmp_path, smtp_server, wecom_robot):
    engine, frame = loaded
    run, _ = run_notify(engine, frame, receivers_file(tmp_path, email_charts="charts: 2"), smtp_server, wecom_robot)
    sent = mails(smtp_server)
    assert sent
    by_title = {message.title: (planned, message) for planned, message in run.messages
                if planned.receiver == "bureau-mail"}
    for mail in sent:
        planned, message = by_title[mail["Subject"]]
        related, images = inline_images(mail)
        expected = min(2, len({item.alert.indicator_id for item in planned.items}))
        assert len(related) == 1 and len(images) == expected
        html = mail.get_body(("html",)).get_content()
        text = mail.get_body(("plain",)).get_content()
        assert text.replace("\r\n", "\n").rstrip("\n") == message.text.replace("\r\n", "\n").rstrip("\n")
        table_end = html.rindex("</table>")
        for image in images:
            assert image.get_content().startswith(PNG)
            cid = image["Content-ID"].strip("<>")
            tag = re.search(rf'<img src="cid:{re.escape(cid)}" alt="([^"]+)"', html)
            assert tag is not None and html.index(tag.group(0)) > table_end
            assert "走势图" in tag.group(1)
        alts = re.findall(r'alt="([^"]+)"', html)
        worst = message_charts.worst_keys(planned, 2)
        assert [a.get("indicator_name") in alt for (_, a), alt in zip(worst, alts)] == [True] * expected


def test_a_wecom_group_with_charts_1_gets_one_image_after_its_text_that_the_robot_accepts(
        loaded, tmp_path, smtp_server, wecom_robot):
    engine, frame = loaded
    receivers = receivers_file(tmp_path, email_charts="charts: 0")
    run, channels = run_notify(engine, frame, receivers, smtp_server, wecom_robot)
    wecom_messages = [m for p, m in run.messages if p.receiver == "county-wecom"]
    assert wecom_messages
    assert all((r.reply or {}).get("errcode") == 0 for r in wecom_robot.requests)
    kinds = [body["msgtype"] for body in wecom_robot.accepted]
    assert kinds.count("image") == len(wecom_messages)
    for body in wecom_robot.accepted:
        if body["msgtype"] == "image":
            data = base64.b64decode(body["image"]["base64"])
            assert data.startswith(PNG) and len(data) <= 2 * 1024 * 1024
            assert body["image"]["md5"] == hashlib.md5(data).hexdigest()
    # stored with the message: a message read back from the outbox gives the same parts, image bytes and all
    rows = [row for row in stored_rows(engine) if row.receiver == "county-wecom"]
    for stored in {row.message for row in rows}:
        again = channels["county-wecom"].parts(Message(**json.loads(stored)))
        parts = [json.loads(row.payload) for row in rows if row.message == stored]
        assert again == parts and parts[-1]["msgtype"] == "image"
        assert all(part["msgtype"] != "image" for part in parts[:-1])


def test_without_a_cjk_font_the_messages_go_out_as_text_only_and_one_warning_is_logged(
        loaded, tmp_path, smtp_server, wecom_robot, monkeypatch, caplog):
    engine, frame = loaded
    monkeypatch.setattr(png, "cjk_font", lambda: None)
    receivers = receivers_file(tmp_path)
    with caplog.at_level(logging.WARNING, logger="monitor.charts.png"):
        run, _ = run_notify(engine, frame, receivers, smtp_server, wecom_robot)
        again = message_charts.with_charts(engine, receivers, run.messages, frame, AS_OF)  # later: no repeat
    warnings = [r for r in caplog.records if "no CJK font" in r.getMessage()]
    assert len(warnings) == 1
    assert smtp_server.mails and wecom_robot.accepted
    assert all(not inline_images(mail)[1] for mail in mails(smtp_server))
    assert all(body["msgtype"] != "image" for body in wecom_robot.accepted)
    assert all(not message.images for _, message in run.messages) and again == run.messages


def test_receivers_without_charts_get_the_same_parts_as_before_and_no_chart_is_read_or_drawn(
        loaded, tmp_path, smtp_server, wecom_robot, monkeypatch):
    engine, frame = loaded

    def refuse(*args, **kwargs):
        raise AssertionError("a chart was read or drawn for receivers that want none")

    monkeypatch.setattr(message_charts, "read_charts", refuse)
    monkeypatch.setattr(message_charts, "render_png", refuse)
    monkeypatch.setattr(message_charts, "usable_font", refuse)
    run, channels = run_notify(engine, frame, receivers_file(tmp_path, email_charts="charts: 0", wecom_charts=""),
                               smtp_server, wecom_robot)
    rows = stored_rows(engine)
    assert rows and run.messages
    expected = []
    for planned, message in run.messages:
        text_only = Message(message.title, message.text, message.html, message.body)
        record = json.dumps({"title": message.title, "text": message.text, "html": message.html,
                             "body": message.body}, ensure_ascii=False)
        expected += [(planned.receiver, json.dumps(part, ensure_ascii=False), record)
                     for part in channels[planned.receiver].parts(text_only)]
    assert sorted(tuple(row) for row in rows) == sorted(expected)
    assert all(body["msgtype"] != "image" for body in wecom_robot.accepted)
    assert all(not inline_images(mail)[1] for mail in mails(smtp_server))


def test_charts_are_for_email_and_wecom_receivers_and_default_to_three_emails_and_no_robot_images():
    assert Receiver(name="mail", email={"to": ["kjj@example.gov.cn"]}).chart_count == 3
    assert Receiver(name="mail", email={"to": ["kjj@example.gov.cn"]}, charts=0).chart_count == 0
    assert Receiver(name="group", wecom={"url_env": "X"}).chart_count == 0
    assert Receiver(name="group", wecom={"url_env": "X"}, charts=1).chart_count == 1
    assert Receiver(name="hook", dingtalk={"url_env": "X"}).chart_count == 0
    with pytest.raises(ValidationError, match="charts is for email and wecom receivers only"):
        Receiver(name="hook", dingtalk={"url_env": "X"}, charts=2)
    with pytest.raises(ValidationError):
        Receiver(name="mail", email={"to": ["kjj@example.gov.cn"]}, charts=-1)


def test_an_email_without_html_or_images_is_the_same_payload_as_before():
    channel = EmailChannel(["kjj@example.gov.cn"], smtp=SmtpSettings())
    message = Message("标题", "正文", "<table></table>")
    assert channel.parts(message) == [{"to": ["kjj@example.gov.cn"], "subject": "标题", "text": "正文",
                                       "html": "<table></table>"}]


def test_wecom_image_parts_follow_every_text_part_in_order_and_an_oversized_image_is_refused_before_sending():
    from monitor.channels.base import DeliveryError
    from monitor.channels.wecom import WeComChannel

    channel = WeComChannel("http://127.0.0.1:9/cgi-bin/webhook/send?key=test-only", mention_mobiles=["13800000000"])
    pictures = [PNG + bytes([n]) * 100 for n in range(2)]
    images = tuple({"cid": f"c{n}@x", "alt": "图", "png": base64.b64encode(p).decode()} for n, p in enumerate(pictures))
    text = "\n".join(f"第{i}行：指标进度落后于规划路径" for i in range(400))
    parts = channel.parts(Message("标题", text, images=images))
    kinds = [part["msgtype"] for part in parts]
    assert kinds[:2] == ["markdown", "text"] and kinds[-2:] == ["image", "image"]
    assert "image" not in kinds[:-2] and kinds.count("markdown") > 1
    assert [base64.b64decode(p["image"]["base64"]) for p in parts[-2:]] == pictures
    assert channel.parts(Message("标题", text)) == parts[:-2]
    huge = {"msgtype": "image", "image": {"base64": base64.b64encode(PNG + b"0" * (2 * 1024 * 1024)).decode(),
                                          "md5": "0" * 32}}
    with pytest.raises(DeliveryError) as refused:
        channel.send(huge, now=NOW)
    assert refused.value.kind == "permanent" and "limit" in str(refused.value)
