"""National-scale benchmark: 2,844 county-level regions × 40 indicators × 60 monthly periods.

Generates a synthetic but realistic data set straight into the database (bulk inserts, fixed seed), then measures

- end to end: ``monitor check --format json`` as a child process (wall time, peak RSS, objects printed);
- the assessment step alone: ``monitor.core.assess.assess`` on frames loaded once from the database;
- the same linear pace computed by DuckDB in one SQL query over all stored values (the yardstick), and, for
  comparison, over the very frames ``assess()`` takes (keys as text, and keys as the numbers it gets);
- peak memory of the child and of the in-process steps.

Usage (from the project root; ``make bench BENCH_ARGS="..."`` runs the same script)::

    .venv/bin/python benchmarks/national.py --reuse
    .venv/bin/python benchmarks/national.py --regions 100 --database-url sqlite:///benchmarks/out/small.db

docs/benchmarks.md records the figures and how to read them. Relative SQLite paths are taken from the project
root. The in-process measurements run in a fresh child process (``--worker``) so that the memory used by the
generator does not count towards their peak.
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
from sqlalchemy import func, insert, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from monitor.storage import tables as tb  # noqa: E402
from monitor.storage.db import make_engine, read_snapshot, upgrade  # noqa: E402

SEED = 20210101
PLAN_START, PLAN_END, BASELINE_YEAR = 2021, 2025, 2020
FIRST_MONTH = date(PLAN_START, 1, 1)
GOAL_END_TO_END_S = 15.0
GOAL_ASSESS_VS_DUCKDB = 1.5
GOAL_PEAK_MB = 2048.0
PACE_TOLERANCE = 1e-9

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


def plan_definition(code: str, name: str, indicators: list[dict]) -> str:
    """A JSON object that says what the row is; the check path never parses it as a plan file."""
    doc = {
        "note": "synthetic plan written by benchmarks/national.py; not a plan file (Plan.model_validate_json "
                "would reject it) — `monitor check` does not parse definitions",
        "id": f"bench-{code}", "region": {"code": code, "name": name},
        "period": {"start": PLAN_START, "end": PLAN_END}, "baseline_year": BASELINE_YEAR,
        "indicators": [ind["id"] for ind in indicators],
    }
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


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


def prepare_database(args: argparse.Namespace) -> tuple[sa.Engine, bool]:
    """An engine on an upgraded schema; True when the data must be (re)generated."""
    url = make_url(args.database_url)
    engine = make_engine(args.database_url)
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
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            engine.dispose()
            print(f"removing the old benchmark database {url.database} ({counts})")
            for suffix in ("", "-wal", "-shm"):
                Path(url.database + suffix).unlink(missing_ok=True)
            engine = make_engine(args.database_url)
        else:
            engine.dispose()
            raise SystemExit(f"the database already holds benchmark data of another size ({counts}); empty it or "
                             "use --reuse with the same --regions/--indicators/--months")
    upgrade(engine)
    return engine, True


def generate(engine: sa.Engine, args: argparse.Namespace) -> float:
    """Write plans, indicators, milestones and observations; returns the seconds it took."""
    started = time.perf_counter()
    rng = np.random.default_rng(SEED)
    inds = indicator_catalogue(args.indicators)
    codes = region_codes(args.regions)
    names = [f"县{i}" for i in range(args.regions)]
    labels, ends, december, t = month_periods(args.months)
    params = series_parameters(rng, args.regions, inds)
    now = datetime.now(timezone.utc)
    sqlite = engine.dialect.name == "sqlite"
    total = args.regions * args.indicators * args.months

    # plans, plan revisions, indicators, milestones: small, through SQLAlchemy Core executemany
    with engine.begin() as conn:
        plan_rows, revision_rows = [], []
        for code, name in zip(codes, names):
            definition = plan_definition(code, name, inds)
            digest = hashlib.sha256(definition.encode("utf-8")).hexdigest()
            plan_rows.append({
                "plan_id": f"bench-{code}", "region_code": code, "region_name": name,
                "title": f"{name}国民经济和社会发展第十四个五年规划（基准测试）", "period_start": PLAN_START,
                "period_end": PLAN_END, "baseline_year": BASELINE_YEAR, "definition": definition, "sha256": digest,
                "source_file": None, "loaded_at": now,
            })
            revision_rows.append({"plan_id": f"bench-{code}", "sha256": digest, "definition": definition,
                                  "source_file": None, "loaded_at": now})
        conn.execute(insert(tb.plans), plan_rows)
        conn.execute(insert(tb.plan_revisions), revision_rows)
        ind_rows, ms_rows = [], []
        for r, code in enumerate(codes):
            for j, ind in enumerate(inds):
                cumulative = ind["kind"] == "cumulative"
                baseline = 0.0 if cumulative else (round(float(params["base"][r, j]), 4) if ind["known"] else None)
                ind_rows.append({
                    "plan_id": f"bench-{code}", "indicator_id": ind["id"], "position": ind["position"],
                    "name": ind["name"], "unit": ind["unit"], "direction": ind["direction"], "kind": ind["kind"],
                    "trajectory": ind["trajectory"], "binding": "binding" if j % 5 == 0 else "expected",
                    "baseline": baseline, "growth_percent": None, "frequency": "monthly", "due_days": 30,
                })
                ms_rows.append({"plan_id": f"bench-{code}", "indicator_id": ind["id"], "year": PLAN_END,
                                "value": round(float(params["target"][r, j]), 4)})
                if ind["milestone_2035"] and not cumulative:
                    ms_rows.append({"plan_id": f"bench-{code}", "indicator_id": ind["id"], "year": 2035,
                                    "value": round(float(params["target_2035"][r, j]), 4)})
        for start in range(0, len(ind_rows), 50_000):
            conn.execute(insert(tb.plan_indicators), ind_rows[start:start + 50_000])
        for start in range(0, len(ms_rows), 50_000):
            conn.execute(insert(tb.milestones), ms_rows[start:start + 50_000])
        submission_id = conn.execute(insert(tb.submissions).values(
            file_name="national-benchmark (generated)", sha256=hashlib.sha256(b"national-benchmark").hexdigest(),
            submitted_by="benchmarks/national.py", imported_at=now, row_count=total, new_values=total,
            revised_values=0,
        )).inserted_primary_key[0]
    print(f"  plans {len(plan_rows):,}, indicators {len(ind_rows):,}, milestones {len(ms_rows):,} "
          f"in {time.perf_counter() - started:.1f} s", flush=True)

    # observations: 6.8 million rows, in chunks of regions, one transaction per chunk
    columns = ["region_code", "indicator_id", "period", "freq", "period_end", "year_end", "value", "unit",
               "submission_id", "revision", "is_current"]
    units = [ind["unit"] for ind in inds]
    ind_ids = [ind["id"] for ind in inds]
    end_values: list = [e.isoformat() for e in ends] if sqlite else ends
    december_list = [bool(x) for x in december]
    per_region = args.indicators * args.months
    chunk_regions = max(1, 250_000 // per_region)
    raw = engine.raw_connection() if sqlite else None
    if raw is not None:
        cur = raw.cursor()
        cur.execute("PRAGMA synchronous=OFF")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA cache_size=-262144")  # 256 MB page cache while loading
        sql = f"INSERT INTO observations ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
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
            if raw is not None:
                cur.executemany(sql, tuples)
                raw.commit()
            else:
                with engine.begin() as conn:
                    conn.execute(insert(tb.observations), [dict(zip(columns, row)) for row in tuples])
            written += n
            now_t = time.perf_counter()
            if now_t - last_report > 10 or written == total:
                elapsed = now_t - started
                print(f"  observations {written:>10,} / {total:,}  ({written / total:5.1%})  {elapsed:6.1f} s  "
                      f"{written / elapsed:,.0f} rows/s", flush=True)
                last_report = now_t
        if raw is not None:
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
    finally:
        if raw is not None:
            raw.close()
    return time.perf_counter() - started


# --------------------------------------------------------------------------------------------------------------
# measurements
# --------------------------------------------------------------------------------------------------------------

def monitor_command() -> list[str]:
    script = Path(sys.executable).with_name("monitor")
    return [str(script)] if script.exists() else [sys.executable, "-m", "monitor"]


def end_to_end(args: argparse.Namespace, out_dir: Path) -> dict:
    """Run ``monitor check --format json`` ``--repeat`` times: wall seconds and peak RSS of each child."""
    env = os.environ | {"MONITOR_DATABASE_URL": args.database_url}
    cmd = monitor_command() + ["check", "--as-of", args.as_of.isoformat(), "--format", "json", "--fail-on", "never"]
    out_file = out_dir / "check.json"
    walls, peaks = [], []
    for i in range(args.repeat):
        with open(out_file, "wb") as stdout, tempfile.TemporaryFile() as stderr:
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
        print(f"  end to end run {i + 1}: {wall:.2f} s, peak RSS {usage.ru_maxrss / 1024:,.0f} MB", flush=True)
    with open(out_file, encoding="utf-8") as fh:
        objects = json.load(fh)
    statuses = pd.Series([o["status"] for o in objects]).value_counts().to_dict()
    return {"command": " ".join(["monitor"] + cmd[len(monitor_command()):]), "wall_s": walls, "peak_rss_mb": peaks,
            "objects": len(objects), "output_bytes": out_file.stat().st_size, "statuses": statuses,
            "output": str(out_file.relative_to(ROOT) if out_file.is_relative_to(ROOT) else out_file)}


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
    """Load once, then time assess() and the DuckDB query ``--repeat`` times each; peak RSS after each stage."""
    import duckdb

    from monitor.bulk import paused_gc
    from monitor.core import columns as c
    from monitor.core.assess import assess
    from monitor.report.check import to_json
    from monitor.storage import actual_store, plan_store

    def peak_mb() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    result: dict = {"peak_rss_mb": {"start": peak_mb()}}
    engine = make_engine(args.database_url)
    # the same calls as monitor.service.run_check with no --plan/--region/--indicator
    started = time.perf_counter()
    with paused_gc(), read_snapshot(engine) as conn:
        series, milestones = plan_store.series_frames(conn)
        t_series = time.perf_counter() - started
        cumulative = sorted(series.loc[series[c.KIND] == "cumulative", c.INDICATOR_ID].unique())
        observations = actual_store.observations_for_assessment(conn, args.as_of, None, None, cumulative)
    result["load_s"] = time.perf_counter() - started
    result["load_series_s"] = t_series
    result["load_observations_s"] = result["load_s"] - t_series
    result["rows"] = {"series": len(series), "milestones": len(milestones), "observations": len(observations)}
    result["peak_rss_mb"]["after_load"] = peak_mb()
    print(f"  load: {result['load_s']:.2f} s (series_frames {t_series:.2f} s, observations_for_assessment "
          f"{result['load_observations_s']:.2f} s): {len(series):,} series, {len(observations):,} observation rows",
          flush=True)

    times, frame = [], None
    for _ in range(args.repeat):
        del frame
        started = time.perf_counter()
        with paused_gc():
            frame = assess(series, milestones, observations, args.as_of)
        times.append(time.perf_counter() - started)
    result["assess_s"] = times
    result["peak_rss_mb"]["after_assess"] = peak_mb()
    print(f"  assess: {', '.join(f'{x:.2f}' for x in times)} s", flush=True)

    started = time.perf_counter()
    with paused_gc():
        text = to_json(frame)
    result["render_json_s"] = time.perf_counter() - started
    result["render_json_bytes"] = len(text)
    del text
    result["peak_rss_mb"]["after_render"] = peak_mb()
    print(f"  render JSON (monitor.report.check.to_json): {result['render_json_s']:.2f} s", flush=True)

    # DuckDB over the very frames assess() took: their keys as text (VARCHAR), as a table would hold them
    con = duckdb.connect(config={"threads": 2})
    started = time.perf_counter()
    for name, df in (("observations", observations), ("series", series), ("milestones", milestones)):
        con.register("incoming", with_text_keys(df))
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM incoming")
        con.unregister("incoming")
    result["duckdb_load_s"] = time.perf_counter() - started
    result["duckdb_query_s"], duck = duckdb_pace(con, "observations", args)
    result["peak_rss_mb"]["after_duckdb"] = peak_mb()
    print(f"  DuckDB on the same frames: copy in {result['duckdb_load_s']:.2f} s, query "
          f"{', '.join(f'{x:.3f}' for x in result['duckdb_query_s'])} s", flush=True)
    # ... and with the keys numbered as the storage layer hands them to assess() (categoricals become ENUMs)
    enum = duckdb.connect(config={"threads": 2})
    for name, df in (("observations", observations), ("series", series), ("milestones", milestones)):
        enum.register("incoming", df)
        enum.execute(f"CREATE TABLE {name} AS SELECT * FROM incoming")
        enum.unregister("incoming")
    result["duckdb_enum_query_s"], duck_enum = duckdb_pace(enum, "observations", args)
    enum.close()
    result["duckdb_enum_max_pace_diff"] = float(
        (duck.merge(duck_enum.astype({"plan_id": str, "indicator_id": str}), on=["plan_id", "indicator_id"])
         .pipe(lambda both: (both["pace_x"] - both["pace_y"]).abs().max())))
    print(f"  DuckDB on the same frames, keys as ENUMs: query "
          f"{', '.join(f'{x:.3f}' for x in result['duckdb_enum_query_s'])} s", flush=True)

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

    # DuckDB over every stored value (the whole data set, not only the rows the storage layer hands to assess)
    if args.duckdb_all:
        del frame
        started = time.perf_counter()
        rows = load_all_observations(con, engine)
        result["duckdb_all_load_s"] = time.perf_counter() - started
        result["duckdb_all_rows"] = rows
        result["duckdb_all_query_s"], duck_all = duckdb_pace(con, "observations_all", args)
        same = duck.merge(duck_all, on=["plan_id", "indicator_id"], suffixes=("", "_all"))
        result["duckdb_all_max_pace_diff"] = float((same["pace"] - same["pace_all"]).abs().max())
        print(f"  DuckDB on all {rows:,} stored values: copy in {result['duckdb_all_load_s']:.1f} s, query "
              f"{', '.join(f'{x:.3f}' for x in result['duckdb_all_query_s'])} s", flush=True)
    engine.dispose()
    con.close()
    return result


def with_text_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its categorical key columns (as the storage layer hands them over) turned into text."""
    return frame.astype({name: str for name, dtype in frame.dtypes.items() if isinstance(dtype, pd.CategoricalDtype)})


