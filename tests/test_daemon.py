"""`monitor run` as a real subprocess with second-level schedules, against a loopback WeCom robot."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from monitor import service
from monitor.settings import load_settings
from monitor.storage.db import make_engine
from monitor.storage.tables import instances, job_runs, outbox
from tests.conftest import PLANS_DIR, ROOT, SAMPLES_DIR

pytest_plugins = ["tests.robots"]

NEVER = "0 0 1 1 *"  # once a year: keeps a job out of the way
EXITED = 90  # seconds: a generous deadline for a process to exit (a loaded machine is slow, not broken)


def wait_for(condition: Callable[[], object], timeout: float = 90.0, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"not within {timeout} s: {condition.__doc__ or condition}")


class Daemons:
    """Start `monitor run` processes on one database and one robot; stop every one at the end."""

    def __init__(self, tmp_path: Path, database_url: str, robot):
        self.tmp_path, self.database_url, self.robot = tmp_path, database_url, robot
        self.procs: list[subprocess.Popen] = []
        (tmp_path / "receivers.yaml").write_text(
            "receivers:\n  - name: county\n    wecom: {url_env: COUNTY_WECOM_URL}\nroute:\n  receiver: county\n",
            encoding="utf-8")
        self.engine = make_engine(database_url)

    def env(self, extra: dict[str, str] | None = None, **schedule: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        env.update({
            "MONITOR_DATABASE_URL": self.database_url, "MONITOR_PLANS_DIR": str(PLANS_DIR),
            "MONITOR_RULES_DIR": str(ROOT / "rules"), "MONITOR_RECEIVERS_FILE": str(self.tmp_path / "receivers.yaml"),
            "MONITOR_LOCK_FILE": str(self.tmp_path / "monitor.lock"), "COUNTY_WECOM_URL": self.robot.url,
            "MONITOR_SCHEDULE__ASSESS": "*/2 * * * * *", "MONITOR_SCHEDULE__DELIVER": "* * * * * *",
            "MONITOR_SCHEDULE__REMINDERS": NEVER, "MONITOR_SCHEDULE__DIGEST": NEVER, "MONITOR_SCHEDULE__INBOX": NEVER,
            "PYTHONPATH": str(ROOT),
        })
        env.update({f"MONITOR_SCHEDULE__{k.upper()}": v for k, v in schedule.items()})
        env.update(extra or {})
        return env

    def start(self, name: str = "a", extra: dict[str, str] | None = None, **schedule: str) -> subprocess.Popen:
        log = open(self.tmp_path / f"daemon-{name}.log", "w")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen([sys.executable, "-m", "monitor", "run"], env=self.env(extra, **schedule),
                                cwd=self.tmp_path, stdout=log, stderr=subprocess.STDOUT)
        proc.log_path = self.tmp_path / f"daemon-{name}.log"  # type: ignore[attr-defined]
        self.procs.append(proc)
        return proc

    def log(self, proc) -> str:  # type: ignore[no-untyped-def]
        return proc.log_path.read_text(encoding="utf-8", errors="replace")

    def runs(self, job_id: str, outcome: str = "ok") -> int:
        with self.engine.connect() as conn:
            return len(conn.execute(select(job_runs.c.id).where(job_runs.c.job_id == job_id,
                                                                 job_runs.c.outcome == outcome)).all())

    def roles(self) -> dict[int, str]:
        with self.engine.connect() as conn:
            return {row.pid: row.role for row in conn.execute(select(instances.c.pid, instances.c.role))}

    def outbox_statuses(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(outbox.c.status)).scalars())

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(EXITED)
        self.engine.dispose()


def running_group(tmp_path, database_url, robot):  # type: ignore[no-untyped-def]
    """A database with both plans and the sample actuals, and a Daemons group on it."""
    robot.clock.set(datetime.now(timezone.utc))
    settings = load_settings(database_url=database_url, plans_dir=PLANS_DIR)
    service.initialise(settings, datetime.now(timezone.utc))
    engine = service.open_database(settings)
    for sample in sorted(SAMPLES_DIR.glob("*.csv")):
        service.import_actuals(engine, sample, datetime.now(timezone.utc), submitted_by="test")
    engine.dispose()
    return Daemons(tmp_path, database_url, robot)


@pytest.fixture
def daemons(tmp_path, database_url, wecom_robot):
    group = running_group(tmp_path, database_url, wecom_robot)
    yield group
    group.close()


@pytest.fixture
def sqlite_daemons(tmp_path, sqlite_url, wecom_robot):
    group = running_group(tmp_path, sqlite_url, wecom_robot)
    yield group
    group.close()


@pytest.fixture
def postgres_daemons(tmp_path, postgres_url, wecom_robot):
    group = running_group(tmp_path, postgres_url, wecom_robot)
    yield group
    group.close()


def county_messages(robot) -> list[str]:  # type: ignore[no-untyped-def]
    return [m["markdown"]["content"] for m in robot.accepted if m.get("msgtype") == "markdown"]


def test_the_daemon_assesses_and_sends_on_time_and_stops_cleanly_on_sigterm(daemons):
    proc = daemons.start()
    wait_for(lambda: county_messages(daemons.robot))
    wait_for(lambda: daemons.runs("assess") >= 2 and daemons.runs("deliver") >= 2)
    contents = county_messages(daemons.robot)
    assert any("城口县" in c for c in contents) and any("秀山" in c for c in contents)
    count, assessed = len(daemons.robot.accepted), daemons.runs("assess")
    wait_for(lambda: daemons.runs("assess") >= assessed + 2)  # more assessments, nothing new to say
    assert len(daemons.robot.accepted) == count
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(EXITED) == 0, daemons.log(proc)
    assert time.monotonic() - started < 15  # within systemd's TimeoutStopSec (deploy/monitor.service)
    assert daemons.roles()[proc.pid] == "stopped"
    assert "sending" not in daemons.outbox_statuses()


def test_kill_9_and_a_restart_resend_at_most_the_one_part_in_flight(daemons):
    proc = daemons.start()
    wait_for(lambda: daemons.robot.accepted, step=0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(EXITED)
    restarted = daemons.start("b")
    wait_for(lambda: set(daemons.outbox_statuses()) == {"sent"}, 180)  # a part claimed when killed: after the lease
    rows = daemons.outbox_statuses()
    assert len(daemons.robot.accepted) - len(rows) <= 1
    # the first daemon may have sent everything before it was killed: stop the second once it is running
    wait_for(lambda: daemons.roles().get(restarted.pid) == "active")
    restarted.send_signal(signal.SIGTERM)
    assert restarted.wait(EXITED) == 0, daemons.log(restarted)


def test_a_second_daemon_on_sqlite_is_refused(sqlite_daemons):
    daemons = sqlite_daemons
    first = daemons.start()
    wait_for(lambda: daemons.roles().get(first.pid) == "active")
    second = daemons.start("b")
    assert second.wait(EXITED) == 3
    assert "another daemon is running" in daemons.log(second)
    first.send_signal(signal.SIGTERM)
    assert first.wait(EXITED) == 0, daemons.log(first)


def test_on_postgresql_a_second_daemon_waits_as_standby_and_takes_over_when_the_first_dies(postgres_daemons):
    daemons = postgres_daemons
    first = daemons.start()
    wait_for(lambda: daemons.roles().get(first.pid) == "active")
    second = daemons.start("b")
    wait_for(lambda: daemons.roles().get(second.pid) == "standby")
    wait_for(lambda: county_messages(daemons.robot))
    os.kill(first.pid, signal.SIGKILL)
    first.wait(EXITED)
    # the standby takes the freed lock at its next try (5 s), then waits out the dead one's lease (15 s + 1 s)
    wait_for(lambda: daemons.roles().get(second.pid) == "active")
    wait_for(lambda: daemons.runs("assess") >= 3)
    # a part the killed daemon had claimed (the deliverer claims a target's next part as it records the last) is
    # sent by the new active once the claim's lease (45 s) has run out: nothing is lost, it waits for the lease
    wait_for(lambda: set(daemons.outbox_statuses()) == {"sent"}, 180)
    assert len(daemons.robot.accepted) - len(daemons.outbox_statuses()) <= 1
    second.send_signal(signal.SIGTERM)
    assert second.wait(EXITED) == 0


def test_a_job_missed_while_down_runs_at_start_within_its_grace_time_and_is_recorded_as_missed_beyond_it(daemons):
    tz = timezone(timedelta(hours=8))
    now = datetime.now(tz)
    recent = now - timedelta(minutes=5)
    long_ago = datetime(now.year, 1, 1, tzinfo=tz)
    with daemons.engine.begin() as conn:
        for job_id, at in (("digest", recent - timedelta(days=1)), ("reminders", long_ago - timedelta(days=1))):
            conn.execute(insert(job_runs).values(job_id=job_id, instance="old", started_at=at.astimezone(timezone.utc),
                                                 finished_at=at.astimezone(timezone.utc), outcome="ok"))
    proc = daemons.start(digest=f"{recent.minute} {recent.hour} * * *", reminders=NEVER)
    wait_for(lambda: daemons.runs("digest") >= 2)
    if long_ago < now - timedelta(hours=1):
        wait_for(lambda: daemons.runs("reminders", "missed") == 1)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(EXITED) == 0


def test_sighup_reloads_and_a_broken_rules_file_is_refused_while_the_old_rules_stay(daemons, tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "default.yaml").write_text((ROOT / "rules" / "default.yaml").read_text("utf-8"), encoding="utf-8")
    proc = daemons.start(extra={"MONITOR_RULES_DIR": str(rules)})
    wait_for(lambda: daemons.runs("assess") >= 1)
    proc.send_signal(signal.SIGHUP)
    wait_for(lambda: "configuration reloaded" in daemons.log(proc))
    (rules / "default.yaml").write_text("rules:\n  - id: broken\n    severity: loud\n", encoding="utf-8")
    proc.send_signal(signal.SIGHUP)
    wait_for(lambda: "reload refused" in daemons.log(proc))
    assert "default.yaml" in daemons.log(proc)
    before = daemons.runs("assess")
    wait_for(lambda: daemons.runs("assess") > before)
    assert daemons.runs("assess", "error") == 0
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(EXITED) == 0


def test_a_file_dropped_in_the_inbox_is_imported_and_assessed_on_the_next_run_with_metrics_served(daemons, tmp_path):
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    proc = daemons.start(extra={"MONITOR_INBOX__PATH": str(inbox), "MONITOR_INBOX__SETTLE_SECONDS": "0",
                                "MONITOR_METRICS_PORT": str(port)}, inbox="* * * * * *")
    wait_for(lambda: county_messages(daemons.robot))
    # the 十四五 plan has ended (the daemon judges as of today): 城口县 is told its final review once; the 2025
    # figure of 科技创新人才数 was missing, and the late figure from the inbox updates that review
    wait_for(lambda: any("终期评估" in c for c in county_messages(daemons.robot)))
    (inbox / "城口县补报.csv").write_text("地区,指标,期间,数值\n城口县,科技创新人才数,2025,520\n", encoding="utf-8")
    wait_for(lambda: (inbox / "processed" / "城口县补报.csv").exists())
    wait_for(lambda: any("终期评估·更新" in c and "科技创新人才数" in c for c in county_messages(daemons.robot)))
    metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    assert 'monitor_status{' in metrics and 'region_code="500229"' in metrics  # no pace: the plan has ended
    assert 'monitor_notifications_sent_total{receiver="county"}' in metrics
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(EXITED) == 0
