"""Time how long `monitor` commands take to start and finish, each in a fresh process, and the warm `make demo`.

Every command runs once as a warm-up (the OS file cache, .pyc files), then ``--runs`` times; the script prints the
minimum and the median wall time of each beside its goal (issue 11), the time this machine takes to import the
libraries every data command needs (the floor under `monitor check`), and the machine's load average before and
after, since a busy machine slows every figure. It needs the project's venv (``make install``); the demo database
``data/demo.db`` is made by running ``make demo`` once when it is missing. Run from anywhere::

    .venv/bin/python benchmarks/startup.py                 # 10 runs per command, 3 warm `make demo` runs
    .venv/bin/python benchmarks/startup.py --runs 20 --demo-runs 0

Nothing here asserts; the figures are for people (and for docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO_DB = ROOT / "data" / "demo.db"
AS_OF = "2026-07-15"  # the Makefile's DEMO_AS_OF

# (label, arguments after `monitor`, goal in seconds or None, exit codes that count as a normal run)
COMMANDS: list[tuple[str, list[str], float | None, set[int]]] = [
    ("monitor --help", ["--help"], 0.3, {0}),
    ("monitor actuals --help", ["actuals", "--help"], 0.3, {0}),
    ("monitor check --help", ["check", "--help"], 0.3, {0}),
    ("monitor config show", ["config", "show"], None, {0}),
    (f"monitor check --as-of {AS_OF}", ["check", "--as-of", AS_OF], 0.8, {0, 1, 2}),
]
DEMO_GOAL = 4.0
# Beside the commands, what this machine takes to start Python and import the libraries `monitor check` cannot do
# without (the data stack, the database layer, the settings): the part of each figure that is not the monitor's.
FLOOR = ("floor: the libraries alone",
         [sys.executable, "-c", "import pandas, sqlalchemy, pydantic_settings"])


def monitor_command() -> list[str]:
    """The venv's `monitor` script beside this Python (as `make demo` runs it), else ``python -m monitor``."""
    script = Path(sys.executable).with_name("monitor")
    return [str(script)] if script.exists() else [sys.executable, "-m", "monitor"]


def timed(argv: list[str], env: dict[str, str], ok: set[int]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode not in ok:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr.decode(errors='replace')}")
    return elapsed


def make_demo(env: dict[str, str]) -> float:
    return timed(["make", "-s", "demo"], env, {0})


def load() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def line(label: str, times: list[float], goal: float | None) -> str:
    best, median = min(times), statistics.median(times)
    verdict = "—" if goal is None else ("met" if median < goal else "NOT met")
    target = "" if goal is None else f"< {goal:.1f} s"
    return f"{label:<38} {best:7.3f} {median:8.3f}   {target:<8} {verdict}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="timed runs per command (default 10)")
    parser.add_argument("--demo-runs", type=int, default=3, help="timed warm `make demo` runs (default 3; 0 skips)")
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env["MONITOR_DATABASE_URL"] = f"sqlite:///{DEMO_DB.relative_to(ROOT)}"  # as the Makefile sets it
    if shutil.which("make") is None and (args.demo_runs or not DEMO_DB.exists()):
        raise SystemExit("make is needed for `make demo`")

    print(f"Python {platform.python_version()} on {platform.system()} {platform.machine()}; {load()}")
    demo_times: list[float] = []
    if args.demo_runs or not DEMO_DB.exists():
        make_demo(env)  # creates data/demo.db and warms the demo's files; the timed runs below are warm
    for _ in range(args.demo_runs):
        demo_times.append(make_demo(env))

    monitor = monitor_command()
    print(f"\n{args.runs} runs each after one warm-up, fresh process per run, seconds; database {DEMO_DB}")
    print(f"{'command':<38} {'min':>7} {'median':>8}   {'goal':<8} (median)")
    for label, extra, goal, ok in COMMANDS:
        timed(monitor + extra, env, ok)
        times = [timed(monitor + extra, env, ok) for _ in range(args.runs)]
        print(line(label, times, goal))
    if demo_times:
        print(line(f"make demo (warm, {len(demo_times)} runs)", demo_times, DEMO_GOAL))
    label, argv = FLOOR
    timed(argv, env, {0})
    print(line(label, [timed(argv, env, {0}) for _ in range(args.runs)], None))
    print(f"\n{load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
