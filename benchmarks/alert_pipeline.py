"""Alert pipeline at national scale: load receivers → evaluate → route → render → record (up to the outbox).

Builds a synthetic national case in memory (2,844 counties × 40 monthly indicators from the generator of
``benchmarks/national.py``, assessed by ``monitor.core.assess`` as of 2025-07-01: 74,634 alerts, 26 per county),
a receivers file with one WeCom robot and one route per county (two in three match ``region_code``, one in three
the region's name; fake URLs on 127.0.0.1 that are never called: the run stops at the outbox) and a fresh
database (a temporary SQLite file, or a database of its own on a PostgreSQL server), then times each step of
``monitor check --notify`` before delivery, as ``monitor.notify.evaluate_alerts`` and ``record`` run them:

- load receivers: ``load_receivers`` on the generated receivers file (2,844 receivers, 2,844 routes);
- evaluate: rules → alerts, inhibition and silences (``monitor.notify.current_alerts``);
- route: the lifecycle, routing and grouping into messages (``monitor.alerts.lifecycle.plan_messages``);
- render: every message through the templates (``monitor.notify.render_messages``);
- record: alert states, notices and every message part in the outbox, one transaction (``monitor.notify.record``).

A second run an hour later, with everything stored, times ``evaluate_alerts`` + ``record`` (the states are read
back, nothing is new, every state is written again). Digests of the rendered messages and of the rows stored
(outbox rows without their ids and batch ids, alert states, notices; the times are fixed) let two versions of the
code be compared: the same digests mean the same messages, byte for byte, and the same rows. Wall and CPU
seconds are printed with the load average, since the machine may be shared; ``--repeat`` judges the median.

Usage (from the project root)::

    .venv/bin/python benchmarks/alert_pipeline.py                 # the national case, SQLite
    .venv/bin/python benchmarks/alert_pipeline.py --repeat 3      # the median of three first runs
    .venv/bin/python benchmarks/alert_pipeline.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python benchmarks/alert_pipeline.py --as-of 2026-03-01   # final verdicts: 113,760 announcements
    .venv/bin/python benchmarks/alert_pipeline.py --regions 300   # smaller
    .venv/bin/python benchmarks/alert_pipeline.py --profile /tmp/alerts.prof   # cProfile of the (last) first run
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
for entry in (ROOT, ROOT / "benchmarks"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sqlalchemy import select  # noqa: E402

import national  # noqa: E402  benchmarks/national.py: the indicator catalogue and value generator
from monitor.core import columns as c  # noqa: E402

GOAL_PIPELINE_S = 10.0  # evaluate + route + render + record, 71 k alerts, 2,844 routes
GOAL_RECEIVERS_S = 1.0  # "well under a second"
TZ = ZoneInfo("Asia/Shanghai")


# --------------------------------------------------------------------------------------------------------------
# the synthetic case
# --------------------------------------------------------------------------------------------------------------

def national_frames(regions: int, indicators: int, months: int, as_of: date
                    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Series, milestones and observations as the storage layer hands them to ``assess`` (keys as text).

    Only the values ``assess`` reads are kept (as ``observations_for_assessment`` selects them): the first
    value, every year-end value and every value from the last year-end on (all values of cumulative
    indicators), of periods that are due by ``as_of``."""
    rng = np.random.default_rng(national.SEED)
    inds = national.indicator_catalogue(indicators)
    codes = national.region_codes(regions)
    names = [f"县{i}" for i in range(regions)]
    labels, ends, december, t = national.month_periods(months)
    params = national.series_parameters(rng, regions, inds)
    series_rows, milestone_rows = [], []
    for r, (code, name) in enumerate(zip(codes, names)):
        plan = f"bench-{code}"
        for j, ind in enumerate(inds):
            cumulative = ind["kind"] == "cumulative"
            baseline = 0.0 if cumulative else (round(float(params["base"][r, j]), 4) if ind["known"] else np.nan)
            series_rows.append({
                c.PLAN_ID: plan, c.REGION_CODE: code, c.REGION_NAME: name, c.INDICATOR_ID: ind["id"],
                c.INDICATOR_NAME: ind["name"], c.UNIT: ind["unit"], c.DIRECTION: ind["direction"],
                c.KIND: ind["kind"], c.TRAJECTORY: ind["trajectory"],
                c.BINDING: "binding" if j % 5 == 0 else "expected", c.BASELINE_YEAR: national.BASELINE_YEAR,
                c.BASELINE: baseline, c.GROWTH_PERCENT: np.nan, c.PLAN_START_YEAR: national.PLAN_START,
                c.PLAN_END_YEAR: national.PLAN_END, c.FREQUENCY: "monthly", c.DUE_DAYS: 30,
                c.SUCCESSOR_ID: None, c.SUCCESSOR_START_YEAR: np.nan,
            })
            milestone_rows.append((plan, ind["id"], national.PLAN_END, round(float(params["target"][r, j]), 4)))
            if ind["milestone_2035"] and not cumulative:
                milestone_rows.append((plan, ind["id"], 2035, round(float(params["target_2035"][r, j]), 4)))
    series = pd.DataFrame(series_rows, columns=[n for n in c.SERIES_COLUMNS if n not in c.FORM_COLUMNS])
    milestones = pd.DataFrame(milestone_rows, columns=c.MILESTONE_COLUMNS)

    values = national.values_for(rng, params, slice(0, regions), t)  # (R, I, M)
    due = np.array([e + timedelta(days=30) <= as_of for e in ends])
    last_december = max((k for k in range(months) if december[k] and due[k]), default=0)
    cumulative = np.array([ind["kind"] == "cumulative" for ind in inds])
    keep_month = due & (december | (np.arange(months) >= last_december) | (np.arange(months) == 0))
    keep = np.where(cumulative[:, None], due[None, :], keep_month[None, :])  # (I, M)
    ind_index, month_index = np.nonzero(keep)
    per_region = len(ind_index)
    region_index = np.repeat(np.arange(regions), per_region)
    ind_all, month_all = np.tile(ind_index, regions), np.tile(month_index, regions)
    observations = pd.DataFrame({
        c.REGION_CODE: np.array(codes, dtype=object)[region_index],
        c.INDICATOR_ID: np.array([ind["id"] for ind in inds], dtype=object)[ind_all],
        c.PERIOD: np.array(labels, dtype=object)[month_all],
        c.FREQ: "M",
        c.PERIOD_END: pd.to_datetime(np.array(ends, dtype="datetime64[D]")[month_all]),
        c.VALUE: values[region_index, ind_all, month_all],
    })
    return series, milestones, observations


