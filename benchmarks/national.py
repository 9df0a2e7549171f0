"""National-scale benchmark: 2,844 county-level regions × 40 indicators × 60 monthly periods.

Generates a synthetic but realistic data set straight into a database (fixed seed): one valid plan per region,
stored as ``monitor plans load`` stores it, and 6,825,600 reported values. On PostgreSQL it then runs
``VACUUM ANALYZE``, so that the planner has statistics, as any production server has. Then it measures

- end to end: ``monitor check --format json`` as a child process (wall time, peak RSS, objects printed), the goal
  being under 8 s and under 1 GB;
- in process: reading the inputs (``series_frames``, ``observations_for_assessment``), ``assess()`` and the JSON;
- two ratios against DuckDB, side by side:
  (a) stored data to answer: the monitor from its database to the JSON it prints, against DuckDB opening a
      database file with the same 6,825,600 stored values and computing the linear pace in one query;
  (b) same inputs: ``assess()`` alone against DuckDB computing that pace over the very frames ``assess()`` takes
      (887,328 rows the storage layer selected), keys as text and keys numbered as ``assess()`` gets them;
- the machine's load average around every measurement.

Usage (from the project root; ``make bench BENCH_ARGS="..."`` runs the same script)::

    .venv/bin/python benchmarks/national.py --reuse
    .venv/bin/python benchmarks/national.py --reuse \\
        --database-url sqlite:///benchmarks/out/national.db \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/national
    .venv/bin/python benchmarks/national.py --regions 100 --database-url sqlite:///benchmarks/out/small.db

Each ``--database-url`` is generated (or reused) and measured in turn, and the figures of all of them are printed
in one format, side by side at the end. A PostgreSQL database must exist (``createdb national``) and hold nothing
but the benchmark's data. docs/benchmarks.md records the figures and how to read them. Relative SQLite paths are
taken from the project root. The in-process measurements run in a fresh child process (``--worker``) so that the
memory used by the generator does not count towards their peak.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlalchemy import delete, func, insert, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from monitor.storage import tables as tb  # noqa: E402
from monitor.storage.db import make_engine, read_snapshot, upgrade  # noqa: E402

SEED = 20210101
PLAN_START, PLAN_END, BASELINE_YEAR = 2021, 2025, 2020
FIRST_MONTH = date(PLAN_START, 1, 1)
GOAL_END_TO_END_S = 8.0  # issue 11: `monitor check --format json` at national scale, SQLite and PostgreSQL
GOAL_PEAK_MB = 1000.0  # issue 11: peak memory under 1 GB (RSS in MiB, so this is a little stricter)
PACE_TOLERANCE = 1e-9
DEFAULT_URL = "sqlite:///benchmarks/out/national.db"

# --------------------------------------------------------------------------------------------------------------
# the indicator catalogue: a realistic mix for a county 14th five-year plan
# --------------------------------------------------------------------------------------------------------------

_HIGHER_LEVEL = [
    ("地区生产总值", "亿元", 120.0), ("规模以上工业增加值", "亿元", 40.0), ("一般公共预算收入", "亿元", 8.0),
    ("社会消费品零售总额", "亿元", 50.0), ("固定资产投资", "亿元", 90.0), ("研发经费投入", "亿元", 1.2),
    ("研发经费投入强度", "%", 1.1), ("高新技术企业数", "家", 25.0), ("科技型企业数", "家", 80.0),
    ("每万人口高价值发明专利拥有量", "件", 1.5), ("技术合同成交额", "亿元", 0.6), ("常住人口城镇化率", "%", 48.0),
    ("城镇居民人均可支配收入", "元", 36000.0), ("农村居民人均可支配收入", "元", 14000.0),
    ("森林覆盖率", "%", 52.0), ("空气质量优良天数比率", "%", 90.0), ("地表水达到或好于Ⅲ类水体比例", "%", 85.0),
    ("每千人口执业（助理）医师数", "人", 2.4), ("每千人口拥有3岁以下婴幼儿托位数", "个", 1.2),
    ("劳动年龄人口平均受教育年限", "年", 9.8), ("城镇新增就业人数", "万人", 0.6), ("数字经济核心产业增加值", "亿元", 6.0),
    ("5G基站数", "个", 300.0), ("农产品加工产值", "亿元", 30.0), ("接待游客人次", "万人次", 900.0),
    ("旅游综合收入", "亿元", 60.0), ("粮食综合生产能力", "万吨", 20.0), ("高标准农田面积", "万亩", 25.0),
]
_LOWER_LEVEL = [
    ("单位地区生产总值能源消耗", "吨标准煤/万元", 0.55), ("单位地区生产总值二氧化碳排放", "吨/万元", 1.1),
    ("城镇调查失业率", "%", 5.5), ("科技进步综合水平位次", "位", 36.0),
]
_COMPOUND = [
    ("全社会研发经费支出", "亿元", 1.5), ("进出口总额", "亿元", 12.0), ("实际利用外资", "亿美元", 0.8),
    ("电子信息产业产值", "亿元", 20.0),
]
_CUMULATIVE = [("推广转化应用科技成果", "项", 50.0), ("新增市场主体", "户", 6000.0)]
_UNKNOWN_BASELINE = [("省级以上研发平台数", "个", 6.0), ("数字化车间和智能工厂数", "个", 10.0)]


def indicator_catalogue(count: int) -> list[dict]:
    """``count`` indicator definitions (ind01 …); the mix is scaled down proportionally for fewer than 40."""
    specs = (
        [dict(name=n, unit=u, scale=s, direction="higher", kind="level", trajectory="linear", known=True)
         for n, u, s in _HIGHER_LEVEL]
        + [dict(name=n, unit=u, scale=s, direction="lower", kind="level", trajectory="linear", known=True)
           for n, u, s in _LOWER_LEVEL]
        + [dict(name=n, unit=u, scale=s, direction="higher", kind="level", trajectory="compound", known=True)
           for n, u, s in _COMPOUND]
        + [dict(name=n, unit=u, scale=s, direction="higher", kind="cumulative", trajectory="linear", known=True)
           for n, u, s in _CUMULATIVE]
        + [dict(name=n, unit=u, scale=s, direction="higher", kind="level", trajectory="linear", known=False)
           for n, u, s in _UNKNOWN_BASELINE]
    )
    if count <= len(specs):
        # keep the mix: take evenly spaced entries
        picked = [specs[int(i * len(specs) / count)] for i in range(count)]
    else:
        picked = [specs[i % len(specs)] | {"name": f"{specs[i % len(specs)]['name']}（{i // len(specs) + 1}）"}
                  for i in range(count)]
    out = []
    for i, spec in enumerate(picked):
        out.append(spec | {"id": f"ind{i + 1:02d}", "position": i, "milestone_2035": i % 10 == 0})
    return out


# --------------------------------------------------------------------------------------------------------------
# generation
# --------------------------------------------------------------------------------------------------------------

def month_periods(months: int) -> tuple[list[str], list[date], np.ndarray, np.ndarray]:
    """Labels, exclusive period ends, December flags and decimal-year t of ``months`` months from 2021-01."""
    labels, ends, dec = [], [], []
    for k in range(months):
        year, month = PLAN_START + k // 12, k % 12 + 1
        labels.append(f"{year}-{month:02d}")
        ends.append(date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1))
        dec.append(month == 12)
    t = np.array([e.year + (e.timetuple().tm_yday - 1) / (366 if _leap(e.year) else 365) for e in ends])
    return labels, ends, np.array(dec), t


def _leap(year: int) -> bool:
    return (year % 4 == 0 and year % 100 != 0) or year % 400 == 0


def region_codes(regions: int) -> list[str]:
    return [f"{110000 + i:06d}" for i in range(regions)]


def region_names(regions: int) -> list[str]:
    return [f"县{i}" for i in range(regions)]


def build_plan(code: str, name: str, r: int, inds: list[dict], params: dict[str, np.ndarray]):  # type: ignore[no-untyped-def]
    """The valid plan (monitor.plans.model.Plan) of region ``r``: its indicators with baselines, the 2025 target
    and, for every tenth indicator, a 2035 goal, as ``series_parameters`` drew them."""
    from monitor.plans.model import Plan

    indicators = []
    for j, ind in enumerate(inds):
        cumulative = ind["kind"] == "cumulative"
        milestones = {PLAN_END: round(float(params["target"][r, j]), 4)}
        if ind["milestone_2035"] and not cumulative:
            milestones[2035] = round(float(params["target_2035"][r, j]), 4)
        indicators.append({
            "id": ind["id"], "name": ind["name"], "unit": ind["unit"], "direction": ind["direction"],
            "kind": ind["kind"], "trajectory": ind["trajectory"],
            "baseline": 0.0 if cumulative else (round(float(params["base"][r, j]), 4) if ind["known"] else None),
            "milestones": milestones, "binding": "binding" if j % 5 == 0 else "expected",
            "source": {"table": "表1", "row": j + 1}, "reporting": {"frequency": "monthly", "due_days": 30},
        })
    return Plan.model_validate({
        "id": f"bench-{code}", "title": f"{name}国民经济和社会发展第十四个五年规划（基准测试）",
        "region": {"name": name, "code": code}, "period": {"start": PLAN_START, "end": PLAN_END},
        "baseline_year": BASELINE_YEAR,
        "source": {"title": f"{name}国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要（合成数据）",
                   "file": "benchmarks/national.py"},
        "indicators": indicators,
        "notes": [f"synthetic plan written by benchmarks/national.py (seed {SEED}); the numbers are generated"],
    })


def series_parameters(rng: np.random.Generator, regions: int, inds: list[dict]) -> dict[str, np.ndarray]:
    """Baseline, 2025 target, 2035 target and performance for every region × indicator (shape R × I)."""
    n_ind = len(inds)
    scale = np.array([ind["scale"] for ind in inds])
    lower = np.array([ind["direction"] == "lower" for ind in inds])
    compound = np.array([ind["trajectory"] == "compound" for ind in inds])
    cumulative = np.array([ind["kind"] == "cumulative" for ind in inds])
    percent = np.array([ind["unit"] == "%" for ind in inds])

    base = scale * rng.lognormal(0.0, 0.35, size=(regions, n_ind))
    base = np.where(percent, np.clip(base, 1.0, 90.0), base)
    gain = rng.uniform(0.15, 0.6, size=(regions, n_ind))  # planned rise over five years, as a share of B
    cut = rng.uniform(0.05, 0.2, size=(regions, n_ind))  # planned fall for lower-is-better indicators
    cagr = rng.uniform(0.05, 0.15, size=(regions, n_ind))
    target = np.where(lower, base * (1 - cut), base * (1 + gain))
    target = np.where(compound, base * (1 + cagr) ** 5, target)
    target = np.where(percent & ~lower, np.minimum(target, np.maximum(base + 0.5, 99.0)), target)
    target = np.where(cumulative, scale * rng.uniform(0.6, 1.6, size=(regions, n_ind)), target)
    # how much of the planned path each series delivers: < 0 regressing … > 1 ahead of plan
    perf = rng.choice([-0.3, 0.3, 0.8, 1.0, 1.2], p=[0.08, 0.17, 0.25, 0.3, 0.2], size=(regions, n_ind))
    perf = perf + rng.normal(0.0, 0.12, size=(regions, n_ind))
    long_gain = rng.uniform(1.3, 2.0, size=(regions, n_ind))
    target_2035 = np.where(lower, target * (1 - cut), base + (target - base) * long_gain)
    return {"base": base, "target": target, "target_2035": target_2035, "perf": perf,
            "lower": lower, "compound": compound, "cumulative": cumulative}


def values_for(rng: np.random.Generator, p: dict[str, np.ndarray], rows: slice, t: np.ndarray) -> np.ndarray:
    """Reported values (R × I × M) for a slice of regions: trend along the plan scaled by performance, plus noise."""
    base, target, perf = p["base"][rows], p["target"][rows], p["perf"][rows]
    frac = ((t - PLAN_START) / (PLAN_END + 1 - PLAN_START))[None, None, :]
    B, T, r = base[:, :, None], target[:, :, None], perf[:, :, None]
    noise = rng.normal(0.0, 1.0, size=B.shape[:2] + (len(t),))
    linear = B + (T - B) * r * frac + 0.02 * np.abs(T - B) * noise
    compound = B * np.power(T / B, r * frac) * np.exp(0.005 * noise)
    flows = np.clip(T / len(t) * np.clip(r, 0.05, None) * (1 + 0.3 * noise), 0.0, None)
    values = np.where(p["compound"][None, :, None], compound, linear)
    values = np.where(p["cumulative"][None, :, None], flows, values)
    values = np.where(p["lower"][None, :, None], np.maximum(values, 0.01 * B), values)
    return np.round(values, 4)


# --------------------------------------------------------------------------------------------------------------
# the database
# --------------------------------------------------------------------------------------------------------------

def database_counts(engine: sa.Engine) -> dict[str, int] | None:
    """Row counts of the benchmark tables, or None when the schema is missing."""
    inspector = sa.inspect(engine)
    if not inspector.has_table("observations"):
        return None
    with engine.connect() as conn:
        return {
            "plans": conn.execute(select(func.count()).select_from(tb.plans)).scalar_one(),
            "bench_plans": conn.execute(select(func.count()).select_from(tb.plans).where(
                tb.plans.c.plan_id.like("bench-%"))).scalar_one(),
            "plan_indicators": conn.execute(select(func.count()).select_from(tb.plan_indicators)).scalar_one(),
            "observations": conn.execute(select(func.count()).select_from(tb.observations)).scalar_one(),
        }


def expected_counts(args: argparse.Namespace) -> dict[str, int]:
    return {"plans": args.regions, "bench_plans": args.regions, "plan_indicators": args.regions * args.indicators,
            "observations": args.regions * args.indicators * args.months}


def describe(url: str) -> str:
    parsed = make_url(url)
    return parsed.get_backend_name() if parsed.get_backend_name() != "postgresql" else "postgresql"


def create_missing_database(url: str) -> None:
    """Create the PostgreSQL database ``url`` names when the server does not have it (as ``createdb`` would),
    connecting to the server's ``postgres`` database to do so."""
    parsed = make_url(url)
    name = parsed.database
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first():
                return
            print(f"creating the database {name}")
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def prepare_database(args: argparse.Namespace, url: str) -> tuple[sa.Engine, bool]:
    """An engine on an upgraded schema; True when the data must be (re)generated."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        create_missing_database(url)
    engine = make_engine(url)
    counts = database_counts(engine)
    if counts is not None and counts == expected_counts(args) and args.reuse:
        print(f"reusing {counts['observations']:,} observations already in the database (--reuse)")
        before, after = upgrade(engine)  # a database from an older version gets the newer indexes
        if before != after:
            print(f"  upgraded its schema from {before} to {after}")
        return engine, False
    if counts is not None and counts["plans"] != counts["bench_plans"]:
        engine.dispose()
        raise SystemExit("the database holds plans that the benchmark did not write; point --database-url at a "
                         "database of its own")
    if counts is not None and any(counts.values()):
        if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
            engine.dispose()
            print(f"removing the old benchmark database {parsed.database} ({counts})")
            for suffix in ("", "-wal", "-shm"):
                Path(parsed.database + suffix).unlink(missing_ok=True)
            engine = make_engine(url)
        else:
            engine.dispose()
            raise SystemExit(f"the database already holds benchmark data of another size ({counts}); empty it or "
                             "use --reuse with the same --regions/--indicators/--months")
    upgrade(engine)
    return engine, True


def store_plans(engine: sa.Engine, args: argparse.Namespace, params: dict[str, np.ndarray], now: datetime) -> int:
    """Store one valid plan per region as ``monitor plans load`` does (``plan_store.save_plan``: the canonical
    definition, its revision, the indicator rows and the milestones); returns the id of the submission the values
    will name."""
    from monitor.storage.plan_store import save_plan

    inds = indicator_catalogue(args.indicators)
    with engine.begin() as conn:
        for r, (code, name) in enumerate(zip(region_codes(args.regions), region_names(args.regions))):
            save_plan(conn, build_plan(code, name, r, inds, params), None, now)
        total = args.regions * args.indicators * args.months
        return conn.execute(insert(tb.submissions).values(
            file_name="national-benchmark (generated)", sha256=hashlib.sha256(b"national-benchmark").hexdigest(),
            submitted_by="benchmarks/national.py", imported_at=now, row_count=total, new_values=total,
            revised_values=0,
        )).inserted_primary_key[0]


def plans_are_valid(engine: sa.Engine) -> bool:
    """Whether every stored plan definition is a valid plan that the plan rows match (an older version of this
    benchmark stored placeholder documents, which ``monitor check --notify`` and ``monitor rules test`` reject)."""
    from monitor.plans.model import Plan
    from monitor.storage.plan_store import canonical_json

    with engine.connect() as conn:
        rows = conn.execute(select(tb.plans.c.plan_id, tb.plans.c.definition, tb.plans.c.sha256)).all()
        stored = dict(conn.execute(select(tb.plan_indicators.c.plan_id, func.count()).group_by(
            tb.plan_indicators.c.plan_id)).all())
        texts = conn.execute(select(func.count()).select_from(tb.plan_indicators).where(
            tb.plan_indicators.c.target_text.is_(None))).scalar_one()
    if texts:
        return False
    try:
        for plan_id, definition, digest in rows:
            plan = Plan.model_validate_json(definition)
            if (plan.id != plan_id or canonical_json(plan) != definition or len(plan.indicators) != stored.get(plan_id)
                    or hashlib.sha256(definition.encode("utf-8")).hexdigest() != digest):
                return False
    except ValueError:
        return False
    return True


def replace_plans(engine: sa.Engine, args: argparse.Namespace) -> float:
    """Store the plans again (same seed, same numbers) in a database whose values are kept."""
    started = time.perf_counter()
    params = series_parameters(np.random.default_rng(SEED), args.regions, indicator_catalogue(args.indicators))
    from monitor.storage.plan_store import save_plan

    inds = indicator_catalogue(args.indicators)
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        for table in (tb.milestones, tb.plan_points, tb.plan_indicators, tb.plan_revisions, tb.plans):
            conn.execute(delete(table))
        for r, (code, name) in enumerate(zip(region_codes(args.regions), region_names(args.regions))):
            save_plan(conn, build_plan(code, name, r, inds, params), None, now)
    return time.perf_counter() - started


def generate(engine: sa.Engine, args: argparse.Namespace) -> float:
    """Write plans, indicators, milestones and observations; returns the seconds it took."""
    started = time.perf_counter()
    rng = np.random.default_rng(SEED)
    inds = indicator_catalogue(args.indicators)
    codes = region_codes(args.regions)
    labels, ends, december, t = month_periods(args.months)
    params = series_parameters(rng, args.regions, inds)
    now = datetime.now(timezone.utc)
    sqlite = engine.dialect.name == "sqlite"
    total = args.regions * args.indicators * args.months

    submission_id = store_plans(engine, args, params, now)
    print(f"  plans {args.regions:,} (valid plan definitions, stored by plan_store.save_plan), indicators "
          f"{args.regions * args.indicators:,} in {time.perf_counter() - started:.1f} s", flush=True)

    # observations: 6.8 million rows, in chunks of regions, one transaction per chunk (COPY on PostgreSQL)
    columns = ["region_code", "indicator_id", "period", "freq", "period_end", "year_end", "value", "unit",
               "submission_id", "revision", "is_current"]
    units = [ind["unit"] for ind in inds]
    ind_ids = [ind["id"] for ind in inds]
    end_values: list = [e.isoformat() for e in ends] if sqlite else ends
    december_list = [bool(x) for x in december]
    per_region = args.indicators * args.months
    chunk_regions = max(1, 250_000 // per_region)
    raw = engine.raw_connection()
    cur = raw.cursor()
    if sqlite:
        cur.execute("PRAGMA synchronous=OFF")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA cache_size=-262144")  # 256 MB page cache while loading
    sql = f"INSERT INTO observations ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    copy_sql = f"COPY observations ({', '.join(columns)}) FROM STDIN"
    written = 0
    last_report = time.perf_counter()
    try:
        for first in range(0, args.regions, chunk_regions):
            rows = slice(first, min(first + chunk_regions, args.regions))
            values = values_for(rng, params, rows, t)  # (R, I, M)
            n_reg = values.shape[0]
            n = n_reg * per_region
            region_col = [code for code in codes[rows] for _ in range(per_region)]
            ind_col = [i for i in ind_ids for _ in range(args.months)] * n_reg
            unit_col = [u for u in units for _ in range(args.months)] * n_reg
            tuples = zip(
                region_col, ind_col, labels * (n // args.months), itertools.repeat("M", n),
                end_values * (n // args.months), december_list * (n // args.months), values.ravel().tolist(),
                unit_col, itertools.repeat(submission_id, n), itertools.repeat(1, n), itertools.repeat(True, n),
            )
            if sqlite:
                cur.executemany(sql, tuples)
            else:
                with cur.copy(copy_sql) as copy:
                    for row in tuples:
                        copy.write_row(row)
            raw.commit()
            written += n
            now_t = time.perf_counter()
            if now_t - last_report > 10 or written == total:
                elapsed = now_t - started
                print(f"  observations {written:>10,} / {total:,}  ({written / total:5.1%})  {elapsed:6.1f} s  "
                      f"{written / elapsed:,.0f} rows/s", flush=True)
                last_report = now_t
        if sqlite:
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()
    finally:
        raw.close()
    return time.perf_counter() - started


def analyze(engine: sa.Engine) -> dict:
    """On PostgreSQL, ``VACUUM ANALYZE``: the planner's statistics and the visibility map a production server has
    (autovacuum would make them within minutes anyway). SQLite keeps no statistics unless ANALYZE is run, which
    the monitor never does; its planner works without them."""
    if engine.dialect.name != "postgresql":
        return {"statement": None, "note": "SQLite: no ANALYZE (the monitor never runs it)"}
    started = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
        stats = conn.exec_driver_sql(
            "SELECT relname, n_live_tup, last_vacuum, last_analyze FROM pg_stat_user_tables "
            "WHERE relname = 'observations'").first()
        settings = dict(conn.exec_driver_sql(
            "SELECT name, setting || coalesce(unit, '') FROM pg_settings WHERE name IN "
            "('shared_buffers', 'work_mem', 'effective_cache_size', 'random_page_cost', 'jit', "
            "'max_parallel_workers_per_gather')").all())
        version = conn.exec_driver_sql("SHOW server_version").scalar()
    seconds = time.perf_counter() - started
    return {"statement": "VACUUM ANALYZE", "seconds": seconds, "server_version": version, "settings": settings,
            "observations_live_rows": stats.n_live_tup if stats else None,
            "note": f"PostgreSQL {version}: VACUUM ANALYZE took {seconds:.1f} s"}


# --------------------------------------------------------------------------------------------------------------
# measurements
# --------------------------------------------------------------------------------------------------------------

def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def monitor_command() -> list[str]:
    script = Path(sys.executable).with_name("monitor")
    return [str(script)] if script.exists() else [sys.executable, "-m", "monitor"]


def end_to_end(args: argparse.Namespace, url: str, out_dir: Path) -> dict:
    """Run ``monitor check --format json`` ``--repeat`` times: wall seconds and peak RSS of each child."""
    env = os.environ | {"MONITOR_DATABASE_URL": url}
    cmd = monitor_command() + ["check", "--as-of", args.as_of.isoformat(), "--format", "json", "--fail-on", "never"]
    out_file = out_dir / "check.json"
    walls, peaks, loads = [], [], []
    for i in range(args.repeat):
        with open(out_file, "wb") as stdout, tempfile.TemporaryFile() as stderr:
            before = load_average()
            started = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=stdout, stderr=stderr, env=env, cwd=ROOT)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - started
            proc.returncode = os.waitstatus_to_exitcode(status)
            stderr.seek(0)
            err = stderr.read().decode("utf-8", "replace")
        if proc.returncode != 0:
            raise SystemExit(f"`{' '.join(cmd)}` exited with {proc.returncode}:\n{err}")
        walls.append(wall)
        peaks.append(usage.ru_maxrss / 1024)  # KiB on Linux
        loads.append([before, load_average()])
        print(f"  end to end run {i + 1}: {wall:.2f} s, peak RSS {usage.ru_maxrss / 1024:,.0f} MB "
              f"(load average {before:.2f} → {loads[-1][1]:.2f})", flush=True)
    objects, statuses, digest = summarise_output(out_file)
    return {"command": " ".join(["monitor"] + cmd[len(monitor_command()):]), "wall_s": walls, "peak_rss_mb": peaks,
            "load_average": loads, "objects": objects, "output_bytes": out_file.stat().st_size,
            "statuses": statuses, "sha256": digest, "own_peak_rss_mb": own_peak_rss_mb(),
            "output": str(out_file.relative_to(ROOT) if out_file.is_relative_to(ROOT) else out_file)}


# Read by a child process: parsing 170 MB of JSON here would leave this process about 800 MB larger, and Linux
# reports a child's peak RSS as at least its parent's peak when it was started (the peak is carried across fork
# and exec), so every `monitor check` measured after that would seem to need 800 MB.
_SUMMARY = '''
import collections, hashlib, json, sys
data = open(sys.argv[1], "rb").read()
objects = json.loads(data)
counts = collections.Counter(o["status"] for o in objects)
print(json.dumps([len(objects), dict(counts.most_common()), hashlib.sha256(data).hexdigest()]))
'''


def summarise_output(path: Path) -> tuple[int, dict, str]:
    """The number of objects, the count of each status (most frequent first) and the sha256 of the JSON that
    `monitor check` wrote to ``path``."""
    out = subprocess.run([sys.executable, "-c", _SUMMARY, str(path)], capture_output=True, text=True, check=True)
    objects, statuses, digest = json.loads(out.stdout)
    return objects, statuses, digest


def own_peak_rss_mb() -> float:
    """This process's peak RSS: no child started from it can report a smaller peak of its own."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


