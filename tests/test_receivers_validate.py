"""Bad receiver, SMTP and database configuration is refused with one clear line (exit 3) by every command that
reads it, never an internal error (exit 4), and the line names the file, the receiver and the field, not the secret.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from monitor.alerts.receivers import environment_problems, load_receivers
from monitor.channels.base import DeliveryError, Message
from monitor.channels.email import EmailChannel
from monitor.settings import SmtpSettings
from tests.cli_runner import loaded_monitor, monitor_on
from tests.conftest import ROOT

AS_OF = "2025-07-01"
FAKE_KEY = "fake-key-0123456789abcdef"

ROBOT_AND_MAIL = """receivers:
  - name: chengkou-wecom
    wecom: {url_env: CHENGKOU_WECOM_URL}
  - name: bureau-mail
    email: {to: ["kjj@example.gov.cn"]}
route:
  receiver: chengkou-wecom
  routes:
    - matchers: {region: 城口县}
      receiver: bureau-mail
      continue: true
digest_receivers: [chengkou-wecom]
"""


@pytest.fixture
def monitor(capsys, monkeypatch, database_url, tmp_path):
    run = loaded_monitor(capsys, monkeypatch, database_url, tmp_path)
    (tmp_path / "receivers.yaml").write_text(ROBOT_AND_MAIL, encoding="utf-8")
    for name in list(os.environ):
        if name.startswith("MONITOR_SMTP__"):
            monkeypatch.delenv(name)
    return run


def refused_clearly(result, *words: str) -> None:
    """Exit 3, one `error:` line naming each of ``words``, no traceback and no internal error."""
    assert result.code == 3, (result.code, result.err)
    assert result.err.startswith("error: ") and "internal error" not in result.err
    assert "Traceback" not in result.err
    for word in words:
        assert word in result.err, (word, result.err)


# --- a robot URL that is no http(s) URL ------------------------------------------------------------------------

@pytest.mark.parametrize("url", [f"ftp://qyapi.example/cgi-bin/webhook/send?key={FAKE_KEY}",
                                 f"qyapi.example/cgi-bin/webhook/send?key={FAKE_KEY}",
                                 f"https:///cgi-bin/webhook/send?key={FAKE_KEY}",
                                 f"https://qyapi.example/send?key={FAKE_KEY}\n"])
def test_receivers_validate_refuses_a_robot_url_that_is_no_http_url_naming_file_receiver_and_field(
        monitor, monkeypatch, tmp_path, url):
    monkeypatch.setenv("CHENGKOU_WECOM_URL", url)
    result = monitor("receivers", "validate")
    refused_clearly(result, str(tmp_path / "receivers.yaml"), "receivers.chengkou-wecom.wecom.url_env",
                    "CHENGKOU_WECOM_URL")
    assert FAKE_KEY not in result.err and "qyapi" not in result.err


@pytest.mark.parametrize("command", [
    ("check", "--as-of", AS_OF, "--notify", "--fail-on", "never", "--format", "csv"),
    ("outbox", "deliver"),
    ("notify", "test", "chengkou-wecom"),
    ("digest",),
    ("reminders", "send"),
])
def test_every_command_that_builds_the_channels_refuses_a_robot_url_that_is_no_http_url(
        monitor, monkeypatch, tmp_path, command):
    monkeypatch.setenv("CHENGKOU_WECOM_URL", f"ftp://qyapi.example/send?key={FAKE_KEY}")
    result = monitor(*command)
    refused_clearly(result, str(tmp_path / "receivers.yaml"), "receivers.chengkou-wecom.wecom.url_env",
                    "does not hold an http:// or https:// URL")
    assert FAKE_KEY not in result.err + result.out


def test_the_daemon_refuses_a_robot_url_that_is_no_http_url_at_start(sqlite_url, tmp_path):
    receivers = tmp_path / "receivers.yaml"
    receivers.write_text(ROBOT_AND_MAIL, encoding="utf-8")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")},
           "MONITOR_DATABASE_URL": sqlite_url, "MONITOR_PLANS_DIR": str(ROOT / "config" / "plans"),
           "MONITOR_RULES_DIR": str(ROOT / "rules"), "MONITOR_RECEIVERS_FILE": str(receivers),
           "MONITOR_LOCK_FILE": str(tmp_path / "monitor.lock"),
           "CHENGKOU_WECOM_URL": f"ftp://qyapi.example/send?key={FAKE_KEY}"}
    command = [sys.executable, "-m", "monitor"]
    assert subprocess.run([*command, "init"], env=env, cwd=tmp_path, capture_output=True, timeout=120).returncode == 0
    done = subprocess.run([*command, "run"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 3, done.stderr
    assert "receivers.chengkou-wecom.wecom.url_env" in done.stderr and "Traceback" not in done.stderr
    assert FAKE_KEY not in done.stderr + done.stdout


def test_the_url_check_agrees_with_the_channels_on_every_url_it_lets_through(tmp_path):
    from monitor.delivery.channels import build_channels

    path = tmp_path / "receivers.yaml"
    path.write_text(ROBOT_AND_MAIL, encoding="utf-8")
    config = load_receivers(path)
    smtp = SmtpSettings(host="127.0.0.1", sender="monitor@example.gov.cn")
    for url in ("https://qyapi.example/send?key=k", "http://127.0.0.1:8080/send?key=k", "HTTPS://qyapi.example/x",
                "https://:80/x", "https://qyapi.example:99999/x", "mailto:kjj@example.gov.cn", " https://a/x"):
        environ = {"CHENGKOU_WECOM_URL": url}
        if environment_problems(config, environ, smtp=smtp):
            continue
        assert build_channels(config, smtp, environ)["chengkou-wecom"].kind == "wecom", url


# --- email receivers -------------------------------------------------------------------------------------------

def test_an_email_receiver_with_no_mail_address_is_refused_when_the_file_is_read(monitor, tmp_path):
    (tmp_path / "receivers.yaml").write_text(
        ROBOT_AND_MAIL.replace('to: ["kjj@example.gov.cn"]', 'to: ["科技局", "kjj@example.gov.cn"]'),
        encoding="utf-8")
    result = monitor("receivers", "validate")
    refused_clearly(result, "receivers.yaml", "row 5", "receivers[1].email.to", "科技局")
    check = monitor("check", "--as-of", AS_OF, "--notify", "--fail-on", "never", "--format", "csv")
    refused_clearly(check, "receivers[1].email.to")


def test_email_receivers_without_an_smtp_server_or_sender_are_named_by_the_environment_check(tmp_path):
    path = tmp_path / "receivers.yaml"
    path.write_text(ROBOT_AND_MAIL, encoding="utf-8")
    config = load_receivers(path)
    environ = {"CHENGKOU_WECOM_URL": "https://qyapi.example/send?key=k"}
    (no_server,) = environment_problems(config, environ, smtp=SmtpSettings())
    assert (no_server.file, no_server.field) == (str(path), "receivers.bureau-mail.email")
    assert "MONITOR_SMTP__HOST" in no_server.message
    (no_sender,) = environment_problems(config, environ, smtp=SmtpSettings(host="smtp.example.gov.cn"))
    assert "MONITOR_SMTP__SENDER" in no_sender.message
    assert environment_problems(config, environ, smtp=SmtpSettings(host="smtp.example.gov.cn",
                                                                   sender="监测 <monitor@example.gov.cn>")) == []
    assert environment_problems(config, environ) == []  # no SMTP settings given: not judged


def test_receivers_validate_says_that_email_receivers_have_no_smtp_server(monitor, monkeypatch):
    monkeypatch.setenv("CHENGKOU_WECOM_URL", "https://qyapi.example/send?key=k")
    result = monitor("receivers", "validate")
    refused_clearly(result, "receivers.bureau-mail.email", "MONITOR_SMTP__HOST")


def test_sending_to_an_email_receiver_without_smtp_is_one_clear_line(monitor, monkeypatch):
    monkeypatch.setenv("CHENGKOU_WECOM_URL", "https://qyapi.example/send?key=k")
    result = monitor("notify", "test", "bureau-mail")
    refused_clearly(result, "bureau-mail", "no SMTP server is configured", "MONITOR_SMTP__HOST")


@pytest.mark.parametrize("name,value,words", [
    ("MONITOR_SMTP__HOST", "主机..example", "MONITOR_SMTP__HOST"),
    ("MONITOR_SMTP__HOST", "smtp example", "MONITOR_SMTP__HOST"),
    ("MONITOR_SMTP__PORT", "99999", "MONITOR_SMTP__PORT"),
    ("MONITOR_SMTP__TIMEOUT", "-1", "MONITOR_SMTP__TIMEOUT"),
    ("MONITOR_SMTP__SENDER", "规划监测", "MONITOR_SMTP__SENDER"),
])
def test_smtp_settings_that_cannot_be_used_are_refused_as_settings(monitor, monkeypatch, name, value, words):
    monkeypatch.setenv("CHENGKOU_WECOM_URL", "https://qyapi.example/send?key=k")
    monkeypatch.setenv(name, value)
    refused_clearly(monitor("notify", "test", "bureau-mail"), "invalid settings", words)


@pytest.mark.parametrize("settings", [
    {"host": "主机..example"}, {"host": "a" * 300}, {"host": "127.0.0.1", "port": 9, "timeout": -1},
    {"host": "127.0.0.1", "port": 9, "sender": "a@example.gov.cn\nBcc: b@example.gov.cn"},
])
def test_smtp_settings_that_slip_past_validation_fail_delivery_for_good_with_a_clear_error(settings):
    smtp = SmtpSettings.model_construct(**{**SmtpSettings().model_dump(), "sender": "a@example.gov.cn", **settings})
    channel = EmailChannel(["kjj@example.gov.cn"], smtp=smtp)
    with pytest.raises(DeliveryError) as refused:
        channel.send(channel.parts(Message("标题", "正文"))[0], now=datetime.now(timezone.utc))
    assert refused.value.kind == "permanent"
    assert "MONITOR_SMTP__" in str(refused.value) or "cannot be written as an email" in str(refused.value)


# --- the SQLite file's folder ----------------------------------------------------------------------------------

def test_a_sqlite_file_in_a_missing_folder_gets_its_folder(capsys, monkeypatch, tmp_path):
    path = tmp_path / "data" / "2026" / "monitor.db"
    monitor = monitor_on(capsys, monkeypatch, f"sqlite:///{path}", tmp_path)
    assert monitor("init").code == 0
    assert path.is_file()


@pytest.mark.parametrize("command", [("init",), ("status",), ("check", "--as-of", AS_OF), ("outbox", "deliver")])
def test_a_sqlite_file_whose_folder_cannot_be_made_is_one_line_naming_the_path(capsys, monkeypatch, tmp_path,
                                                                               command):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    path = blocker / "monitor.db"
    monitor = monitor_on(capsys, monkeypatch, f"sqlite:///{path}", tmp_path)
    result = monitor(*command)
    refused_clearly(result, str(path), "MONITOR_DATABASE_URL")
    assert len(result.err.strip().splitlines()) == 1


def test_a_database_password_with_a_raw_at_sign_is_refused_without_showing_it(capsys, monkeypatch, tmp_path):
    monitor = monitor_on(capsys, monkeypatch, "postgresql+psycopg://monitor:Pw@rd-fake-42@127.0.0.1:9/db", tmp_path)
    result = monitor("status")
    refused_clearly(result, "MONITOR_DATABASE_URL", "%40")
    assert "Pw" not in result.err and "rd-fake-42" not in result.err


def test_a_receivers_file_remembers_where_it_came_from(tmp_path):
    path = tmp_path / "receivers.yaml"
    path.write_text(ROBOT_AND_MAIL, encoding="utf-8")
    assert load_receivers(path).source == path
    assert load_receivers(tmp_path / "absent.yaml").source is None
    assert isinstance(load_receivers(path).source, Path)


def test_a_lock_file_that_cannot_be_opened_is_one_line_naming_the_setting(sqlite_url, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")},
           "MONITOR_DATABASE_URL": sqlite_url, "MONITOR_PLANS_DIR": str(ROOT / "config" / "plans"),
           "MONITOR_RULES_DIR": str(ROOT / "rules"), "MONITOR_RECEIVERS_FILE": str(tmp_path / "none.yaml"),
           "MONITOR_LOCK_FILE": str(blocker / "monitor.lock")}
    command = [sys.executable, "-m", "monitor"]
    assert subprocess.run([*command, "init"], env=env, cwd=tmp_path, capture_output=True, timeout=120).returncode == 0
    done = subprocess.run([*command, "run"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 3, done.stderr
    assert "MONITOR_LOCK_FILE" in done.stderr and str(blocker) in done.stderr and "Traceback" not in done.stderr