def receivers_yaml(codes: list[str], names: list[str]) -> tuple[str, dict[str, str]]:
    """A receivers file with a WeCom robot and a route per county and a provincial DingTalk default, and the
    environment it names (URLs on 127.0.0.1 that nothing listens to; the run stops at the outbox).

    Two routes in three match ``region_code``, the third the region's name (``region=县7``), as county routes
    written by hand do."""
    lines = ["receivers:", "  - name: province",
             "    dingtalk: {url_env: PROVINCE_DINGTALK_URL, secret_env: PROVINCE_DINGTALK_SECRET}"]
    env = {"PROVINCE_DINGTALK_URL": "http://127.0.0.1:9/robot/send?access_token=province",
           "PROVINCE_DINGTALK_SECRET": "SECbenchmark"}
    for code in codes:
        lines += [f"  - name: county-{code}", f"    wecom: {{url_env: WECOM_{code}_URL}}"]
        env[f"WECOM_{code}_URL"] = f"http://127.0.0.1:9/cgi-bin/webhook/send?key=county-{code}"
    lines += ["route:", "  receiver: province", "  group_by: [region]", "  repeat_interval: 7d", "  routes:"]
    for i, (code, name) in enumerate(zip(codes, names)):
        matcher = f'["region={name}"]' if i % 3 == 2 else f'{{region_code: "{code}"}}'
        lines += [f"    - matchers: {matcher}", f"      receiver: county-{code}"]
    return "\n".join(lines) + "\n", env