DUCKDB_PACE_SQL = """
WITH latest AS (
    SELECT region_code, indicator_id,
           arg_max(value, period_end) AS actual,
           max(period_end) AS period_end
    FROM observations
    WHERE period_end <= $as_of
    GROUP BY region_code, indicator_id
),
timed AS (
    SELECT s.plan_id, s.region_code, s.indicator_id, s.baseline, l.actual,
           year(l.period_end) + (dayofyear(l.period_end) - 1)::DOUBLE
               / CASE WHEN (year(l.period_end) % 4 = 0 AND year(l.period_end) % 100 <> 0)
                           OR year(l.period_end) % 400 = 0 THEN 366 ELSE 365 END AS t,
           s.baseline_year + 1.0 AS t0,
           m.year + 1.0 AS target_t,
           m.value AS target
    FROM series s
    JOIN latest l USING (region_code, indicator_id)
    JOIN milestones m ON m.plan_id = s.plan_id AND m.indicator_id = s.indicator_id AND m.year = s.plan_end_year
),
paced AS (
    SELECT *,
           CASE WHEN t >= target_t THEN target
                ELSE baseline + (target - baseline) * ((t - t0) / (target_t - t0)) END AS expected
    FROM timed
)
SELECT plan_id, region_code, indicator_id, t, actual, expected,
       CASE WHEN expected = baseline THEN NULL ELSE (actual - baseline) / (expected - baseline) END AS pace
FROM paced
"""


