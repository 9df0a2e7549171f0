"""Alerting benchmark: every county told at national scale, through loopback robots with the real limits.

The national data set of ``benchmarks/national.py`` (2,844 counties × 40 indicators × 60 months, generated into its
own database, reused with ``--reuse``), one receiver and one route per county (``--channels mixed``: even counties a
WeCom robot, odd ones a signed DingTalk robot; or all ``wecom`` / all ``dingtalk``), and loopback robots
(``benchmarks/robots_farm.py``: one server per channel, one robot per key or token, 50 ms before each answer, 20
messages a minute per robot, throttle answers beyond that, every request recorded). Three measurements
(``--runs``), each from a clean state (no alerts, notices or outbox rows; ``deliver`` starts from the outbox that
``check`` left):

- ``check``: ``monitor check --notify`` as a child process (the cron path), from its start to the last part
  delivered; the figures split it into "before delivery" (start to the first request a robot receives: reading
  and assessing the stored data, evaluating, routing, rendering and recording) and "delivery" (first request to the
  last answer).
- ``deliver`` (after ``check``): the same parts made pending again and sent by ``monitor outbox deliver`` in a fresh
  process: delivery alone.
- ``daemon``: ``monitor run`` as a child process with the assess job scheduled a few seconds after it starts; from
  the assess job's start (``job_runs``) to the last part delivered, split the same way.

Each prints: messages and parts queued and delivered, throttle answers (goal 0), the most requests that reached one
robot within any 60 s (goal ≤ 20), parts accepted twice (goal 0), TCP connections, and the goals: every county told
within 60 s end to end, the daemon within 90 s of its assess job. The load average is printed before and after each
run.

Usage (from the project root)::

    .venv/bin/python benchmarks/alerting.py --reuse                          # national, SQLite, mixed, all runs
    .venv/bin/python benchmarks/alerting.py --regions 300 --runs check       # smaller
    .venv/bin/python benchmarks/alerting.py --reuse --channels wecom --database-url postgresql+psycopg://…/bench

The first run generates the data (about 2 minutes on SQLite, 4 on PostgreSQL, which is then VACUUM ANALYZEd);
``--reuse`` keeps it. Relative SQLite paths are taken from the project root; output goes to ``benchmarks/out/``
(git-ignored). The robots run in this process, the monitor in child processes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for entry in (ROOT, ROOT / "benchmarks"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

from sqlalchemy import delete, func, select, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

import national  # noqa: E402  benchmarks/national.py: the data set and its generator
from monitor.storage import tables as tb  # noqa: E402
from robots_farm import DINGTALK_SECRET, Farm, Figures  # noqa: E402

GOAL_CHECK_S = 60.0  # every county's message delivered, `monitor check --notify` end to end
GOAL_DAEMON_S = 90.0  # the daemon: from its assess job to the last part delivered
GOAL_RATE = 20  # messages a minute per robot (WeCom and DingTalk)
NEVER = "0 0 1 1 *"
STATE_TABLES = ("delivery_attempts", "outbox", "receiver_targets", "alert_notices", "alerts", "job_runs",
                "instances")


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"


# --- the data ----------------------------------------------------------------------------------------------------


def prepare(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The national database of ``benchmarks/national.py`` (generated unless reused), with valid plans."""
    nat = argparse.Namespace(regions=args.regions, indicators=args.indicators, months=args.months, reuse=args.reuse)
    engine, needed = national.prepare_database(nat, args.database_url)
    if needed:
        print(f"generating the national data set ({args.regions:,} regions) …", flush=True)
        print(f"  took {national.generate(engine, nat):.1f} s", flush=True)
        if engine.dialect.name == "postgresql":
            national.analyze(engine)  # as a production server's statistics would be
    elif not national.plans_are_valid(engine):
        print("  the stored plans are placeholders from an older national.py: storing valid plans", flush=True)
        print(f"  took {national.replace_plans(engine, nat):.1f} s", flush=True)
    return engine


def reset_alert_state(engine) -> None:  # type: ignore[no-untyped-def]
    """No alerts, notices, outbox rows, attempts, endpoints, job runs or instances: every county is told anew."""
    with engine.begin() as conn:
        for name in STATE_TABLES:
            conn.execute(delete(tb.metadata.tables[name]))


