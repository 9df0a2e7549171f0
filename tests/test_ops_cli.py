"""`monitor status` and `monitor health` end to end, on an initialised database with hand-inserted rows.

The commands read the real clock, so rows here are placed relative to it (a heartbeat 5 s ago, a part pending
for 5 hours); nothing waits.
"""

import json
from datetime import datetime, timedelta, timezone

import pytest

from monitor.storage.db import make_engine
from tests.cli_runner import run_monitor
from tests.conftest import PLANS_DIR, ROOT
from tests.ops_rows import add_instance, add_part, add_run


@pytest.fixture
def monitor(capsys, monkeypatch, database_url, tmp_path):
    monkeypatch.setenv("MONITOR_DATABASE_URL", database_url)
    monkeypatch.setenv("MONITOR_PLANS_DIR", str(PLANS_DIR))
    monkeypatch.setenv("MONITOR_RULES_DIR", str(ROOT / "rules"))
    monkeypatch.setenv("MONITOR_RECEIVERS_FILE", str(tmp_path / "receivers.yaml"))
    monkeypatch.setenv("MONITOR_TIMEZONE", "Asia/Shanghai")
    monkeypatch.chdir(tmp_path)
    run = lambda *args: run_monitor(capsys, monkeypatch, *args)  # noqa: E731
    assert run("init").code == 0
    return run


@pytest.fixture
def db(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def now() -> datetime:
    return datetime.now(timezone.utc)


def test_status_shows_jobs_instances_and_outbox_in_chinese(monitor, db):
    add_instance(db, "host-a:100", heartbeat=now() - timedelta(seconds=5))
    add_run(db, "assess", "error", started=now() - timedelta(hours=2), detail="RuntimeError: 规则文件有误")
    add_part(db, "pending", created=now() - timedelta(minutes=30))
    result = monitor("status")
    assert result.code == 0, result.err
    assert "定时任务" in result.out and "下次运行" in result.out
    assert "0 9 * * mon-fri" in result.out and "未启用" in result.out  # the inbox without MONITOR_INBOX__PATH
    assert "失败" in result.out and "RuntimeError: 规则文件有误" in result.out
    assert "主用实例：host-a:100" in result.out and "守护进程实例" in result.out
    assert "待发送 1" in result.out


def test_status_as_json(monitor, db):
    add_instance(db, heartbeat=now() - timedelta(seconds=5))
    result = monitor("status", "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["active_instance"] == "host-a:100" and data["timezone"] == "Asia/Shanghai"
    assert data["jobs"][0]["job_id"] == "assess" and data["jobs"][0]["next_run"].endswith("+08:00")


def test_health_is_0_with_a_live_daemon(monitor, db):
    add_instance(db, heartbeat=now() - timedelta(seconds=5))
    result = monitor("health")
    assert (result.code, result.out.strip(), result.err) == (0, "healthy", "")
    assert monitor("health", "--quiet").out == ""


def test_health_is_1_with_every_reason_on_stderr(monitor, db):
    add_instance(db, heartbeat=now() - timedelta(minutes=5))
    add_part(db, "pending", created=now() - timedelta(hours=5))
    result = monitor("health")
    assert result.code == 1 and result.out == ""
    reasons = result.err.strip().splitlines()
    assert len(reasons) == 2 and all(r.startswith("unhealthy: ") for r in reasons)
    assert "active instance host-a:100 last sent a heartbeat" in reasons[0]
    assert "oldest pending part" in reasons[1]
    assert monitor("health", "--max-heartbeat-age", "10m", "--max-pending-age", "6h").code == 0


def test_health_is_3_when_the_database_was_never_initialised(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("MONITOR_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.chdir(tmp_path)
    result = run_monitor(capsys, monkeypatch, "health")
    assert result.code == 3 and "monitor init" in result.err


def test_health_is_3_for_bad_settings(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("MONITOR_SCHEDULE__ASSESS", "every day")
    monkeypatch.setenv("MONITOR_DATABASE_URL", f"sqlite:///{tmp_path / 'm.db'}")
    monkeypatch.setenv("MONITOR_PLANS_DIR", str(PLANS_DIR))
    monkeypatch.chdir(tmp_path)
    assert run_monitor(capsys, monkeypatch, "init").code == 0
    result = run_monitor(capsys, monkeypatch, "health")
    assert result.code == 3 and "MONITOR_SCHEDULE__ASSESS" in result.err


def test_health_is_3_when_the_database_is_unreachable(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("MONITOR_DATABASE_URL", "postgresql+psycopg://monitor:pw@127.0.0.1:1/monitor")
    monkeypatch.chdir(tmp_path)
    result = run_monitor(capsys, monkeypatch, "health")
    assert result.code == 3 and "cannot reach the database" in result.err and ":pw@" not in result.err