def in_process(args: argparse.Namespace) -> dict:
    """``--repeat`` cycles of what ``monitor check`` does between start-up and writing: read the inputs, assess,
    render JSON (peak RSS after the first); then DuckDB over the same inputs and over the stored values."""
    import duckdb

    from monitor.bulk import paused_gc
    from monitor.core import columns as c
    from monitor.core.assess import assess
    from monitor.report.check import to_json
    from monitor.storage import assessment_reads, plan_store

    def peak_mb() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    url = args.database_url[0]
    result: dict = {"peak_rss_mb": {"start": peak_mb()}, "load_average": {"start": load_average()}}
    engine = make_engine(url)
    cycles: list[dict] = []
    series = milestones = observations = points = frame = None
    for i in range(args.repeat):
        del series, milestones, observations, points, frame
        cycle: dict = {"load_average": load_average()}
        started = time.perf_counter()
        # the same calls as monitor.service.run_check with no --plan/--region/--indicator
        with paused_gc(), read_snapshot(engine) as conn:
            series, milestones = plan_store.series_frames(conn)
            cycle["series_frames_s"] = time.perf_counter() - started
            cumulative = sorted(series.loc[series[c.KIND] == "cumulative", c.INDICATOR_ID].unique())
            observations = assessment_reads.observations_for_assessment(conn, args.as_of, None, None, cumulative)
            points = plan_store.point_frame(conn)
        cycle["load_s"] = time.perf_counter() - started
        cycle["observations_for_assessment_s"] = cycle["load_s"] - cycle["series_frames_s"]
        if i == 0:
            result["peak_rss_mb"]["after_load"] = peak_mb()
        with paused_gc():
            t = time.perf_counter()
            frame = assess(series, milestones, observations, args.as_of, points=points)
            cycle["assess_s"] = time.perf_counter() - t
            t = time.perf_counter()
            text = to_json(frame)
            cycle["render_json_s"] = time.perf_counter() - t
        cycle["render_json_bytes"] = len(text)
        del text
        cycle["total_s"] = time.perf_counter() - started
        if i == 0:
            result["peak_rss_mb"]["after_render"] = peak_mb()
        cycles.append(cycle)
        print(f"  in process {i + 1}: load {cycle['load_s']:.2f} s (series_frames {cycle['series_frames_s']:.2f} s, "
              f"observations_for_assessment {cycle['observations_for_assessment_s']:.2f} s), assess "
              f"{cycle['assess_s']:.2f} s, JSON {cycle['render_json_s']:.2f} s: {cycle['total_s']:.2f} s "
              f"(load average {cycle['load_average']:.2f})", flush=True)
    for name in ("series_frames_s", "observations_for_assessment_s", "load_s", "assess_s", "render_json_s",
                 "total_s"):
        result[name] = [cycle[name] for cycle in cycles]
    result["cycles"] = cycles
    result["rows"] = {"series": len(series), "milestones": len(milestones), "observations": len(observations)}

    # (b) DuckDB over the very frames assess() took: keys as text (VARCHAR), as a table would hold them ...
    con = duckdb.connect(config={"threads": 2})
    for name, df in (("observations", observations), ("series", series), ("milestones", milestones)):
        con.register("incoming", with_text_keys(df))
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM incoming")
        con.unregister("incoming")
    result["duckdb_query_s"], duck = duckdb_pace(lambda: con, args)
    print(f"  DuckDB on the frames assess() takes: {', '.join(f'{x:.3f}' for x in result['duckdb_query_s'])} s",
          flush=True)
    con.close()
    # ... and with the keys numbered as the storage layer hands them to assess() (categoricals become ENUMs)
    enum = duckdb.connect(config={"threads": 2})
    for name, df in (("observations", observations), ("series", series), ("milestones", milestones)):
        enum.register("incoming", df)
        enum.execute(f"CREATE TABLE {name} AS SELECT * FROM incoming")
        enum.unregister("incoming")
    result["duckdb_enum_query_s"], duck_enum = duckdb_pace(lambda: enum, args)
    enum.close()
    result["duckdb_enum_max_pace_diff"] = float(
        (duck.merge(duck_enum.astype({"plan_id": str, "indicator_id": str}), on=["plan_id", "indicator_id"])
         .pipe(lambda both: (both["pace_x"] - both["pace_y"]).abs().max())))
    print(f"  DuckDB on those frames, keys as ENUMs: "
          f"{', '.join(f'{x:.3f}' for x in result['duckdb_enum_query_s'])} s", flush=True)
    result["peak_rss_mb"]["after_duckdb"] = peak_mb()

    # the same arithmetic? linear level series with a known baseline and a defined pace
    mine = frame[(frame[c.KIND] == "level") & (frame[c.TRAJECTORY] == "linear") & ~frame[c.BASELINE_ESTIMATED]
                 & frame[c.PACE].notna()]
    both = mine[[c.PLAN_ID, c.INDICATOR_ID, c.PACE]].merge(
        duck[["plan_id", "indicator_id", "pace"]], on=[c.PLAN_ID, c.INDICATOR_ID], suffixes=("", "_duckdb"))
    diff = (both[c.PACE] - both["pace_duckdb"].astype(float)).abs()
    result["pace_check"] = {"compared": int(len(both)), "monitor_series": int(len(mine)),
                            "max_abs_diff": float(diff.max()) if len(both) else None,
                            "missing_in_duckdb": int(len(mine) - len(both)),
                            "ok": bool(len(both) == len(mine) and len(both) and diff.max() <= PACE_TOLERANCE)}
    result["statuses"] = frame[c.STATUS].value_counts().to_dict()
    print(f"  pace check: {result['pace_check']}", flush=True)

    # (a) DuckDB from stored data to answer: its own database file holding every stored value, opened afresh
    if args.duckdb_all:
        path, rows, copied = duckdb_store(engine, url, series, milestones)
        result["duckdb_store"] = {"path": str(path), "rows": rows, "copy_s": copied}
        del frame, observations, series, milestones, points
        result["duckdb_stored_s"], duck_all = duckdb_pace(
            lambda: duckdb.connect(str(path), read_only=True, config={"threads": 2}), args, close=True)
        same = duck.merge(duck_all, on=["plan_id", "indicator_id"], suffixes=("", "_all"))
        result["duckdb_all_max_pace_diff"] = float((same["pace"] - same["pace_all"]).abs().max())
        print(f"  DuckDB from its database file ({rows:,} stored values"
              f"{'' if copied is None else f', copied in {copied:.0f} s'}): "
              f"{', '.join(f'{x:.3f}' for x in result['duckdb_stored_s'])} s", flush=True)
    result["load_average"]["end"] = load_average()
    engine.dispose()
    return result


