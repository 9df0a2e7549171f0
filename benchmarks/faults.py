"""Fault injection: deliverers killed at random moments, slow and hanging robots, two daemons at once.

Loopback robots (``benchmarks/robots_farm.py``): WeCom and signed DingTalk robots with their real limits (20
messages a minute each) that take 0.2–1 s to answer, and one WeCom robot that hangs (accepts the connection and
never answers; the channel times out after 10 s). The harness queues numbered messages (most of one part, every
fifth split into several small parts; every line carries a marker) straight into the outbox, keeps each robot
supplied while the scenario runs, and counts per part how many times its robot accepted it. Scenarios, each on an
emptied outbox:

- ``deliverer-kills`` (a): ``monitor outbox deliver`` is started again and again and killed with SIGKILL at a
  random moment of its delivery (0–2.5 s after its first request reaches a robot), until ``--kills`` kills.
- ``one-worker-kills``: the deliverer again, with ``MONITOR_DELIVERY_WORKERS=1`` (one request in flight in all):
  the setting for a site that wants at most one re-sent part per crash in all, not per robot.
- ``daemon-kills`` (b): the same with ``monitor run`` (the deliver job every second).
- ``side-by-side`` (c): two daemons (PostgreSQL: one active, one standby; SQLite refuses the second) and two
  ``monitor outbox deliver`` loops at once, no kill; then SIGTERM.

After the faults the hanging robot answers again and the harness drains the outbox in-process: every waiting part
is made due, and since every killed process is dead its claims are taken at once (as they would be 45 s later,
when their lease runs out). Then it prints, per scenario: parts, lost (never accepted), duplicates (accepted more
than once), the parts that were in flight at the kills, and the worst number of duplicates one kill caused at one
robot (each duplicate is traced to the kill that left its attempt unfinished; one left by no kill is
"unexplained"). Goals: 0 lost; no monitor process fails by itself (an exit 4, a daemon that ignores SIGTERM); at
most one duplicate per kill at each robot (a deliverer has one request in flight per robot, README "Delivery"),
none unexplained; with one worker, at most one duplicate per kill in all; 0 duplicates without a crash. The exit
code is 0 when every goal holds. The duplicates of all robots together per kill are printed beside it: one kill of
a deliverer that is serving many robots at once re-sends up to one part to each of them.

Usage (from the project root)::

    .venv/bin/python benchmarks/faults.py                       # SQLite in a temporary folder, 30 kills each
    .venv/bin/python benchmarks/faults.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/faults
    .venv/bin/python benchmarks/faults.py --quick --kills 5     # fewer robots and parts (tests/test_faults_quick.py)

``--json FILE`` also writes each scenario's figures and goals (tests/test_faults_quick.py reads it).
``--database-url`` names a scratch database: its outbox, attempts, endpoints, job runs and instances are emptied
before each scenario. The robots and the harness run in this process, the monitor in child processes.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for entry in (ROOT, ROOT / "benchmarks"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

from sqlalchemy import delete, select, update  # noqa: E402

from monitor.alerts.receivers import load_receivers  # noqa: E402
from monitor.channels.base import Message  # noqa: E402
from monitor.delivery import deliver as deliver_module  # noqa: E402
from monitor.delivery import ledger  # noqa: E402
from monitor.delivery.channels import build_channels  # noqa: E402
from monitor.settings import SmtpSettings  # noqa: E402
from monitor.storage import outbox_store as ob  # noqa: E402
from monitor.storage import tables as tb  # noqa: E402
from monitor.storage.db import make_engine, upgrade  # noqa: E402
from robots_farm import DINGTALK_SECRET, SlowDingTalkRobots, SlowWeComRobots  # noqa: E402
from tests.robots import WeComRobot, Window  # noqa: E402

SCENARIOS = ("deliverer-kills", "one-worker-kills", "daemon-kills", "side-by-side")
LATENCY = (0.2, 1.0)  # seconds a robot takes to answer
KILL_WINDOW = 2.5  # a kill comes 0–2.5 s after the process's first request reaches a robot
NEVER = "0 0 1 1 *"
STATE_TABLES = ("delivery_attempts", "outbox", "receiver_targets", "job_runs", "instances")
MARKER = re.compile(r"〔(F\d{6})〕")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def load() -> str:
    path = Path("/proc/loadavg")
    return " ".join(path.read_text().split()[:3]) if path.exists() else "?"


@dataclass
class Size:
    wecom: int  # robots of each service
    dingtalk: int
    backlog: int  # messages queued for each robot at the start
    topped_up_below: int  # a robot with fewer unfinished parts than this gets another message
    side_by_side_s: float  # how long scenario (c) runs
    drain_s: float  # at most this long for the final drain


FULL = Size(wecom=6, dingtalk=6, backlog=4, topped_up_below=4, side_by_side_s=45, drain_s=300)
QUICK = Size(wecom=3, dingtalk=3, backlog=3, topped_up_below=3, side_by_side_s=10, drain_s=180)


@dataclass
class Outcome:
    scenario: str
    database: str
    kills: int = 0
    starts: int = 0
    parts: int = 0
    robots: int = 0
    accepted: int = 0
    lost: int = 0
    duplicates: int = 0
    in_flight_at_kills: int = 0
    worst_one_kill_one_robot: int = 0
    worst_one_kill: int = 0
    unexplained: int = 0
    failed_rows: int = 0
    crashes: int = 0  # monitor processes that ended with an error of their own (not killed by the harness)
    seconds: float = 0.0
    drain_seconds: float = 0.0
    load_before: str = ""
    load_after: str = ""
    notes: list[str] = field(default_factory=list)
    one_worker: bool = False  # MONITOR_DELIVERY_WORKERS=1: at most one part in flight in all

    def goals(self) -> dict[str, bool]:
        goals = {"0 lost": self.lost == 0, "no process failed by itself": self.crashes == 0}
        if self.kills:
            goals["<= 1 duplicate per kill at each robot"] = (self.worst_one_kill_one_robot <= 1
                                                              and self.unexplained == 0)
            if self.one_worker:
                goals["<= 1 duplicate per kill in all"] = self.worst_one_kill <= 1 and self.unexplained == 0
        else:
            goals["0 duplicates without a crash"] = self.duplicates == 0
        return goals

    @property
    def ok(self) -> bool:
        return all(self.goals().values())

    def lines(self) -> list[str]:
        per_kill = f" ({self.duplicates / self.kills:.2f} per kill)" if self.kills else ""
        out = [f"{self.scenario} on {self.database}: {self.kills} kills in {self.starts} starts; "
               f"{self.parts} parts to {self.robots} robots (one hanging, answers {LATENCY[0]:g}-{LATENCY[1]:g} s)",
               f"  accepted {self.accepted}: lost {self.lost}, duplicates {self.duplicates}{per_kill}, "
               f"failed rows {self.failed_rows}, processes failed by themselves {self.crashes}"]
        if self.kills:
            out.append(f"  parts in flight at the kills {self.in_flight_at_kills}; worst duplicates from one kill: "
                       f"{self.worst_one_kill_one_robot} at one robot, {self.worst_one_kill} at all robots "
                       f"together; unexplained duplicates {self.unexplained}")
        out.append("  goals: " + "; ".join(f"{name}: {'yes' if held else 'NO'}"
                                           for name, held in self.goals().items()))
        out.append(f"  took {self.seconds:.0f} s (the final drain {self.drain_seconds:.0f} s); "
                   f"load {self.load_before} -> {self.load_after}")
        out += [f"  note: {note}" for note in self.notes]
        return out


def _quiet(request: object, client_address: object) -> None:
    """socketserver prints a traceback for every connection a killed deliverer dropped; they are expected here."""


@dataclass
class Part:
    receiver: str
    outbox_id: int
    marker: str  # the first marker it carries


class Bench:
    """The robots, the receivers file and environment, the database, and the parts queued so far."""

    def __init__(self, database_url: str, folder: Path, size: Size, seed: int):
        self.database_url, self.folder, self.size = database_url, folder, size
        self.rng = random.Random(seed)
        self.wecom_keys = [f"faults-wecom-{i:02d}-{seed % 10_000:04d}" for i in range(size.wecom)]
        self.dingtalk_tokens = [f"faults{i:02d}dingtalk{seed % 10_000:04d}" + "0" * 16 for i in range(size.dingtalk)]
        self.wecom = SlowWeComRobots(self.wecom_keys, latency=LATENCY, seed=seed)
        self.dingtalk = SlowDingTalkRobots(self.dingtalk_tokens, latency=LATENCY, seed=seed + 1)
        self.hanging = WeComRobot(key="faults-hanging-robot-0000")
        self.engine = make_engine(database_url)
        upgrade(self.engine)
        self.parts: list[Part] = []
        self._messages = 0

    def __enter__(self) -> Bench:
        for robot in (self.wecom, self.dingtalk, self.hanging):
            robot.up()
            robot._server.handle_error = _quiet  # type: ignore[union-attr]  # a killed client's broken pipe
        self.hanging.go_silent()
        self.env, self.channels = self._receivers()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.hanging.speak_again()
        for robot in (self.wecom, self.dingtalk, self.hanging):
            robot.down()
        self.engine.dispose()

    # set-up ---------------------------------------------------------------------------------------------------
    def _receivers(self) -> tuple[dict[str, str], dict]:
        lines, env = ["receivers:"], {"FAULTS_DINGTALK_SECRET": DINGTALK_SECRET}
        for i, key in enumerate(self.wecom_keys):
            env[f"FAULTS_WECOM_{i}"] = self.wecom.url_for(key)
            lines.append(f"  - name: wecom{i}\n    wecom: {{url_env: FAULTS_WECOM_{i}}}")
        for i, token in enumerate(self.dingtalk_tokens):
            env[f"FAULTS_DINGTALK_{i}"] = self.dingtalk.url_for(token)
            lines.append(f"  - name: dingtalk{i}\n    dingtalk: {{url_env: FAULTS_DINGTALK_{i}, "
                         "secret_env: FAULTS_DINGTALK_SECRET}")
        env["FAULTS_HANGING"] = self.hanging.url
        lines.append("  - name: hanging\n    wecom: {url_env: FAULTS_HANGING}")
        lines.append("route:\n  receiver: wecom0")
        path = self.folder / "receivers.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        channels = build_channels(load_receivers(path), SmtpSettings(), env)
        env.update({
            "MONITOR_DATABASE_URL": self.database_url, "MONITOR_RECEIVERS_FILE": str(path),
            "MONITOR_RULES_DIR": str(ROOT / "rules"), "MONITOR_PLANS_DIR": str(ROOT / "config" / "plans"),
            "MONITOR_LOCK_FILE": str(self.folder / "monitor.lock"),
            "MONITOR_SCHEDULE__ASSESS": NEVER, "MONITOR_SCHEDULE__DELIVER": "* * * * * *",
            "MONITOR_SCHEDULE__REMINDERS": NEVER, "MONITOR_SCHEDULE__DIGEST": NEVER, "MONITOR_SCHEDULE__INBOX": NEVER,
            "PYTHONPATH": str(ROOT),
        })
        return env, channels

    def reset(self) -> None:
        """An empty outbox and no record of earlier runs; the robots forget what they took."""
        with self.engine.begin() as conn:
            for name in STATE_TABLES:
                conn.execute(delete(tb.metadata.tables[name]))
        for robots in (self.wecom, self.dingtalk, self.hanging):
            with robots._lock:
                robots.requests.clear()
                robots.accepted.clear()
                robots.window = Window(20, 60, robots.clock)
                if hasattr(robots, "accepted_by"):
                    robots.accepted_by.clear()
                    robots.windows = {key: Window(20, 60, robots.clock) for key in robots.windows}
                if hasattr(robots, "throttled"):
                    robots.throttled = {key: float("-inf") for key in robots.throttled}
        self.hanging.go_silent()
        self.parts = []

    # the parts ------------------------------------------------------------------------------------------------
    def receivers(self) -> list[str]:
        return [f"wecom{i}" for i in range(self.size.wecom)] + [f"dingtalk{i}" for i in range(self.size.dingtalk)]

    def queue(self, receiver: str) -> None:
        """One message to ``receiver``: one part, or (every fifth) several small ones; every line marked."""
        self._messages += 1
        number = self._messages
        channel = self.channels[receiver]
        long = number % 5 == 0
        lines = [f"- 〔F{number * 100 + line:06d}〕 第{line + 1}行：地区生产总值增速落后序时进度"
                 for line in range(12 if long else 1)]
        message = Message(title=f"故障注入第{number}条", text=f"## 故障注入第{number}条\n" + "\n".join(lines))
        budget = 400 if long else None
        payloads = channel.parts(message, budget)
        with self.engine.begin() as conn:
            ids = ob.enqueue(conn, receiver=receiver, channel=channel.kind, target=channel.target(), kind="firing",
                             group_key=f"{receiver}:{number}", message=message, payloads=payloads,
                             budget=budget or channel.max_bytes, fingerprints=[], now=utc_now())
        for outbox_id, payload in zip(ids, payloads):
            found = MARKER.findall(json.dumps(payload, ensure_ascii=False))
            self.parts.append(Part(receiver, outbox_id, found[0]))

    def top_up(self) -> None:
        """Another message for each robot with fewer than ``topped_up_below`` unfinished parts."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(tb.outbox.c.receiver).where(
                tb.outbox.c.status.in_([ob.PENDING, ob.SENDING]))).scalars().all()
        unfinished = Counter(rows)
        for receiver in self.receivers():
            if unfinished[receiver] < self.size.topped_up_below:
                self.queue(receiver)

    def start(self) -> None:
        for receiver in self.receivers():
            for _ in range(self.size.backlog):
                self.queue(receiver)
        for _ in range(2):
            self.queue("hanging")

    def requests_seen(self) -> int:
        return len(self.wecom.requests) + len(self.dingtalk.requests) + len(self.hanging.requests)

    # child processes ------------------------------------------------------------------------------------------
    def spawn(self, *args: str, name: str) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen([sys.executable, "-m", "monitor", *args], cwd=self.folder, stdout=log,
                                stderr=subprocess.STDOUT, env=self._child_env())
        log.close()
        proc.log_path = self.folder / f"{name}.log"  # type: ignore[attr-defined]
        return proc

    def last_error(self, proc: subprocess.Popen) -> str:
        """The last line a child printed (its one-line error when it exited with one)."""
        path: Path = proc.log_path  # type: ignore[attr-defined]
        lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        return lines[-1][:300] if lines else "(nothing printed)"

    def _child_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        env.update(self.env)
        return env

    # the end --------------------------------------------------------------------------------------------------
    def drain(self, claims_stale: bool) -> bool:
        """Send everything left (the hanging robot answers again); True when nothing is left unfinished."""
        self.hanging.speak_again()
        lease = ledger.LEASE
        if claims_stale:  # every killed process is dead: its claims would go stale when their lease ran out
            ledger.LEASE = timedelta(0)
        deadline = time.monotonic() + self.size.drain_s
        try:
            while time.monotonic() < deadline:
                with self.engine.begin() as conn:
                    conn.execute(update(tb.outbox).where(tb.outbox.c.status == ob.PENDING)
                                 .values(next_attempt_at=utc_now()))
                    conn.execute(update(tb.receiver_targets).values(blocked_until=None))
                deliver_module.deliver_due(self.engine, self.channels, utc_now, worker="drain")
                with self.engine.connect() as conn:
                    left = conn.execute(select(tb.outbox.c.id).where(
                        tb.outbox.c.status.in_([ob.PENDING, ob.SENDING])).limit(1)).first()
                if left is None:
                    return True
                time.sleep(1.0)  # rate windows: the next minute's sends
            return False
        finally:
            ledger.LEASE = lease

    def accepted_markers(self) -> Counter:
        bodies: list = []
        for robots in (self.wecom, self.dingtalk):
            with robots._lock:
                bodies += [b for taken in robots.accepted_by.values() for b in taken]
        with self.hanging._lock:
            bodies += list(self.hanging.accepted)
        counts: Counter = Counter()
        for body in bodies:
            for marker in set(MARKER.findall(json.dumps(body, ensure_ascii=False))):
                counts[marker] += 1
        return counts

    def unfinished_attempts(self) -> dict[int, list[datetime]]:
        """Attempts that were started and never recorded (their process died), by outbox id."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(tb.delivery_attempts.c.outbox_id, tb.delivery_attempts.c.started_at)
                                .where(tb.delivery_attempts.c.finished_at.is_(None))).all()
        out: dict[int, list[datetime]] = defaultdict(list)
        for outbox_id, started in rows:
            out[outbox_id].append(started if started.tzinfo else started.replace(tzinfo=timezone.utc))
        return out

    def count(self, outcome: Outcome, kills: list[tuple[datetime, datetime]]) -> None:
        accepted = self.accepted_markers()
        outcome.parts = len(self.parts)
        outcome.robots = len(self.receivers()) + 1
        outcome.accepted = sum(accepted[p.marker] for p in self.parts)
        outcome.lost = sum(1 for p in self.parts if accepted[p.marker] == 0)
        outcome.duplicates = sum(accepted[p.marker] - 1 for p in self.parts if accepted[p.marker] > 1)
        with self.engine.connect() as conn:
            outcome.failed_rows = len(conn.execute(select(tb.outbox.c.id).where(
                tb.outbox.c.status == ob.FAILED)).all())
        unfinished = self.unfinished_attempts()
        outcome.in_flight_at_kills = sum(len(times) for times in unfinished.values())
        by_kill_robot: Counter = Counter()
        by_kill: Counter = Counter()
        for part in self.parts:
            extra = accepted[part.marker] - 1
            if extra <= 0:
                continue
            culprits = sorted({index for started in unfinished.get(part.outbox_id, [])
                               for index, (began, ended) in enumerate(kills) if began <= started <= ended})
            outcome.unexplained += max(0, extra - len(culprits))
            for index in culprits[:extra]:
                by_kill_robot[(index, part.receiver)] += 1
                by_kill[index] += 1
        outcome.worst_one_kill_one_robot = max(by_kill_robot.values(), default=0)
        outcome.worst_one_kill = max(by_kill.values(), default=0)


# --- the scenarios ----------------------------------------------------------------------------------------------


def kill_repeatedly(bench: Bench, outcome: Outcome, kills: int, command: tuple[str, ...],
                    time_limit: float) -> list[tuple[datetime, datetime]]:
    """Start ``command`` again and again, each time killing it 0–KILL_WINDOW s after its first request reaches a
    robot; returns each killed process's (start, kill) times. A process that ends by itself is not a kill."""
    done: list[tuple[datetime, datetime]] = []
    deadline = time.monotonic() + time_limit
    while len(done) < kills and time.monotonic() < deadline:
        bench.top_up()
        seen = bench.requests_seen()
        began = utc_now()
        proc = bench.spawn(*command, name=f"{outcome.scenario}-{outcome.starts}")
        outcome.starts += 1
        waited = time.monotonic() + 60
        while proc.poll() is None and bench.requests_seen() == seen and time.monotonic() < waited:
            time.sleep(0.02)
        if proc.poll() is None:
            time.sleep(bench.rng.uniform(0, KILL_WINDOW))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            done.append((began, utc_now()))
        elif proc.returncode != 0:
            outcome.crashes += 1
            outcome.notes.append(f"start {outcome.starts} exited by itself with code {proc.returncode}: "
                                 f"{bench.last_error(proc)}")
    if len(done) < kills:
        outcome.notes.append(f"only {len(done)} kills within {time_limit:.0f} s")
    return done