def scratch_database(server_url: str | None, folder: str):  # type: ignore[no-untyped-def]
    """A fresh database for one run and how to drop it: a SQLite file in ``folder``, or, given a PostgreSQL URL,
    a database of its own created on that server (``alert_bench_…``) and dropped afterwards."""
    if not server_url:
        def remove() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{folder}/alerts.db{suffix}").unlink(missing_ok=True)

        return f"sqlite:///{folder}/alerts.db", remove
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = make_url(server_url)
    if admin_url.get_backend_name() != "postgresql":
        raise SystemExit("--database-url takes a PostgreSQL server URL (SQLite runs in a temporary file anyway)")
    if admin_url.drivername == "postgresql":
        admin_url = admin_url.set(drivername="postgresql+psycopg")
    name = f"alert_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.set(database=name).render_as_string(hide_password=False), drop


# --------------------------------------------------------------------------------------------------------------
# digests: the same digests mean the same messages and the same stored rows
# --------------------------------------------------------------------------------------------------------------

def digest_of(items) -> str:  # type: ignore[no-untyped-def]
    h = hashlib.sha256()
    for item in items:
        h.update(json.dumps(item, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()[:16]


def messages_digest(messages) -> str:  # type: ignore[no-untyped-def]
    return digest_of([planned.receiver, planned.group_key, planned.kind, message.title, message.text, message.html,
                      message.body] for planned, message in messages)


def stored_digests(engine) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from monitor.storage.tables import alert_notices, alerts, outbox

    with engine.connect() as conn:
        out = conn.execute(select(outbox.c.receiver, outbox.c.channel, outbox.c.target, outbox.c.kind,
                                  outbox.c.group_key, outbox.c.title, outbox.c.part, outbox.c.parts,
                                  outbox.c.payload, outbox.c.message, outbox.c.budget, outbox.c.fingerprints,
                                  outbox.c.status, outbox.c.attempts, outbox.c.created_at,
                                  outbox.c.next_attempt_at).order_by(outbox.c.id)).all()
        states = conn.execute(select(alerts).order_by(alerts.c.fingerprint)).all()
        notices = conn.execute(select(alert_notices).order_by(alert_notices.c.fingerprint,
                                                              alert_notices.c.receiver)).all()
    return {"outbox": digest_of(tuple(r) for r in out), "alerts": digest_of(tuple(r) for r in states),
            "notices": digest_of(tuple(r) for r in notices),
            "rows": f"{len(out):,} outbox, {len(states):,} alerts, {len(notices):,} notices"}


# --------------------------------------------------------------------------------------------------------------
# the measurement
# --------------------------------------------------------------------------------------------------------------

class Clock:
    """Wall and CPU seconds of named steps (CPU time says how much of the wall time was this process's work on a
    shared machine)."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    def __call__(self, name: str):  # type: ignore[no-untyped-def]
        clock = self

        class _Timer:
            def __enter__(self) -> None:
                self.started, self.cpu_started = time.perf_counter(), time.process_time()

            def __exit__(self, *exc: object) -> None:
                clock.times[name] = clock.times.get(name, 0.0) + time.perf_counter() - self.started
                clock.cpu[name] = clock.cpu.get(name, 0.0) + time.process_time() - self.cpu_started

        return _Timer()


def run(args: argparse.Namespace) -> dict:
    from monitor.alerts.lifecycle import plan_messages
    from monitor.alerts.receivers import load_receivers
    from monitor.alerts.rules import load_rules
    from monitor.core.assess import assess
    from monitor.delivery.channels import build_channels
    from monitor.messages.render import Renderer
    from monitor.notify import AlertConfig, AlertRun, current_alerts, evaluate_alerts, record, scope_of

    try:
        from monitor.bulk import paused_gc
        from monitor.notify import render_messages
    except ImportError:  # the code before this benchmark was written: the same steps, the collector running
        from contextlib import nullcontext as paused_gc
        from monitor.notify import plan_context, render, with_latest_assessment

        def render_messages(config, evaluation, frame, plans, now):  # type: ignore[no-untyped-def]
            extra = plan_context(frame, plans)
            return [(m, render(config, m, now, extra)) for m in with_latest_assessment(evaluation.messages, frame)]
    from monitor.settings import SmtpSettings
    from monitor.storage.db import make_engine, upgrade

    figures: dict = {"uptime_before": os.getloadavg()}
    started = time.perf_counter()
    series, milestones, observations = national_frames(args.regions, args.indicators, args.months, args.as_of)
    frame = assess(series, milestones, observations, args.as_of)
    figures["frame"] = {"rows": len(frame), "seconds": time.perf_counter() - started,
                        "statuses": frame[c.STATUS].value_counts().to_dict()}
    print(f"assessment frame: {len(frame):,} rows in {figures['frame']['seconds']:.1f} s "
          f"({args.regions:,} regions × {args.indicators} indicators, as of {args.as_of})", flush=True)

    frame_rss = _rss_mb()
    codes = national.region_codes(args.regions)
    names = [f"县{i}" for i in range(args.regions)]
    text, environ = receivers_yaml(codes, names)
    now = datetime(args.as_of.year, args.as_of.month, args.as_of.day, 1, 0, tzinfo=timezone.utc)
    figures["repeats"] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "receivers.yaml"
        path.write_text(text, encoding="utf-8")
        for repeat in range(args.repeat):
            last = repeat == args.repeat - 1
            load = os.getloadavg()
            clock = Clock()
            # a run as `monitor check --notify` makes it: configuration loaded, templates compiled, a database
            # with nothing stored yet
            with clock("load receivers"):
                receivers = load_receivers(path)
            with clock("build channels"):
                channels = build_channels(receivers, SmtpSettings(), environ)
            config = AlertConfig(load_rules(ROOT / "rules"), receivers, Renderer(None), TZ)
            url, drop = scratch_database(args.database_url, f"{tmp}/{repeat}")
            engine = make_engine(url)
            upgrade(engine)
            figures["database"] = engine.url.render_as_string(hide_password=True)
            profiler = cProfile.Profile() if args.profile and last else None
            if profiler:
                profiler.enable()
            # the steps of monitor.notify.evaluate_alerts, one by one (nothing stored yet, no silences, no plans)
            with paused_gc():
                with clock("evaluate"):
                    current = current_alerts(config, frame, [], now, None, {})
                with clock("route"):
                    evaluation = plan_messages(current, {}, {}, config.routing, scope_of(frame), now)
                with clock("render"):
                    messages = render_messages(config, evaluation, frame, [], now)
            alert_run = AlertRun(current, evaluation, messages)
            with clock("record"):
                parts = record(engine, alert_run, channels, now)
            if profiler:
                profiler.disable()
                profiler.dump_stats(args.profile)
                print(f"cProfile of the last first run written to {args.profile}")
            figures["repeats"].append({"load": load, "wall": dict(clock.times), "cpu": dict(clock.cpu)})
            if repeat == 0:
                figures["rss_mb"] = {"after the frame": frame_rss, "after the first run": _rss_mb(),
                                     "peak until then": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
            digests = {"messages": messages_digest(messages), **stored_digests(engine)}
            total = sum(clock.times[step] for step in STEPS)
            print(f"  run {repeat + 1}/{args.repeat}: {total:.2f} s (CPU {sum(clock.cpu[s] for s in STEPS):.2f} s), "
                  f"load average {load[0]:.2f} at its start", flush=True)
            if repeat == 0:
                figures["counts"] = {"alerts": len(current), "held": sum(1 for x in current if not x.sendable),
                                     "states": len(evaluation.states), "notices": len(evaluation.notices),
                                     "messages": len(messages), "parts": parts}
                figures["digests"] = digests
            elif digests != figures["digests"]:
                raise SystemExit(f"run {repeat + 1} stored other rows than run 1: {digests} != {figures['digests']}")
            if not last:
                engine.dispose()
                drop()
                continue

            # the second run: an hour later, everything stored, nothing new (the daemon's next assess job)
            later = now + timedelta(hours=1)
            second = Clock()
            with second("evaluate + route + render (evaluate_alerts)"):
                run2 = evaluate_alerts(engine, config, frame, later)
            with second("record"):
                parts2 = record(engine, run2, channels, later)
            figures["second"] = dict(second.times)
            figures["second_cpu"] = dict(second.cpu)
            figures["second_counts"] = {"messages": len(run2.messages), "parts": parts2,
                                        "states": len(run2.evaluation.states)}
            figures["digests_after_second"] = stored_digests(engine)
            engine.dispose()
            drop()
    figures["uptime_after"] = os.getloadavg()
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def _rss_mb() -> float:
    """The resident memory now (not the peak), in MB."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


STEPS = ("evaluate", "route", "render", "record")


def report(figures: dict, args: argparse.Namespace) -> None:
    repeats, counts = figures["repeats"], figures["counts"]
    load = figures["uptime_before"]
    print()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; after: "
          + " ".join(f"{x:.2f}" for x in figures["uptime_after"]) + f"; {os.cpu_count()} CPUs")
    print(f"database: {figures['database']}")
    print(f"alerts {counts['alerts']:,} ({counts['held']:,} inhibited or silenced), states {counts['states']:,}, "
          f"messages {counts['messages']:,}, parts {counts['parts']:,}, notices {counts['notices']:,}; "
          f"{args.regions:,} county routes")
    print("memory: " + ", ".join(f"{name} {mb:,.0f} MB" for name, mb in figures["rss_mb"].items())
          + f", peak of the whole benchmark {figures['peak_rss_mb']:,.0f} MB")
    print()
    n = len(repeats)
    title = f"step (first run, nothing stored; {n} run{'s' if n > 1 else ''})"
    print(f"{title:<46}{'wall min':>10}{'median':>10}{'CPU med':>10}  goal (median wall)")
    print("-" * 100)

    def line(name: str, key: str, goal: float | None = None) -> None:
        walls = [sum(r["wall"][k] for k in key.split("+")) for r in repeats]
        cpus = [sum(r["cpu"][k] for k in key.split("+")) for r in repeats]
        verdict = ""
        if goal is not None:
            verdict = f"< {goal:.0f} s  {'met' if statistics.median(walls) < goal else 'MISSED'}"
        print(f"{name:<46}{min(walls):>10.3f}{statistics.median(walls):>10.3f}{statistics.median(cpus):>10.3f}  "
              f"{verdict}")

    line(f"load receivers ({args.regions} receivers and routes)", "load receivers", GOAL_RECEIVERS_S)
    line("build channels", "build channels")
    for step in STEPS:
        line(step, step)
    line("evaluate + route + render + record", "+".join(STEPS), GOAL_PIPELINE_S)
    print()
    second, second_cpu = figures["second"], figures["second_cpu"]
    print(f"second run an hour later (all {figures['second_counts']['states']:,} states stored, "
          f"{figures['second_counts']['messages']:,} messages):{'wall':>14}{'CPU':>10}")
    for name, seconds in second.items():
        print(f"  {name:<44}{seconds:>10.3f}{second_cpu[name]:>10.3f}")
    print(f"  {'total':<44}{sum(second.values()):>10.3f}{sum(second_cpu.values()):>10.3f}")
    print()
    print("digests (equal digests: the same messages byte for byte and the same stored rows)")
    for name, value in figures["digests"].items():
        print(f"  first run   {name:<10}{value}")
    for name, value in figures["digests_after_second"].items():
        print(f"  second run  {name:<10}{value}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--regions", type=int, default=2844)
    parser.add_argument("--indicators", type=int, default=40)
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2025, 7, 1))
    parser.add_argument("--database-url", metavar="URL",
                        help="a PostgreSQL server (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) to record "
                        "into, in a database created for the run and dropped after it; default: a temporary SQLite "
                        "file")
    parser.add_argument("--repeat", type=int, default=1,
                        help="first runs to time, each with the configuration loaded anew and a fresh database; the "
                        "median is judged (on a shared machine, 3 or 5)")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the first run's four steps")
    parser.add_argument("--json-out", type=Path, help="also write the figures to this JSON file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    figures = run(args)
    report(figures, args)
    if args.json_out:
        args.json_out.write_text(json.dumps(figures, ensure_ascii=False, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