def with_text_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its categorical key columns (as the storage layer hands them over) turned into text."""
    return frame.astype({name: str for name, dtype in frame.dtypes.items() if isinstance(dtype, pd.CategoricalDtype)})


def duckdb_pace(connect, args: argparse.Namespace, close: bool = False) -> tuple[list[float], pd.DataFrame]:  # type: ignore[no-untyped-def]
    """Time the one-query linear pace ``--repeat`` times, fetch to pandas included (and opening the database,
    when ``connect`` opens one)."""
    as_of_ts = datetime(args.as_of.year, args.as_of.month, args.as_of.day)
    times, out = [], None
    for _ in range(args.repeat):
        del out
        started = time.perf_counter()
        con = connect()
        out = con.execute(DUCKDB_PACE_SQL, {"as_of": as_of_ts}).df()
        if close:
            con.close()
        times.append(time.perf_counter() - started)
    return times, out


def store_fingerprint(engine: sa.Engine) -> str:
    """What identifies the stored data cheaply: counts, the last value's id and the plans' checksums."""
    with engine.connect() as conn:
        count, last = conn.execute(select(func.count(), func.max(tb.observations.c.id))).one()
        plans, low, high = conn.execute(select(func.count(), func.min(tb.plans.c.sha256),
                                               func.max(tb.plans.c.sha256))).one()
    return f"{count}|{last}|{plans}|{low}|{high}"


def duckdb_store(engine: sa.Engine, url: str, series: pd.DataFrame, milestones: pd.DataFrame
                 ) -> tuple[Path, int, float | None]:
    """A DuckDB database file holding every current value of the database at ``url`` (and the series and
    milestones the pace query joins), made once per state of that database; (path, rows, seconds to copy or
    None when reused)."""
    import duckdb

    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:10]
    path = ROOT / "benchmarks" / "out" / f"national-{describe(url)}-{digest}.duckdb"
    fingerprint = store_fingerprint(engine)
    if path.exists():
        try:
            con = duckdb.connect(str(path), read_only=True)
            stored, rows = con.execute("SELECT fingerprint, rows FROM source").fetchone()
            con.close()
            if stored == fingerprint:
                return path, rows, None
        except duckdb.Error:
            pass
    started = time.perf_counter()
    work = path.with_suffix(".tmp")
    work.unlink(missing_ok=True)
    con = duckdb.connect(str(work))
    con.execute("CREATE TABLE observations (region_code VARCHAR, indicator_id VARCHAR, period VARCHAR, "
                "freq VARCHAR, period_end TIMESTAMP, value DOUBLE)")
    raw = engine.raw_connection()
    rows = 0
    try:
        cur = raw.cursor()
        cur.execute("SELECT region_code, indicator_id, period, freq, period_end, value FROM observations "
                    "WHERE is_current")
        while chunk := cur.fetchmany(500_000):
            df = pd.DataFrame(chunk, columns=["region_code", "indicator_id", "period", "freq", "period_end", "value"])
            df["period_end"] = pd.to_datetime(df["period_end"].astype(str), format="%Y-%m-%d")
            con.register("chunk", df)
            con.execute("INSERT INTO observations SELECT * FROM chunk")
            con.unregister("chunk")
            rows += len(df)
        cur.close()
    finally:
        raw.close()
    keep = ["plan_id", "region_code", "indicator_id", "baseline", "baseline_year", "plan_end_year"]
    for name, df in (("series", with_text_keys(series)[keep]), ("milestones", with_text_keys(milestones))):
        con.register("incoming", df)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM incoming")
        con.unregister("incoming")
    con.execute("CREATE TABLE source AS SELECT ? AS fingerprint, ? AS rows", [fingerprint, rows])
    con.execute("CHECKPOINT")
    con.close()
    work.replace(path)
    return path, rows, time.perf_counter() - started


def run_worker(args: argparse.Namespace, url: str) -> dict:
    """The in-process measurements in a fresh interpreter, so its peak RSS is theirs alone."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        out = Path(fh.name)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(out), "--database-url", url,
           "--as-of", args.as_of.isoformat(), "--repeat", str(args.repeat)]
    if not args.duckdb_all:
        cmd.append("--no-duckdb-all")
    try:
        subprocess.run(cmd, check=True, cwd=ROOT)
        return json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)