def duckdb_pace(con, table: str, args: argparse.Namespace) -> tuple[list[float], pd.DataFrame]:  # type: ignore[no-untyped-def]
    """Time the one-query linear pace ``--repeat`` times, fetch to pandas included."""
    sql = DUCKDB_PACE_SQL.replace("FROM observations", f"FROM {table}")
    as_of_ts = datetime(args.as_of.year, args.as_of.month, args.as_of.day)
    times, out = [], None
    for _ in range(args.repeat):
        del out
        started = time.perf_counter()
        out = con.execute(sql, {"as_of": as_of_ts}).df()
        times.append(time.perf_counter() - started)
    return times, out


def load_all_observations(con, engine: sa.Engine) -> int:  # type: ignore[no-untyped-def]
    """Copy every current value into DuckDB table observations_all, in chunks through the DBAPI cursor."""
    con.execute("CREATE TABLE observations_all (region_code VARCHAR, indicator_id VARCHAR, period VARCHAR, "
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
            con.execute("INSERT INTO observations_all SELECT * FROM chunk")
            con.unregister("chunk")
            rows += len(df)
        cur.close()
    finally:
        raw.close()
    return rows


def run_worker(args: argparse.Namespace) -> dict:
    """The in-process measurements in a fresh interpreter, so its peak RSS is theirs alone."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        out = Path(fh.name)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(out), "--database-url", args.database_url,
           "--as-of", args.as_of.isoformat(), "--repeat", str(args.repeat)]
    if not args.duckdb_all:
        cmd.append("--no-duckdb-all")
    try:
        subprocess.run(cmd, check=True, cwd=ROOT)
        return json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)


def machine_facts(args: argparse.Namespace) -> dict:
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
    url = make_url(args.database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        import sqlite3
        backend = f"sqlite {sqlite3.sqlite_version} ({url.database})"
    else:
        backend = url.render_as_string(hide_password=True)
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": cpu, "memory_gb": round(mem_gb, 1), "platform": platform.platform(),
        "python": platform.python_version(), "pandas": pd.__version__, "numpy": np.__version__,
        "duckdb": duckdb.__version__, "sqlalchemy": sa.__version__, "database": backend,
    }


CODE_FILES = ["monitor/service.py", "monitor/storage/plan_store.py", "monitor/storage/actual_store.py",
              "monitor/core/assess.py", "monitor/report/check.py", "monitor/cli/check.py"]


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


def report(figures: dict) -> None:
    facts, e2e, ip = figures["machine"], figures.get("end_to_end"), figures.get("in_process")
    print()
    print("machine: " + ", ".join(f"{k} {v}" for k, v in facts.items()))
    print(f"data: {figures['size']['regions']:,} regions × {figures['size']['indicators']} indicators × "
          f"{figures['size']['months']} months = {figures['size']['observations']:,} observations, as of "
          f"{figures['as_of']}")
    if figures.get("generate_s") is not None:
        print(f"generation: {figures['generate_s']:.1f} s")
    print()
    header = f"{'measure':<48}{'min':>10}{'median':>10}  goal"
    print(header)
    print("-" * (len(header) + 30))

    def row(name: str, xs: list[float] | float, goal: str = "", unit: str = "s") -> None:
        xs = xs if isinstance(xs, list) else [xs]
        fmt = (lambda v: f"{v:,.0f}") if unit == "MB" else (lambda v: f"{v:.3f}")
        print(f"{name + ' (' + unit + ')':<48}{fmt(min(xs)):>10}{fmt(_median(xs)):>10}  {goal}")

    if e2e:
        ok = _median(e2e["wall_s"]) <= GOAL_END_TO_END_S
        row("end to end: monitor check --format json", e2e["wall_s"],
            f"≤ {GOAL_END_TO_END_S:.0f} s  {'met' if ok else 'MISSED'}")
        ok = max(e2e["peak_rss_mb"]) <= GOAL_PEAK_MB
        row("end to end: peak RSS of the child", e2e["peak_rss_mb"],
            f"≤ {GOAL_PEAK_MB:,.0f} MB  {'met' if ok else 'MISSED'}", unit="MB")
    if ip:
        row("load: series_frames", ip["load_series_s"])
        row("load: observations_for_assessment", ip["load_observations_s"],
            f"({ip['rows']['observations']:,} rows handed to assess)")
        # the goal: assess() next to DuckDB computing the linear pace in one query over the same data, the stored
        # values; without that run (--no-duckdb-all) it is judged against DuckDB over the input frames instead
        assess_s = _median(ip["assess_s"])
        yardstick = "duckdb_all_query_s" if "duckdb_all_query_s" in ip else "duckdb_query_s"
        ratio = assess_s / _median(ip[yardstick])
        over = "over the stored data" if yardstick == "duckdb_all_query_s" else "over the input frames"
        row("assess() alone", ip["assess_s"], f"≤ {GOAL_ASSESS_VS_DUCKDB} × DuckDB {over}: {ratio:.1f} ×  "
            f"{'met' if ratio <= GOAL_ASSESS_VS_DUCKDB else 'MISSED'}")
        if "duckdb_all_query_s" in ip:
            row("DuckDB query, all stored values", ip["duckdb_all_query_s"],
                f"(yardstick: {ip['duckdb_all_rows']:,} rows, 2 threads, fetch included)")
        row("DuckDB query, the frames assess() takes", ip["duckdb_query_s"],
            f"(keys as text; assess() = {assess_s / _median(ip['duckdb_query_s']):.1f} × this)")
        if "duckdb_enum_query_s" in ip:
            row("DuckDB query, those frames, keys as ENUMs", ip["duckdb_enum_query_s"],
                f"(keys numbered as assess() gets them; assess() = {assess_s / _median(ip['duckdb_enum_query_s']):.1f}"
                " × this)")
        row("render JSON (report.check.to_json)", ip["render_json_s"])
        peak = ip["peak_rss_mb"]
        row("in-process peak RSS after load", peak["after_load"], "", unit="MB")
        row("in-process peak RSS after assess + JSON", peak["after_render"],
            f"≤ {GOAL_PEAK_MB:,.0f} MB  {'met' if peak['after_render'] <= GOAL_PEAK_MB else 'MISSED'}", unit="MB")
        row("in-process peak RSS after DuckDB", peak["after_duckdb"], "(includes DuckDB's copy)", unit="MB")
        pc = ip["pace_check"]
        print()
        if pc["monitor_series"] == 0:  # after the plan: final verdicts, no series judged by pace
            print("pace check: not applicable, no series is judged by pace on this date (the plans have ended; "
                  "the DuckDB query still computes a pace toward the passed year, which the monitor no longer does)")
        else:
            print(f"pace check (linear level series, known baseline): {pc['compared']:,} compared, max "
                  f"|monitor − DuckDB| = {pc['max_abs_diff']:.3g}, {'OK' if pc['ok'] else 'MISMATCH'} "
                  f"(tolerance {PACE_TOLERANCE:g})")
        if "duckdb_enum_max_pace_diff" in ip:
            print(f"DuckDB pace with ENUM keys vs with text keys: max difference {ip['duckdb_enum_max_pace_diff']:.3g}")
        if "duckdb_all_max_pace_diff" in ip:
            print(f"DuckDB pace over all stored values vs over the assess() frames: max difference "
                  f"{ip['duckdb_all_max_pace_diff']:.3g}")
    if e2e:
        print(f"end to end printed {e2e['objects']:,} objects ({e2e['output_bytes'] / 2**20:,.0f} MB of JSON); "
              f"statuses: {e2e['statuses']}")
    if e2e and ip:
        same = e2e["statuses"] == ip["statuses"]
        print(f"statuses of the in-process assess() {'equal' if same else 'DIFFER FROM'} those of `monitor check`"
              + ("" if same else f": {ip['statuses']}"))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--regions", type=int, default=2844)
    parser.add_argument("--indicators", type=int, default=40)
    parser.add_argument("--months", type=int, default=60, help="monthly periods from 2021-01")
    parser.add_argument("--database-url", default="sqlite:///benchmarks/out/national.db",
                        help="relative SQLite paths are taken from the project root")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 1, 1))
    parser.add_argument("--reuse", action="store_true",
                        help="skip generation when the database already holds data of this size")
    parser.add_argument("--skip-generate", action="store_true", help="measure whatever the database holds")
    parser.add_argument("--generate-only", action="store_true", help="generate and stop")
    parser.add_argument("--skip-end-to-end", action="store_true")
    parser.add_argument("--skip-in-process", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-duckdb-all", dest="duckdb_all", action="store_false",
                        help="skip the second DuckDB run over every stored value (saves ~30 s and ~1 GB)")
    parser.add_argument("--json-out", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.chdir(ROOT)
    if args.worker:
        args.worker.write_text(json.dumps(in_process(args)))
        return 0
    out_dir = ROOT / "benchmarks" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    figures: dict = {"machine": machine_facts(args), "code": code_fingerprint(), "as_of": args.as_of.isoformat(),
                     "generate_s": None,
                     "size": {"regions": args.regions, "indicators": args.indicators, "months": args.months,
                              "observations": args.regions * args.indicators * args.months}}
    if args.skip_generate:
        engine = make_engine(args.database_url)
        counts = database_counts(engine)
        if not counts or not counts["observations"]:
            raise SystemExit("--skip-generate: the database holds no observations; run without it first")
        print(f"--skip-generate: measuring the database as it is: {counts}")
        figures["size"]["observations"] = counts["observations"]
    else:
        engine, needed = prepare_database(args)
        if needed:
            print(f"generating {figures['size']['observations']:,} observations into {figures['machine']['database']}"
                  f" (seed {SEED})", flush=True)
            figures["generate_s"] = generate(engine, args)
            print(f"generation took {figures['generate_s']:.1f} s", flush=True)
    engine.dispose()
    if args.generate_only:
        return 0
    if not args.skip_end_to_end:
        print("end to end …", flush=True)
        figures["end_to_end"] = end_to_end(args, out_dir)
    if not args.skip_in_process:
        print("in process (fresh interpreter) …", flush=True)
        figures["in_process"] = run_worker(args)
    report(figures)
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(figures, ensure_ascii=False, indent=2))
        print(f"figures written to {args.json_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