def run_killing(bench: Bench, scenario: str, kills: int, command: tuple[str, ...], one_worker: bool = False) -> Outcome:
    outcome = Outcome(scenario, bench.engine.dialect.name, load_before=load(), one_worker=one_worker)
    began = time.monotonic()
    bench.reset()
    bench.start()
    if one_worker:
        bench.env["MONITOR_DELIVERY_WORKERS"] = "1"
    try:
        times = kill_repeatedly(bench, outcome, kills, command, time_limit=max(120.0, kills * 40.0))
    finally:
        bench.env.pop("MONITOR_DELIVERY_WORKERS", None)
    outcome.kills = len(times)
    drained = time.monotonic()
    if not bench.drain(claims_stale=True):
        outcome.notes.append("the outbox did not drain in time")
    outcome.drain_seconds = time.monotonic() - drained
    bench.count(outcome, times)
    outcome.seconds, outcome.load_after = time.monotonic() - began, load()
    return outcome


def run_side_by_side(bench: Bench) -> Outcome:
    outcome = Outcome("side-by-side", bench.engine.dialect.name, load_before=load())
    began = time.monotonic()
    bench.reset()
    bench.start()
    daemons = [bench.spawn("run", name=f"side-daemon-{n}") for n in "ab"]
    outcome.starts = 2
    stop = threading.Event()
    exits: list[int] = []

    def deliver_loop(name: str) -> None:
        while not stop.is_set():
            proc = bench.spawn("outbox", "deliver", name=f"side-{name}")
            exits.append(proc.wait())
            if proc.returncode != 0:
                outcome.crashes += 1
                outcome.notes.append(f"deliverer {name} exited with code {proc.returncode}: {bench.last_error(proc)}")

    loops = [threading.Thread(target=deliver_loop, args=(n,)) for n in "ab"]
    for loop in loops:
        loop.start()
    deadline = time.monotonic() + bench.size.side_by_side_s
    while time.monotonic() < deadline:
        bench.top_up()
        time.sleep(1.0)
    stop.set()
    for loop in loops:
        loop.join()
    crashed = False
    for n, proc in zip("ab", daemons):
        if proc.poll() is not None:
            said = bench.last_error(proc)
            outcome.notes.append(f"daemon {n} had exited with code {proc.returncode}: {said}")
            if not (proc.returncode == 3 and "another daemon is running" in said):  # SQLite keeps a second out
                outcome.crashes += 1
            continue
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(40)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            crashed = True
            outcome.crashes += 1
            outcome.notes.append(f"daemon {n} did not stop within 40 s of SIGTERM and was killed")
    outcome.starts += len(exits)
    drained = time.monotonic()
    if not bench.drain(claims_stale=crashed):
        outcome.notes.append("the outbox did not drain in time")
    outcome.drain_seconds = time.monotonic() - drained
    bench.count(outcome, [])
    outcome.seconds, outcome.load_after = time.monotonic() - began, load()
    return outcome