def machine_facts() -> dict:
    import duckdb

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": cpu, "memory_gb": round(mem_gb, 1), "platform": platform.platform(),
        "python": platform.python_version(), "pandas": pd.__version__, "numpy": np.__version__,
        "duckdb": duckdb.__version__, "sqlalchemy": sa.__version__,
    }


def database_facts(url: str) -> dict:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        import sqlite3
        return {"backend": "sqlite", "label": f"SQLite {sqlite3.sqlite_version}", "url": url}
    return {"backend": parsed.get_backend_name(), "label": "PostgreSQL",
            "url": parsed.render_as_string(hide_password=True)}


CODE_FILES = ["monitor/service.py", "monitor/storage/plan_store.py", "monitor/storage/assessment_reads.py",
              "monitor/storage/frames.py", "monitor/storage/tables.py", "monitor/core/assess.py",
              "monitor/report/check.py", "monitor/report/cells.py", "monitor/report/wording.py",
              "monitor/report/wording_bands.py", "monitor/report/wording_rates.py", "monitor/report/wording_row.py",
              "monitor/alerts/plain.py", "monitor/cli/check.py", "monitor/cli/output.py"]


def code_fingerprint() -> dict[str, str]:
    """sha256 (first 12 hex digits) and modification time of the files on the measured path."""
    out = {}
    for name in CODE_FILES:
        path = ROOT / name
        if path.exists():
            stamp = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).isoformat(timespec="seconds")
            out[name] = f"{hashlib.sha256(path.read_bytes()).hexdigest()[:12]} {stamp}"
    return out


