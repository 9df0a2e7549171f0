"""Time ``monitor.core.assess.assess`` alone, on frames pickled once, with the garbage collector paused.

Reading the national frames from the database takes far longer than assessing them, so this script reads them
from a pickle of ``(series, milestones, observations, points)`` and measures nothing but ``assess()``: best of N,
the GC paused as ``monitor check`` pauses it during bulk work. It is the assessment side of ratio (b) of
``benchmarks/national.py`` (same inputs: ``assess()`` against DuckDB over the very frames it takes), without the
database and DuckDB.

Make the pickle once from a database (the same calls as ``monitor.service.run_check`` with no
``--plan``/``--region``/``--indicator``; ``benchmarks/national.py --generate-only`` fills one)::

    .venv/bin/python benchmarks/assess_only.py /tmp/frames.pkl --dump-from sqlite:///benchmarks/out/national.db
    .venv/bin/python benchmarks/assess_only.py /tmp/frames.pkl \
        --dump-from postgresql+psycopg://postgres@127.0.0.1:5432/national

then time it, optionally saving the result or comparing it with a saved one (exact equality, dtypes included)::

    .venv/bin/python benchmarks/assess_only.py /tmp/frames.pkl --repeat 5 --save /tmp/assess_ref.pkl
    .venv/bin/python benchmarks/assess_only.py /tmp/frames.pkl --repeat 5 --compare /tmp/assess_ref.pkl
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from monitor.bulk import paused_gc  # noqa: E402
from monitor.core import columns as c  # noqa: E402
from monitor.core.assess import assess  # noqa: E402


def dump_frames(database_url: str, as_of: date, path: Path) -> tuple[pd.DataFrame, ...]:
    """Read the frames ``monitor check`` assesses for every plan from a database and pickle them to ``path``."""
    from monitor.storage import assessment_reads, plan_store
    from monitor.storage.db import make_engine, read_snapshot

    with paused_gc(), read_snapshot(make_engine(database_url)) as conn:
        series, milestones = plan_store.series_frames(conn)
        cumulative = sorted(series.loc[series[c.KIND] == "cumulative", c.INDICATOR_ID].unique())
        observations = assessment_reads.observations_for_assessment(conn, as_of, None, None, cumulative)
        points = plan_store.point_frame(conn)
    frames = (series, milestones, observations, points)
    with path.open("wb") as out:
        pickle.dump(frames, out, protocol=pickle.HIGHEST_PROTOCOL)
    return frames


def time_assess(frames: tuple, as_of: date, repeat: int) -> tuple[list[float], pd.DataFrame]:
    """Wall times of ``repeat`` calls of assess() with the GC paused, and the last result."""
    series, milestones, observations, *rest = frames  # pickles made before points were added hold three frames
    points = rest[0] if rest else None
    times, result = [], None
    for _ in range(repeat):
        del result  # so that freeing the previous result is not timed
        with paused_gc():
            started = time.perf_counter()
            result = assess(series, milestones, observations, as_of, points=points)
            times.append(time.perf_counter() - started)
    return times, result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("frames", type=Path, help="pickle of (series, milestones, observations[, points])")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 1, 1))
    parser.add_argument("--repeat", type=int, default=5, help="calls to time; the best counts")
    parser.add_argument("--dump-from", metavar="DATABASE_URL", help="first read the frames from this database")
    parser.add_argument("--save", type=Path, help="pickle the result of the last call here")
    parser.add_argument("--compare", type=Path, help="check the result equals this pickled frame exactly")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.dump_from:
        started = time.perf_counter()
        frames = dump_frames(args.dump_from, args.as_of, args.frames)
        print(f"read from the database and pickled to {args.frames} in {time.perf_counter() - started:.1f} s")
    else:
        with args.frames.open("rb") as source:
            frames = pickle.load(source)
    series, milestones, observations = frames[:3]
    print(f"{len(series):,} series, {len(milestones):,} milestones, {len(observations):,} observation rows, "
          f"as of {args.as_of}")
    times, result = time_assess(frames, args.as_of, args.repeat)
    print(f"assess(): best {min(times):.3f} s, median {statistics.median(times):.3f} s "
          f"over {len(times)} calls ({' '.join(f'{t:.3f}' for t in times)})")
    if args.save:
        with args.save.open("wb") as out:
            pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
        print(f"result saved to {args.save}")
    if args.compare:
        with args.compare.open("rb") as source:
            pd.testing.assert_frame_equal(result, pickle.load(source))
        print(f"result equals {args.compare}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