def run(database_url: str, kills: int, quick: bool, seed: int, scenarios: tuple[str, ...] = SCENARIOS,
        folder: Path | None = None, echo: Callable[[str], None] = print) -> list[Outcome]:
    """Every scenario in turn on ``database_url``; prints each one's figures as it ends."""
    size = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="faults-") as scratch:
        work = folder or Path(scratch)
        with Bench(database_url, work, size, seed) as bench:
            outcomes = []
            for scenario in scenarios:
                if scenario == "deliverer-kills":
                    outcome = run_killing(bench, scenario, kills, ("outbox", "deliver"))
                elif scenario == "one-worker-kills":
                    outcome = run_killing(bench, scenario, kills, ("outbox", "deliver"), one_worker=True)
                elif scenario == "daemon-kills":
                    outcome = run_killing(bench, scenario, kills, ("run",))
                else:
                    outcome = run_side_by_side(bench)
                for line in outcome.lines():
                    echo(line)
                outcomes.append(outcome)
            return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a scratch database (default: SQLite in a temporary folder)")
    parser.add_argument("--kills", type=int, default=30, help="kills in each killing scenario (default 30)")
    parser.add_argument("--quick", action="store_true", help="fewer robots and parts, a shorter side-by-side run")
    parser.add_argument("--seed", type=int, default=None, help="for the kill moments and answer times")
    parser.add_argument("--scenario", action="append", choices=SCENARIOS, help="only this one (repeatable)")
    parser.add_argument("--json", type=Path, help="also write each scenario's figures and goals to this file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")  # the drain's own lines
    seed = args.seed if args.seed is not None else random.randrange(1_000_000)
    with tempfile.TemporaryDirectory(prefix="faults-") as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'faults.db'}"
        print(f"fault injection: seed {seed}, {args.kills} kills per killing scenario, "
              f"{'quick' if args.quick else 'full'} size; load {load()}", flush=True)
        outcomes = run(url, args.kills, args.quick, seed, tuple(args.scenario or SCENARIOS), Path(folder),
                       echo=lambda line: print(line, flush=True))
    held = all(o.ok for o in outcomes)
    if args.json:
        args.json.write_text(json.dumps([{**asdict(o), "goals": o.goals(), "ok": o.ok} for o in outcomes],
                                        ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"all goals {'hold' if held else 'DO NOT hold'}; load {load()}", flush=True)
    return 0 if held else 1


if __name__ == "__main__":
    sys.exit(main())
