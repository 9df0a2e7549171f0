"""`monitor run` processes under signals and faults: SIGHUP before the daemon is active, a lost lock, a dropped
standby connection, a frozen active, a killed one, and the metrics right after start.

Every wait is on an event (a log line, a row, a process exit) with a generous deadline, so a loaded machine only
makes these tests slower. The daemons here beat every second and call an active stale after 10 s.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import urllib.request
from datetime import datetime, timezone

from sqlalchemy import select, text

from monitor.ops.health import health
from monitor.settings import Settings
from monitor.storage.tables import job_runs
from tests.test_daemon import NEVER, county_messages, daemons, postgres_daemons, sqlite_daemons  # noqa: F401
from tests.test_daemon import wait_for

pytest_plugins = ["tests.robots"]

FAST = {"MONITOR_DAEMON__HEARTBEAT_SECONDS": "1", "MONITOR_DAEMON__STALE_SECONDS": "10",
        "MONITOR_DAEMON__POLL_SECONDS": "1"}
EXIT_LOST_LOCK = 5
LONG = 90  # seconds: a deadline for things that take a few seconds on an idle machine


def exited(proc, timeout: float = LONG) -> int:  # type: ignore[no-untyped-def]
    return proc.wait(timeout)


def in_log(group, proc, needle: str) -> bool:  # type: ignore[no-untyped-def]
    return needle in group.log(proc)


def lock_holder(engine) -> int | None:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())")).scalar()


def terminate(engine, where: str) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        ended = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = "
                                  f"current_database() AND pid <> pg_backend_pid() AND {where}")).scalar_one()
        conn.commit()
    return ended


def runs_of(group, proc) -> list:  # type: ignore[no-untyped-def]
    with group.engine.connect() as conn:
        return conn.execute(select(job_runs).where(job_runs.c.instance.like(f"%:{proc.pid}"))).all()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(port: int) -> str:
    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    except OSError:
        return ""


def test_a_sighup_while_the_daemon_is_starting_is_noted_and_applied_once_it_is_active(daemons):
    proc = daemons.start(extra=FAST)
    wait_for(lambda: in_log(daemons, proc, "starting"), LONG, step=0.02)
    proc.send_signal(signal.SIGHUP)  # systemctl reload right after systemctl start
    wait_for(lambda: in_log(daemons, proc, "configuration reloaded"), LONG)
    assert proc.poll() is None
    proc.send_signal(signal.SIGTERM)
    assert exited(proc) == 0, daemons.log(proc)


def test_a_sighup_to_a_standby_is_noted_and_the_reload_applied_when_it_takes_over(postgres_daemons):
    group = postgres_daemons
    first = group.start(extra=FAST)
    wait_for(lambda: group.roles().get(first.pid) == "active", LONG)
    second = group.start("b", extra=FAST)
    wait_for(lambda: group.roles().get(second.pid) == "standby", LONG)
    second.send_signal(signal.SIGHUP)
    wait_for(lambda: in_log(group, second, "SIGHUP while standby: noted"), LONG)
    assert second.poll() is None and group.roles()[second.pid] == "standby"
    first.send_signal(signal.SIGTERM)
    assert exited(first) == 0
    wait_for(lambda: group.roles().get(second.pid) == "active", LONG)
    wait_for(lambda: in_log(group, second, "configuration reloaded"), LONG)
    second.send_signal(signal.SIGTERM)
    assert exited(second) == 0


def test_an_active_whose_lock_session_ends_exits_non_zero_before_the_standby_works(postgres_daemons):
    group = postgres_daemons
    first = group.start(extra=FAST)
    wait_for(lambda: group.roles().get(first.pid) == "active", LONG)
    second = group.start("b", extra=FAST)
    wait_for(lambda: group.roles().get(second.pid) == "standby", LONG)
    wait_for(lambda: county_messages(group.robot) and group.runs("assess") >= 2, LONG)
    holder = lock_holder(group.engine)
    assert terminate(group.engine, f"pid = {holder}") == 1  # as a server restart or a network cut would
    assert exited(first) == EXIT_LOST_LOCK, group.log(first)
    assert "lost the instance lock" in group.log(first)
    wait_for(lambda: group.roles().get(second.pid) == "active", LONG)
    wait_for(lambda: runs_of(group, second), LONG)
    last_of_first = max(r.finished_at for r in runs_of(group, first))
    first_of_second = min(r.started_at for r in runs_of(group, second))
    assert last_of_first <= first_of_second  # never two actives at work
    assert group.roles()[first.pid] == "stopped"
    second.send_signal(signal.SIGTERM)
    assert exited(second) == 0


def test_an_active_whose_lock_file_is_removed_exits_non_zero(sqlite_daemons):
    group = sqlite_daemons
    proc = group.start(extra=FAST)
    wait_for(lambda: group.roles().get(proc.pid) == "active", LONG)
    (group.tmp_path / "monitor.lock").unlink()  # a second daemon could lock a new file now
    assert exited(proc) == EXIT_LOST_LOCK, group.log(proc)
    assert group.roles()[proc.pid] == "stopped"


def test_a_standby_whose_connections_drop_keeps_waiting_and_takes_over(postgres_daemons):
    group = postgres_daemons
    first = group.start(extra=FAST)
    wait_for(lambda: group.roles().get(first.pid) == "active", LONG)
    second = group.start("b", extra=FAST)
    wait_for(lambda: group.roles().get(second.pid) == "standby", LONG)
    holder = lock_holder(group.engine)
    assert terminate(group.engine, f"pid <> {holder}") >= 1  # every connection but the active's lock
    wait_for(lambda: in_log(group, second, "cannot be reached while waiting as a standby"), LONG)
    wait_for(lambda: in_log(group, second, "reachable again"), LONG)
    assert second.poll() is None and first.poll() is None
    first.send_signal(signal.SIGTERM)
    assert exited(first) == 0
    wait_for(lambda: group.roles().get(second.pid) == "active", LONG)
    second.send_signal(signal.SIGTERM)
    assert exited(second) == 0


def pending_parts(engine) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from monitor.storage.tables import outbox
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(outbox).where(outbox.c.status == "pending")).scalar_one()


def test_a_frozen_active_is_replaced_and_when_resumed_exits_non_zero_without_sending(postgres_daemons):
    group = postgres_daemons
    first = group.start(extra=FAST)
    wait_for(lambda: group.roles().get(first.pid) == "active", LONG)
    second = group.start("b", extra=FAST)
    wait_for(lambda: group.roles().get(second.pid) == "standby", LONG)
    wait_for(lambda: county_messages(group.robot), LONG)
    os.kill(first.pid, signal.SIGSTOP)
    try:
        frozen_at = len(group.log(first).splitlines())
        wait_for(lambda: group.roles().get(second.pid) == "active", LONG)
        assert "ended its lock session" in group.log(second)
        wait_for(lambda: runs_of(group, second), LONG)
        # the new active has sent what was left (nothing new fires: every county was told already)
        wait_for(lambda: not pending_parts(group.engine), LONG)
        received_before = len(group.robot.requests)
    finally:
        os.kill(first.pid, signal.SIGCONT)
    assert exited(first) == EXIT_LOST_LOCK, group.log(first)
    # a job caught mid-run by SIGSTOP may finish its bookkeeping (a request already on the wire before the freeze
    # is recorded as sent), but the resumed daemon sends no new request
    assert len(group.robot.requests) == received_before, group.log(first).splitlines()[frozen_at:]
    ok, reasons = health(group.engine, Settings(_env_file=None), datetime.now(timezone.utc))
    assert not [r for r in reasons if "active" in r], reasons
    second.send_signal(signal.SIGTERM)
    assert exited(second) == 0


def test_after_taking_over_from_a_killed_active_health_counts_one_active(postgres_daemons):
    group = postgres_daemons
    first = group.start(extra=FAST)
    wait_for(lambda: group.roles().get(first.pid) == "active", LONG)
    second = group.start("b", extra=FAST)
    wait_for(lambda: group.roles().get(second.pid) == "standby", LONG)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(LONG)
    wait_for(lambda: group.roles().get(second.pid) == "active", LONG)
    assert group.roles()[first.pid] == "stopped"
    ok, reasons = health(group.engine, Settings(_env_file=None), datetime.now(timezone.utc))
    assert not [r for r in reasons if "active" in r], reasons
    second.send_signal(signal.SIGTERM)
    assert exited(second) == 0


def test_pace_and_status_metrics_are_served_at_start_before_any_assess_run(daemons):
    port = free_port()
    proc = daemons.start(extra={**FAST, "MONITOR_METRICS_PORT": str(port)}, assess=NEVER)
    wait_for(lambda: 'monitor_status{' in scrape(port), LONG)
    body = scrape(port)
    assert 'region_code="500229"' in body
    assert re.search(rf'monitor_instance_heartbeat_age_seconds{{instance="[^"]+:{proc.pid}",role="active"}}', body)
    assert daemons.runs("assess") == 0
    proc.send_signal(signal.SIGTERM)
    assert exited(proc) == 0


def test_the_daemon_tells_systemd_it_is_ready_once_it_handles_signals_and_when_it_stops(sqlite_daemons):
    group = sqlite_daemons
    path = group.tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        sock.settimeout(LONG)
        proc = group.start(extra={**FAST, "NOTIFY_SOCKET": str(path)})
        assert sock.recv(4096) == b"READY=1"
        proc.send_signal(signal.SIGHUP)  # `systemctl reload` as soon as systemd lets it through
        wait_for(lambda: group.roles().get(proc.pid) == "active", LONG)
        proc.send_signal(signal.SIGTERM)
        said = []
        while b"STOPPING=1" not in said:
            said.append(sock.recv(4096))
    assert exited(proc) == 0, group.log(proc)
    assert said.index(b"STATUS=active") < said.index(b"STOPPING=1")