def receivers(args: argparse.Namespace, farm_keys: dict[str, tuple[str, str]], folder: Path) -> tuple[Path, dict]:
    """The receivers file (one receiver and one route per county) and the environment it names."""
    codes = national.region_codes(args.regions)
    lines, routes, env = ["receivers:"], [], {"BENCH_DINGTALK_SECRET": DINGTALK_SECRET}
    for code in codes:
        kind, url = farm_keys[code]
        var = f"BENCH_{code}_URL"
        env[var] = url
        if kind == "wecom":
            lines.append(f"  - name: c{code}\n    wecom: {{url_env: {var}}}")
        else:
            lines.append(f"  - name: c{code}\n    dingtalk: {{url_env: {var}, secret_env: BENCH_DINGTALK_SECRET}}")
        routes.append(f"    - matchers: {{region_code: \"{code}\"}}\n      receiver: c{code}")
    lines.append(f"route:\n  receiver: c{codes[0]}\n  group_by: [region]\n  routes:")
    path = folder / "receivers.yaml"
    path.write_text("\n".join(lines + routes) + "\n", encoding="utf-8")
    return path, env


def farm_for(args: argparse.Namespace) -> tuple[Farm, dict[str, tuple[str, str]]]:
    codes = national.region_codes(args.regions)
    kinds = {code: ("wecom" if args.channels == "wecom" or (args.channels == "mixed" and i % 2 == 0) else "dingtalk")
             for i, code in enumerate(codes)}
    secret = {code: hashlib.sha256(f"robot-{code}".encode()).hexdigest() for code in codes}
    farm = Farm([secret[c] for c in codes if kinds[c] == "wecom"], [secret[c] for c in codes if kinds[c] == "dingtalk"],
                latency=args.latency)
    return farm, {c: (kinds[c], secret[c]) for c in codes}


# --- the runs ----------------------------------------------------------------------------------------------------


