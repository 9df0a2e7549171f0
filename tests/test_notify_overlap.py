"""Two `monitor check --notify` runs at once (cron overlapping a slow run, cron beside the daemon) queue nothing twice.

The races are run with real processes on real databases. Each child is the real `monitor` entry point with one
seam: after a run has read the stored alert states (``evaluate_alerts``) it waits until the other run has read them
too, or is seen waiting for the evaluation lock. That forces the worst interleaving on every trial: without the lock
both runs evaluate against the same stored states and both queue every message (SQLite), or one crashes on the
unique alert keys (PostgreSQL, exit 4); with it the second run waits, then sees the first's states.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from monitor import notify as notify_module
from monitor.storage.db import make_engine
from monitor.storage.locks import LockTimeout, exclusive
from monitor.storage.tables import outbox
from tests.cli_runner import loaded_monitor
from tests.conftest import ROOT

AS_OF = "2025-07-01"
MESSAGES = 2  # one run queues one message per county (城口县, 秀山)

CHILD = r'''
import logging, os, sys, time
from pathlib import Path

folder, me, other = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
import monitor.notify as notify_module

def seen(kind, who):
    return (folder / f"{kind}-{who}").exists()

real = notify_module.evaluate_alerts

def evaluate_then_meet(*args, **kwargs):
    run = real(*args, **kwargs)
    (folder / f"evaluated-{me}").touch()
    deadline = time.monotonic() + 60
    while not (seen("evaluated", other) or seen("waiting", other) or seen("exited", other)):
        if time.monotonic() > deadline:
            raise SystemExit("the other run neither evaluated nor waited within 60 s")
        time.sleep(0.01)
    return run

notify_module.evaluate_alerts = evaluate_then_meet

class Waiting(logging.Handler):
    def emit(self, record):
        if "waiting" in record.getMessage():
            (folder / f"waiting-{me}").touch()

locks = logging.getLogger("monitor.storage.locks")
locks.addHandler(Waiting())
locks.setLevel(logging.INFO)
(folder / f"ready-{me}").touch()
deadline = time.monotonic() + 60
while not seen("ready", other) and time.monotonic() < deadline:
    time.sleep(0.01)
sys.argv = ["monitor", "check", "--as-of", sys.argv[4], "--notify", "--fail-on", "never", "--format", "csv"]
from monitor.cli import main
try:
    main()
finally:
    (folder / f"exited-{me}").touch()
'''


@pytest.fixture
def monitor(capsys, monkeypatch, database_url, tmp_path):
    return loaded_monitor(capsys, monkeypatch, database_url, tmp_path)


def messages_in(out: str) -> list[str]:
    """The titles of the blocks the log channel printed."""
    blocks = out.split("─" * 40)
    return [b.strip().splitlines()[0] for b in blocks if b.strip() and b.strip().startswith("【")]


def race(folder: Path) -> list[subprocess.CompletedProcess]:
    """Start two children at once (they meet at a barrier first) and wait for both."""
    folder.mkdir()
    script = folder / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, str(script), str(folder), me, other, AS_OF], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for me, other in (("a", "b"), ("b", "a"))]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        results.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return results


def queued(database_url: str) -> dict[tuple[str, str], int]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(outbox.c.receiver, outbox.c.group_key, func.count())
                                .group_by(outbox.c.receiver, outbox.c.group_key)).all()
    finally:
        engine.dispose()
    return {(r, g): n for r, g, n in rows}


@pytest.mark.parametrize("trial", [1, 2])
def test_two_overlapping_notify_runs_queue_each_message_once_and_neither_crashes(monitor, database_url, tmp_path,
                                                                                 trial):
    results = race(tmp_path / f"race-{trial}")
    for result in results:
        assert result.returncode == 0, result.stderr[-2000:]
    counts = queued(database_url)
    assert len(counts) == MESSAGES and set(counts.values()) == {1}, counts
    printed = sum(len(messages_in(r.stdout)) for r in results)
    assert printed == MESSAGES  # each county's message went out once in all
    waited = [r for r in results if "waiting up to" in r.stderr]
    assert len(waited) == 1  # one run waited for the other; the other never waited


def test_a_run_that_cannot_get_the_evaluation_lock_in_time_says_so_in_one_line_exits_3_and_queues_nothing(
        monitor, database_url, monkeypatch):
    monkeypatch.setenv("MONITOR_NOTIFY_LOCK_WAIT_SECONDS", "0.5")
    engine = make_engine(database_url)
    try:
        with exclusive(engine, notify_module.EVALUATION_LOCK, wait=5, what="a test holding the lock"):
            outcome = monitor("check", "--as-of", AS_OF, "--notify", "--fail-on", "never", "--format", "csv")
    finally:
        engine.dispose()
    assert outcome.code == 3
    errors = [line for line in outcome.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "the alert evaluation" in errors[0] and "queued nothing" in errors[0]
    assert queued(database_url) == {}
    again = monitor("check", "--as-of", AS_OF, "--notify", "--fail-on", "never", "--format", "csv")
    assert again.code == 0 and sum(queued(database_url).values()) == MESSAGES  # the next run catches up


def test_a_daemon_asked_to_stop_gives_up_waiting_for_the_evaluation_lock_at_once(monitor, database_url, monkeypatch):
    from monitor import stopping as stopping_module

    stopping = threading.Event()
    stopping.set()  # SIGTERM arrived (Daemon.request_stop calls stop_all)
    monkeypatch.setattr(stopping_module, "_event", stopping)
    engine = make_engine(database_url)
    try:
        with exclusive(engine, notify_module.EVALUATION_LOCK, wait=5, what="a test holding the lock"):
            began = time.monotonic()
            outcome = monitor("check", "--as-of", AS_OF, "--notify", "--fail-on", "never", "--format", "csv")
            waited = time.monotonic() - began
    finally:
        engine.dispose()
    assert outcome.code == 3 and "stopped while waiting for the alert evaluation" in outcome.err
    assert waited < 60 and queued(database_url) == {}  # the default wait is 600 s


HOLDER = r'''
import sys
from pathlib import Path
from monitor.storage.db import make_engine
from monitor.storage.locks import exclusive
engine = make_engine(sys.argv[1])
with exclusive(engine, "evaluation", wait=30, what="the holder"):
    Path(sys.argv[2]).touch()
    import time
    time.sleep(600)
'''


def test_a_run_killed_while_holding_the_lock_leaves_it_free_for_the_next(database_url, engine, tmp_path):
    held = tmp_path / "held"
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, database_url, str(held)],
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 60
        while not held.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "the holder did not take the lock"
            time.sleep(0.05)
        with pytest.raises(LockTimeout):
            with exclusive(engine, "evaluation", wait=0.3, what="the second run"):
                pass
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        with exclusive(engine, "evaluation", wait=30, what="the run after the crash"):
            pass
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