def _median(xs: list[float]) -> float:
    return statistics.median(xs)


# --------------------------------------------------------------------------------------------------------------
# the report
# --------------------------------------------------------------------------------------------------------------

def _loads(pairs: list) -> str:
    flat = [x for pair in pairs for x in (pair if isinstance(pair, list) else [pair])]
    return f"{min(flat):.2f}–{max(flat):.2f}" if flat else ""


def ratios(figures: dict) -> dict:
    """The two ratios against DuckDB (medians), where both sides were measured."""
    e2e, ip = figures.get("end_to_end"), figures.get("in_process")
    out: dict = {}
    if ip and "duckdb_stored_s" in ip:
        duck = _median(ip["duckdb_stored_s"])
        out["stored_to_answer_in_process"] = _median(ip["total_s"]) / duck
        if e2e:
            out["stored_to_answer_end_to_end"] = _median(e2e["wall_s"]) / duck
    if ip:
        out["same_inputs_text_keys"] = _median(ip["assess_s"]) / _median(ip["duckdb_query_s"])
        out["same_inputs_enum_keys"] = _median(ip["assess_s"]) / _median(ip["duckdb_enum_query_s"])
    return out


def report(figures: dict) -> None:
    """The figures of one database."""
    db, e2e, ip = figures["database"], figures.get("end_to_end"), figures.get("in_process")
    print()
    print(f"== {db['label']}: {db['url']}")
    print(f"data: {figures['size']['regions']:,} regions × {figures['size']['indicators']} indicators × "
          f"{figures['size']['months']} months = {figures['size']['observations']:,} observations, as of "
          f"{figures['as_of']}")
    if figures.get("generate_s") is not None:
        print(f"generation: {figures['generate_s']:.1f} s")
    if figures.get("plans_replaced_s") is not None:
        print(f"plans: stored again as valid plan definitions in {figures['plans_replaced_s']:.1f} s")
    print(f"statistics: {figures['analyze']['note']}")
    header = f"{'measure':<58}{'min':>9}{'median':>9}  goal / note"
    print(header)
    print("-" * (len(header) + 40))

    def row(name: str, xs: list[float] | float, note: str = "", unit: str = "s") -> None:
        xs = xs if isinstance(xs, list) else [xs]
        fmt = (lambda v: f"{v:,.0f}") if unit == "MB" else (lambda v: f"{v:.3f}")
        print(f"{name + ' (' + unit + ')':<58}{fmt(min(xs)):>9}{fmt(_median(xs)):>9}  {note}")

    if e2e:
        ok = _median(e2e["wall_s"]) < GOAL_END_TO_END_S
        row("end to end: monitor check --format json", e2e["wall_s"],
            f"< {GOAL_END_TO_END_S:.0f} s  {'met' if ok else 'MISSED'}  (load average {_loads(e2e['load_average'])})")
        ok = max(e2e["peak_rss_mb"]) < GOAL_PEAK_MB
        row("end to end: peak RSS of the child", e2e["peak_rss_mb"],
            f"< {GOAL_PEAK_MB:,.0f} MB  {'met' if ok else 'MISSED'}  (the largest run: "
            f"{max(e2e['peak_rss_mb']):,.0f} MB)", unit="MB")
        if e2e.get("own_peak_rss_mb", 0) >= min(e2e["peak_rss_mb"]):
            print(f"  (this process itself peaked at {e2e['own_peak_rss_mb']:,.0f} MB, and a child reports at least "
                  "its parent's peak: the child's own peak may be smaller; measure in a run of its own)")
    if ip:
        row("in process: series_frames", ip["series_frames_s"])
        row("in process: observations_for_assessment", ip["observations_for_assessment_s"],
            f"({ip['rows']['observations']:,} rows handed to assess)")
        row("in process: assess()", ip["assess_s"])
        row("in process: JSON (report.check.to_json)", ip["render_json_s"])
        row("in process: read + assess + JSON", ip["total_s"],
            f"(load average {_loads([cycle['load_average'] for cycle in ip['cycles']])})")
        if "duckdb_stored_s" in ip:
            row("DuckDB: open its file, pace over every stored value", ip["duckdb_stored_s"],
                f"({ip['duckdb_store']['rows']:,} values, 2 threads, fetch included)")
        row("DuckDB: pace over the frames assess() takes, text keys", ip["duckdb_query_s"],
            f"({ip['rows']['observations']:,} rows, 2 threads)")
        row("DuckDB: the same, keys as ENUMs", ip["duckdb_enum_query_s"], "(keys numbered as assess() gets them)")
        peak = ip["peak_rss_mb"]
        row("in process: peak RSS after reading the inputs", peak["after_load"], "", unit="MB")
        row("in process: peak RSS after assess + JSON", peak["after_render"],
            f"< {GOAL_PEAK_MB:,.0f} MB  {'met' if peak['after_render'] < GOAL_PEAK_MB else 'MISSED'}", unit="MB")
    r = ratios(figures)
    if r:
        print()
        print("ratios against DuckDB (medians):")
        if "stored_to_answer_in_process" in r:
            print(f"  (a) stored data to answer: the monitor reads its database, assesses and renders JSON in "
                  f"{_median(ip['total_s']):.2f} s, {r['stored_to_answer_in_process']:.1f} × DuckDB opening a file "
                  f"of the same {ip['duckdb_store']['rows']:,} stored values and computing the linear pace "
                  f"({_median(ip['duckdb_stored_s']):.3f} s)"
                  + (f"; end to end (process start to JSON written) {r['stored_to_answer_end_to_end']:.1f} ×"
                     if "stored_to_answer_end_to_end" in r else ""))
        print(f"  (b) same inputs: assess() on the {ip['rows']['observations']:,} rows the storage layer selected "
              f"takes {_median(ip['assess_s']):.3f} s, {r['same_inputs_text_keys']:.1f} × DuckDB computing the "
              f"pace over the same frames with text keys, {r['same_inputs_enum_keys']:.1f} × with ENUM keys")
        print("  (a) is unequal work by design: DuckDB's query computes six columns of the pace of the "
              f"{ip['pace_check']['compared']:,} linear level series; the monitor computes every column of all "
              f"{ip['rows']['series']:,} series (forms, phases, milestones, projections, notes) and prints "
              f"them as JSON. (b) compares the assessment step alone on equal inputs.")
    if ip:
        pc = ip["pace_check"]
        if pc["monitor_series"] == 0:  # after the plan: final verdicts, no series judged by pace
            print("pace check: not applicable, no series is judged by pace on this date (the plans have ended; "
                  "the DuckDB query still computes a pace toward the passed year, which the monitor no longer does)")
        else:
            print(f"pace check (linear level series, known baseline): {pc['compared']:,} compared, max "
                  f"|monitor − DuckDB| = {pc['max_abs_diff']:.3g}, {'OK' if pc['ok'] else 'MISMATCH'} "
                  f"(tolerance {PACE_TOLERANCE:g})")
        if "duckdb_all_max_pace_diff" in ip:
            print(f"DuckDB pace over every stored value vs over the assess() frames: max difference "
                  f"{ip['duckdb_all_max_pace_diff']:.3g}; ENUM vs text keys: {ip['duckdb_enum_max_pace_diff']:.3g}")
    if e2e:
        print(f"end to end printed {e2e['objects']:,} objects ({e2e['output_bytes'] / 2**20:,.0f} MB of JSON, "
              f"sha256 {e2e['sha256'][:12]}); statuses: {e2e['statuses']}")
    if e2e and ip:
        same = e2e["statuses"] == ip["statuses"]
        print(f"statuses of the in-process assess() {'equal' if same else 'DIFFER FROM'} those of `monitor check`"
              + ("" if same else f": {ip['statuses']}"))