def child_env(args: argparse.Namespace, receivers_file: Path, robot_env: dict, folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(robot_env)
    env.update({
        "MONITOR_DATABASE_URL": args.database_url, "MONITOR_RULES_DIR": str(ROOT / "rules"),
        "MONITOR_RECEIVERS_FILE": str(receivers_file), "MONITOR_PLANS_DIR": str(folder / "plans"),
        "MONITOR_LOCK_FILE": str(folder / "monitor.lock"), "MONITOR_LOG_LEVEL": "WARNING",
        "MONITOR_SCHEDULE__REMINDERS": NEVER, "MONITOR_SCHEDULE__DIGEST": NEVER, "MONITOR_SCHEDULE__INBOX": NEVER,
        "PYTHONPATH": str(ROOT),
    })
    (folder / "plans").mkdir(exist_ok=True)
    return env


def outbox_figures(engine) -> dict:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        statuses = dict(conn.execute(select(tb.outbox.c.status, func.count()).group_by(tb.outbox.c.status)).all())
        batches = conn.execute(select(tb.outbox.c.batch, tb.outbox.c.status)).all()
        first_attempt = conn.execute(select(func.min(tb.delivery_attempts.c.started_at))).scalar()
        receivers_of = conn.execute(select(tb.outbox.c.receiver, tb.outbox.c.batch).distinct()).all()
        kinds = dict(conn.execute(select(tb.outbox.c.kind, func.count(tb.outbox.c.batch.distinct()))
                                  .group_by(tb.outbox.c.kind)).all())
        alerts = dict(conn.execute(select(tb.alerts.c.state, func.count()).group_by(tb.alerts.c.state)).all())
    by_batch: dict[str, set[str]] = {}
    for batch, status in batches:
        by_batch.setdefault(batch, set()).add(status)
    told: dict[str, bool] = {}
    for receiver, batch in receivers_of:
        told[receiver] = told.get(receiver, True) and by_batch[batch] <= {"sent", "split"} and "sent" in by_batch[batch]
    return {"parts": sum(statuses.values()), "statuses": statuses, "messages": len(by_batch),
            "messages_delivered": sum(1 for s in by_batch.values() if s <= {"sent", "split"} and "sent" in s),
            "kinds": kinds, "counties_told": sum(told.values()), "alerts": alerts,
            "first_attempt": first_attempt.timestamp() if first_attempt else None}


def farm_env(args: argparse.Namespace, farm, keys: dict, folder: Path) -> dict:  # type: ignore[no-untyped-def]
    """The environment of a `monitor` child process whose receivers are the farm's robots, one per county."""
    urls = {county: (kind, farm.wecom_url(secret) if kind == "wecom" else farm.dingtalk_url(secret))
            for county, (kind, secret) in keys.items()}
    receivers_file, robot_env = receivers(args, urls, folder)
    return child_env(args, receivers_file, robot_env, folder)


def run_check(args: argparse.Namespace, engine, folder: Path) -> dict:  # type: ignore[no-untyped-def]
    reset_alert_state(engine)
    farm, keys = farm_for(args)
    with farm:
        env = farm_env(args, farm, keys, folder)
        before = load()
        print(f"monitor check --notify (load {before}) …", flush=True)
        started = time.time()
        proc = subprocess.run([*national.monitor_command(), "check", "--notify", "--fail-on", "never",
                               "--format", "csv"], env=env, cwd=folder, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
        ended = time.time()
        figures = farm.figures()
    result = summarise("check", started, ended, figures, outbox_figures(engine), before, load())
    result["exit_code"] = proc.returncode
    result["stderr_tail"] = proc.stderr.strip().splitlines()[-6:]
    return result


def run_deliver(args: argparse.Namespace, engine, folder: Path) -> dict:  # type: ignore[no-untyped-def]
    """Delivery alone: the parts the previous run queued, pending again, sent by ``monitor outbox deliver``."""
    with engine.begin() as conn:
        queued = conn.execute(select(func.count()).select_from(tb.outbox)).scalar()
        if not queued:
            raise SystemExit("--runs deliver needs a queued outbox: run check first (--runs check,deliver)")
        conn.execute(delete(tb.delivery_attempts))
        conn.execute(delete(tb.receiver_targets))
        conn.execute(update(tb.outbox).values(status="pending", attempts=0, next_attempt_at=tb.outbox.c.created_at,
                                              claimed_at=None, claimed_by=None, sent_at=None, http_status=None,
                                              errcode=None, errmsg=None, error=None))
    farm, keys = farm_for(args)
    with farm:
        env = farm_env(args, farm, keys, folder)
        before = load()
        print(f"monitor outbox deliver, {queued:,} parts (load {before}) …", flush=True)
        started = time.time()
        proc = subprocess.run([*national.monitor_command(), "outbox", "deliver"], env=env, cwd=folder,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        ended = time.time()
        figures = farm.figures()
    result = summarise("deliver", started, ended, figures, outbox_figures(engine), before, load())
    result["exit_code"] = proc.returncode
    result["stderr_tail"] = (proc.stdout + proc.stderr).strip().splitlines()[-6:]
    return result


def run_daemon(args: argparse.Namespace, engine, folder: Path) -> dict:  # type: ignore[no-untyped-def]
    reset_alert_state(engine)
    farm, keys = farm_for(args)
    with farm:
        env = farm_env(args, farm, keys, folder)
        fire = datetime.now().astimezone() + timedelta(seconds=args.daemon_start_s)
        # six fields, seconds first, in the daemon's time zone: once, a few seconds after it has started
        local = fire.astimezone(_zone())
        env["MONITOR_SCHEDULE__ASSESS"] = f"{local.second} {local.minute} {local.hour} * * *"
        before = load()
        print(f"monitor run, assess at {local:%H:%M:%S} (load {before}) …", flush=True)
        log_path = folder / "daemon.log"
        with open(log_path, "w") as log_file:
            proc = subprocess.Popen([*national.monitor_command(), "run"], env=env, cwd=folder, stdout=log_file,
                                    stderr=subprocess.STDOUT)
            try:
                assess_started, assess_done = wait_for_delivery(engine, proc, args.daemon_timeout_s)
            finally:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
        figures = farm.figures()
    result = summarise("daemon", assess_started or time.time(), time.time(), figures, outbox_figures(engine), before,
                       load())
    result["assess_job_s"] = (assess_done - assess_started) if assess_started and assess_done else None
    result["daemon_log_tail"] = log_path.read_text(errors="replace").strip().splitlines()[-6:]
    return result


def _zone():  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    return ZoneInfo(os.environ.get("MONITOR_TIMEZONE", "Asia/Shanghai"))


def wait_for_delivery(engine, proc,  # type: ignore[no-untyped-def]
                      timeout: float) -> tuple[float | None, float | None]:
    """Wait until the assess job has run and nothing is left to send; its start and end (time.time())."""
    deadline = time.time() + timeout
    started = finished = None
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.5)
        with engine.connect() as conn:
            row = conn.execute(select(tb.job_runs.c.started_at, tb.job_runs.c.finished_at, tb.job_runs.c.outcome)
                               .where(tb.job_runs.c.job_id == "assess").order_by(tb.job_runs.c.id).limit(1)).first()
            if row is None:
                continue
            started = row.started_at.timestamp()
            if row.outcome == "running":
                continue
            finished = row.finished_at.timestamp() if row.finished_at else None
            left = conn.execute(select(func.count()).select_from(tb.outbox)
                                .where(tb.outbox.c.status.in_(["pending", "sending"]))).scalar()
            if not left:
                return started, finished
    return started, finished


def summarise(name: str, started: float, ended: float, figures: Figures, outbox: dict, before: str,
              after: str) -> dict:
    last = figures.last_answer
    first = figures.first_arrival
    return {
        "run": name, "load_before": before, "load_after": after,
        "total_s": (last - started) if last else None,
        "before_delivery_s": (first - started) if first else None,
        "delivery_s": (last - first) if first and last else None,
        "process_s": ended - started,
        "outbox": outbox, "robots": asdict(figures),
    }


# --- report ------------------------------------------------------------------------------------------------------


def report(args: argparse.Namespace, results: list[dict]) -> None:
    def s(x: float | None) -> str:
        return "—" if x is None else f"{x:,.1f} s"

    print()
    print(f"alerting benchmark: {args.regions:,} counties, channels {args.channels}, robots answer in "
          f"{args.latency * 1000:.0f} ms, {make_url(args.database_url).get_backend_name()}")
    for r in results:
        goal = GOAL_DAEMON_S if r["run"] == "daemon" else GOAL_CHECK_S
        label = {"check": "monitor check --notify", "deliver": "monitor outbox deliver (delivery alone, same parts)",
                 "daemon": "daemon, from its assess job"}[r["run"]]
        ob, rb = r["outbox"], r["robots"]
        met = (r["total_s"] is not None and r["total_s"] < goal and ob["counties_told"] == args.regions
               and ob["messages_delivered"] == ob["messages"] and rb["throttled"] == 0 and rb["duplicates"] == 0
               and rb["max_per_minute"] <= GOAL_RATE)
        print(f"\n{label}  (load before {r['load_before']}, after {r['load_after']})")
        print(f"  total to the last part delivered  {s(r['total_s']):>10}   goal < {goal:.0f} s   "
              f"{'met' if met else 'NOT MET'}")
        print(f"    before delivery                 {s(r['before_delivery_s']):>10}   (assess, evaluate, route, "
              "render, record)")
        print(f"    delivery                        {s(r['delivery_s']):>10}   (first request to last answer)")
        print(f"  counties told (every message)     {ob['counties_told']:>10,}   goal {args.regions:,}")
        print(f"  messages delivered                {ob['messages_delivered']:>10,} of {ob['messages']:,} queued "
              f"{ob['kinds']} for {sum(ob['alerts'].values()):,} alerts")
        print(f"  parts accepted by the robots      {rb['accepted']:>10,} of {ob['parts']:,} queued "
              f"(outbox: {ob['statuses']})")
        print(f"  throttle answers                  {rb['throttled']:>10,}   goal 0")
        print(f"  other error answers               {rb['other_errors']:>10,}")
        print(f"  most requests to one robot in 60 s{rb['max_per_minute']:>10,}   goal ≤ {GOAL_RATE}")
        print(f"  parts accepted twice              {rb['duplicates']:>10,}   goal 0")
        print(f"  TCP connections                   {rb['connections']:>10,}   for {rb['requests']:,} requests")
        if rb["answer_ms_median"] is not None:
            print(f"  robots: answer in {rb['answer_ms_median']:.0f} ms (median), requests in hand "
                  f"{rb['in_hand_mean']:.1f} on average, {rb['in_hand_max']} at most")
        if r.get("exit_code") not in (None, 0):
            print(f"  exit code {r['exit_code']}: {r.get('stderr_tail')}")
        if r.get("assess_job_s") is not None:
            print(f"  the assess job itself took        {s(r['assess_job_s']):>10}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--regions", type=int, default=2844)
    parser.add_argument("--indicators", type=int, default=40)
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--database-url", default=None,
                        help="default sqlite:///benchmarks/out/alerting-REGIONS.db; relative SQLite paths are taken "
                             "from the project root")
    parser.add_argument("--reuse", action="store_true", help="reuse generated data of the same size")
    parser.add_argument("--channels", choices=["mixed", "wecom", "dingtalk"], default="mixed")
    parser.add_argument("--runs", default="check,deliver,daemon", help="which measurements, comma-separated")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds each robot takes to answer")
    parser.add_argument("--daemon-start-s", type=float, default=20.0,
                        help="schedule the daemon's assess job this long after starting it")
    parser.add_argument("--daemon-timeout-s", type=float, default=600.0)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    if args.database_url is None:
        args.database_url = f"sqlite:///benchmarks/out/alerting-{args.regions}.db"
    url = make_url(args.database_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).is_absolute():
        args.database_url = f"sqlite:///{ROOT / url.database}"
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.chdir(ROOT)
    (ROOT / "benchmarks" / "out").mkdir(parents=True, exist_ok=True)
    engine = prepare(args)
    results = []
    with tempfile.TemporaryDirectory(prefix="alerting-") as tmp:
        for run in [r.strip() for r in args.runs.split(",") if r.strip()]:
            folder = Path(tmp) / run
            folder.mkdir()
            measure = {"check": run_check, "deliver": run_deliver, "daemon": run_daemon}[run]
            results.append(measure(args, engine, folder))
    engine.dispose()
    report(args, results)
    backend = make_url(args.database_url).get_backend_name()
    out = args.json_out or ROOT / "benchmarks" / "out" / f"alerting-{args.regions}-{args.channels}-{backend}.json"
    out.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "results": results,
                               "at": datetime.now(timezone.utc).isoformat()}, ensure_ascii=False, indent=2))
    print(f"\nfigures written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
