"""A small run of the fault-injection suite (benchmarks/faults.py) on SQLite and PostgreSQL: its goals hold.

The script runs as it would by hand, once per database, both at once: each scenario starts real `monitor outbox
deliver` / `monitor run` processes against loopback robots that answer in 0.2–1 s, with one robot that hangs; the
killing scenarios kill the process with SIGKILL 5 times, each 0–2.5 s after its first request reached a robot.
Goals: no part lost, at most one duplicate per kill at each robot (every duplicate traced to a kill), none without
a crash.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

KILLS = 5
SCENARIOS = ("deliverer-kills", "one-worker-kills", "daemon-kills", "side-by-side")


def databases(request: pytest.FixtureRequest, sqlite_url: str) -> dict[str, str]:
    """SQLite always; PostgreSQL where the tests reach a server (conftest decides, and fails under CI)."""
    urls = {"sqlite": sqlite_url}
    try:
        urls["postgresql"] = request.getfixturevalue("postgres_url")
    except pytest.skip.Exception:
        pass
    return urls


def test_a_small_fault_injection_run_loses_nothing_and_sends_twice_only_what_a_kill_left_in_flight(
        request, sqlite_url, tmp_path):
    runs = {}
    for name, url in databases(request, sqlite_url).items():
        out = tmp_path / f"{name}.json"
        command = [sys.executable, str(ROOT / "benchmarks" / "faults.py"), "--quick", "--kills", str(KILLS),
                   "--seed", "12", "--database-url", url, "--json", str(out)]
        runs[name] = (out, subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}))
    for name, (out, proc) in runs.items():
        printed, _ = proc.communicate(timeout=900)
        assert out.exists(), printed[-3000:]
        outcomes = {o["scenario"]: o for o in json.loads(out.read_text(encoding="utf-8"))}
        assert set(outcomes) == set(SCENARIOS) and outcomes["side-by-side"]["database"] in name, printed[-3000:]
        for scenario, o in outcomes.items():
            assert o["parts"] > 0 and o["lost"] == 0 and o["failed_rows"] == 0, (scenario, printed[-3000:])
            if scenario == "side-by-side":
                assert o["kills"] == 0 and o["duplicates"] == 0, (scenario, printed[-3000:])
            else:
                assert o["kills"] == KILLS, (scenario, printed[-3000:])
                assert o["in_flight_at_kills"] > 0, (scenario, printed[-3000:])  # the kills caught requests
                assert o["worst_one_kill_one_robot"] <= 1 and o["unexplained"] == 0, (scenario, printed[-3000:])
                assert o["duplicates"] <= o["in_flight_at_kills"], (scenario, printed[-3000:])
                if scenario == "one-worker-kills":  # MONITOR_DELIVERY_WORKERS=1: one part in flight in all
                    assert o["worst_one_kill"] <= 1 and o["duplicates"] <= o["kills"], (scenario, printed[-3000:])
            assert o["crashes"] == 0 and o["ok"], (scenario, printed[-3000:])
        assert proc.returncode == 0 and "all goals hold" in printed, printed[-3000:]