def summary(all_figures: list[dict]) -> None:
    """The goals and ratios of every database measured, side by side."""
    if not all_figures:
        return
    width = 24
    print()
    print("summary" + "".join(f"{f['database']['label']:>{width}}" for f in all_figures) + "  goal")
    print("-" * (7 + width * len(all_figures) + 24))

    def line(name: str, values: list[str], goal: str = "") -> None:
        print(f"{name:<7}" + "".join(f"{v:>{width}}" for v in values) + f"  {goal}")

    def e2e_cell(f: dict) -> str:
        e2e = f.get("end_to_end")
        if not e2e:
            return "—"
        median = _median(e2e["wall_s"])
        return f"{median:.2f} s {'met' if median < GOAL_END_TO_END_S else 'MISSED'}"

    def peak_cell(f: dict) -> str:
        e2e = f.get("end_to_end")
        if not e2e:
            return "—"
        peak = max(e2e["peak_rss_mb"])
        return f"{peak:,.0f} MB {'met' if peak < GOAL_PEAK_MB else 'MISSED'}"

    def ratio_cell(f: dict, key: str) -> str:
        r = ratios(f)
        return f"{r[key]:.1f} ×" if key in r else "—"

    print("end to end, `monitor check --format json` (median):")
    line("", [e2e_cell(f) for f in all_figures], f"< {GOAL_END_TO_END_S:.0f} s")
    print("peak RSS of `monitor check` (largest run):")
    line("", [peak_cell(f) for f in all_figures], f"< {GOAL_PEAK_MB:,.0f} MB")
    print("(a) stored data to answer, monitor in process (read + assess + JSON) / DuckDB from its file:")
    line("", [ratio_cell(f, "stored_to_answer_in_process") for f in all_figures])
    print("    … end to end (process start to JSON written) / DuckDB from its file:")
    line("", [ratio_cell(f, "stored_to_answer_end_to_end") for f in all_figures])
    print("(b) same inputs, assess() / DuckDB over the frames assess() takes (text keys; ENUM keys):")
    line("", [f"{ratio_cell(f, 'same_inputs_text_keys')}; {ratio_cell(f, 'same_inputs_enum_keys')}"
              for f in all_figures])
    print("load average during the measurements:")
    line("", [_loads((f.get("end_to_end") or {}).get("load_average", [])
                     + [c["load_average"] for c in (f.get("in_process") or {}).get("cycles", [])])
              for f in all_figures])


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--regions", type=int, default=2844)
    parser.add_argument("--indicators", type=int, default=40)
    parser.add_argument("--months", type=int, default=60, help="monthly periods from 2021-01")
    parser.add_argument("--database-url", action="append",
                        help=f"repeat to measure several databases in one run (default {DEFAULT_URL}); relative "
                             "SQLite paths are taken from the project root")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 1, 1))
    parser.add_argument("--reuse", action="store_true",
                        help="skip generation when the database already holds data of this size")
    parser.add_argument("--skip-generate", action="store_true", help="measure whatever the database holds")
    parser.add_argument("--generate-only", action="store_true", help="generate (and VACUUM ANALYZE) and stop")
    parser.add_argument("--no-analyze", dest="analyze", action="store_false",
                        help="PostgreSQL: measure without running VACUUM ANALYZE first")
    parser.add_argument("--skip-end-to-end", action="store_true")
    parser.add_argument("--skip-in-process", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-duckdb-all", dest="duckdb_all", action="store_false",
                        help="skip DuckDB over every stored value, ratio (a) (its file is made once per database)")
    parser.add_argument("--json-out", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.database_url = args.database_url or [DEFAULT_URL]
    return args


def measure_database(args: argparse.Namespace, url: str, out_dir: Path) -> dict:
    """Generate (or reuse), analyse and measure one database."""
    figures: dict = {"database": database_facts(url), "as_of": args.as_of.isoformat(), "generate_s": None,
                     "plans_replaced_s": None,
                     "size": {"regions": args.regions, "indicators": args.indicators, "months": args.months,
                              "observations": args.regions * args.indicators * args.months}}
    print(f"\n== {figures['database']['label']}: {figures['database']['url']}", flush=True)
    if args.skip_generate:
        engine = make_engine(url)
        counts = database_counts(engine)
        if not counts or not counts["observations"]:
            raise SystemExit("--skip-generate: the database holds no observations; run without it first")
        print(f"--skip-generate: measuring the database as it is: {counts}")
        figures["size"]["observations"] = counts["observations"]
    else:
        engine, needed = prepare_database(args, url)
        if needed:
            print(f"generating {figures['size']['observations']:,} observations (seed {SEED})", flush=True)
            figures["generate_s"] = generate(engine, args)
            print(f"generation took {figures['generate_s']:.1f} s", flush=True)
        elif not plans_are_valid(engine):
            print("the stored plan definitions are not valid plans (written by an older version of this "
                  "benchmark); storing them again", flush=True)
            figures["plans_replaced_s"] = replace_plans(engine, args)
    if args.analyze:
        figures["analyze"] = analyze(engine)
    else:
        figures["analyze"] = {"statement": None, "note": "not analysed (--no-analyze)"}
    print(f"  {figures['analyze']['note']}", flush=True)
    engine.dispose()
    if args.generate_only:
        return figures
    if not args.skip_end_to_end:
        print("end to end …", flush=True)
        figures["end_to_end"] = end_to_end(args, url, out_dir)
    if not args.skip_in_process:
        print("in process (fresh interpreter) …", flush=True)
        figures["in_process"] = run_worker(args, url)
    return figures


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.chdir(ROOT)
    if args.worker:
        args.worker.write_text(json.dumps(in_process(args)))
        return 0
    out_dir = ROOT / "benchmarks" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    figures: dict = {"machine": machine_facts(), "code": code_fingerprint(), "databases": []}
    for url in args.database_url:
        figures["databases"].append(measure_database(args, url, out_dir))
    if not args.generate_only:
        print()
        print("machine: " + ", ".join(f"{k} {v}" for k, v in figures["machine"].items()))
        for one in figures["databases"]:
            report(one)
        summary(figures["databases"])
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(figures, ensure_ascii=False, indent=2, default=str))
        print(f"figures written to {args.json_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
