"""Reported values in the database: append-only revisions with provenance, and the reads that use them.

A submitted value that equals the one that counts changes nothing; a different value becomes the next revision
of that region × indicator × period and the only one marked current. Everything for one file happens in the
caller's transaction, so a file is stored whole or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd
from sqlalchemy import (
    Connection, String, and_, asc, case, cast, desc, func, insert, select, tuple_, union_all, update,
)

from monitor.core import columns as c
from monitor.core.periods import ANNUAL, MONTHLY, QUARTERLY
from monitor.storage.frames import (
    categories, check_unchanged, fetch_frame, fetch_plain_frame, numbered, to_categorical,
)
from monitor.storage.tables import observations, plan_indicators, plans, submissions

_REL_TOL = 1e-12


@dataclass(frozen=True)
class StoreResult:
    rows: int
    new: int
    revised: int
    unchanged: int
    submission_id: int | None

    @property
    def changed(self) -> bool:
        return bool(self.new or self.revised)


def store_actuals(
    conn: Connection,
    rows: pd.DataFrame,
    *,
    file_name: str,
    sha256: str,
    submitted_by: str | None,
    now: datetime,
    dry_run: bool = False,
) -> StoreResult:
    """Store validated rows (the frame of monitor.actuals.validate) as new values or new revisions.

    The frame's optional ``cumulative`` column (口径 累计: an officially restated cumulative figure since the plan
    start; False when absent) goes to ``observations.cumulative``. A row is unchanged only when its number and its
    flag both equal those of the value that counts: the same number newly marked 累计, or no longer marked, is a new
    revision, as a changed number is.
    """
    current = _current_for(conn, rows)
    merged = rows.merge(current, on=[c.REGION_CODE, c.INDICATOR_ID, c.PERIOD], how="left")
    # eq(True): a missing flag (no such column, no stored value) is False
    merged["cumulative"] = merged["cumulative"].eq(True) if "cumulative" in merged else False
    old = merged["old_value"].to_numpy(dtype=float)
    new = merged[c.VALUE].to_numpy(dtype=float)
    is_new = np.isnan(old)
    same_flag = merged["old_cumulative"].eq(True).to_numpy() == merged["cumulative"].to_numpy()
    same = ~is_new & np.isclose(new, old, rtol=_REL_TOL, atol=0.0) & same_flag
    revised = ~is_new & ~same
    result = StoreResult(len(rows), int(is_new.sum()), int(revised.sum()), int(same.sum()), None)
    if dry_run or not result.changed:
        return result

    submission_id = conn.execute(
        insert(submissions).values(
            file_name=file_name, sha256=sha256, submitted_by=submitted_by, imported_at=now, row_count=len(rows),
            new_values=result.new, revised_values=result.revised,
        )
    ).inserted_primary_key[0]
    changed = merged[is_new | revised]
    stale_ids = changed["old_id"].dropna().astype(int).tolist()
    for start in range(0, len(stale_ids), 500):
        chunk = stale_ids[start:start + 500]
        conn.execute(update(observations).where(observations.c.id.in_(chunk)).values(is_current=False))
    revision = changed["old_revision"].fillna(0).astype(int) + 1
    ends = pd.to_datetime(changed[c.PERIOD_END])
    records = pd.DataFrame(
        {
            "region_code": changed[c.REGION_CODE],
            "indicator_id": changed[c.INDICATOR_ID],
            "period": changed[c.PERIOD],
            "freq": changed[c.FREQ],
            "period_end": ends.dt.date,
            "year_end": (ends.dt.month == 1) & (ends.dt.day == 1),
            "value": changed[c.VALUE].astype(float),
            "unit": changed[c.UNIT],
            "original_value": changed.get("original_value"),
            "original_unit": changed.get("original_unit"),
            "source": changed.get("source"),
            "note": changed.get("note"),
            "submitted_by": changed.get("submitted_by"),
            "submission_id": submission_id,
            "source_row": changed.get("row"),
            "revision": revision,
            "is_current": True,
            "cumulative": changed["cumulative"],
        }
    )
    records = records.astype(object).where(records.notna(), None)
    conn.execute(insert(observations), records.to_dict("records"))
    return StoreResult(result.rows, result.new, result.revised, result.unchanged, int(submission_id))


def _current_for(conn: Connection, rows: pd.DataFrame) -> pd.DataFrame:
    """The values that count now for the region × indicator pairs in ``rows``, with their 累计 flag."""
    pairs = rows[[c.REGION_CODE, c.INDICATOR_ID]].drop_duplicates().itertuples(index=False, name=None)
    pairs = list(pairs)
    names = [c.REGION_CODE, c.INDICATOR_ID, c.PERIOD, "old_value", "old_id", "old_revision", "old_cumulative"]
    frames = []
    for start in range(0, len(pairs), 200):
        chunk = pairs[start:start + 200]
        query = select(
            observations.c.region_code, observations.c.indicator_id, observations.c.period,
            observations.c.value, observations.c.id, observations.c.revision, observations.c.cumulative,
        ).where(
            observations.c.is_current.is_(True),
            tuple_(observations.c.region_code, observations.c.indicator_id).in_(chunk),
        )
        frames.append(fetch_frame(conn, query, names))
    if not frames:
        return pd.DataFrame(columns=names)
    return pd.concat(frames, ignore_index=True)


def _filters(region_codes: list[str] | None, indicator_id: str | None, period: str | None) -> list:
    where = []
    if region_codes is not None:
        where.append(observations.c.region_code.in_(region_codes))
    if indicator_id:
        where.append(observations.c.indicator_id == indicator_id)
    if period:
        where.append(observations.c.period == period)
    return where


def current_values(
    conn: Connection,
    region_codes: list[str] | None = None,
    indicator_id: str | None = None,
    period: str | None = None,
) -> pd.DataFrame:
    """Values that count now, with where each came from."""
    o, s = observations, submissions
    query = (
        select(o.c.region_code, o.c.indicator_id, o.c.period, o.c.value, o.c.unit, o.c.revision, o.c.submitted_by,
               s.c.file_name, o.c.source_row, s.c.imported_at)
        .outerjoin(s, s.c.id == o.c.submission_id)
        .where(o.c.is_current.is_(True), *_filters(region_codes, indicator_id, period))
        .order_by(o.c.region_code, o.c.indicator_id, o.c.period_end)
    )
    return fetch_frame(conn, query)


def value_history(
    conn: Connection,
    region_codes: list[str] | None = None,
    indicator_id: str | None = None,
    period: str | None = None,
) -> pd.DataFrame:
    """Every revision of the selected values, oldest first, with the file, row and checksum it came from."""
    o, s = observations, submissions
    query = (
        select(o.c.region_code, o.c.indicator_id, o.c.period, o.c.revision, o.c.value, o.c.unit,
               o.c.original_value, o.c.original_unit, o.c.is_current, o.c.submitted_by, s.c.imported_at,
               s.c.file_name, o.c.source_row, s.c.sha256, o.c.source, o.c.note)
        .outerjoin(s, s.c.id == o.c.submission_id)
        .where(*_filters(region_codes, indicator_id, period))
        .order_by(o.c.region_code, o.c.indicator_id, o.c.period_end, o.c.revision)
    )
    return fetch_frame(conn, query)


def observations_for_assessment(
    conn: Connection,
    as_of: date,
    region_codes: list[str] | None = None,
    indicator_id: str | None = None,
    cumulative_ids: list[str] | tuple[str, ...] = (),
) -> pd.DataFrame:
    """The current values the assessment needs, with periods ended by ``as_of``.

    Rather than every value, the database returns what monitor.core.assess reads: the first and the latest value
    of each region × indicator that a plan names, every year-end value (for projections and milestone verdicts),
    and every value of cumulative indicators (for running totals), all for regions and indicators the loaded
    plans name. Assessing this frame gives the same result as assessing all values.

    Region, indicator and frequency come as categorical columns: the database numbers the regions and indicators
    of the plans and returns those numbers, so a million rows arrive without a million strings to hash, and the
    core matches them to series by number. Read inside :func:`monitor.storage.db.read_snapshot`, so that the
    numbers and the values they stand for come from the same state of the plans.
    """
    o = observations
    regions = numbered(plans.c.region_code, "regions",
                       [] if region_codes is None else [plans.c.region_code.in_(region_codes)])
    indicators = numbered(plan_indicators.c.indicator_id, "indicators",
                          [plan_indicators.c.indicator_id == indicator_id] if indicator_id else [])

    freq_number = case({freq: number for number, freq in enumerate(_FREQS)}, value=o.c.freq, else_=-1)
    columns = [regions.c.number, indicators.c.number, o.c.period, freq_number, cast(o.c.period_end, String(10)),
               o.c.value]

    def with_numbers(query):  # type: ignore[no-untyped-def]
        # rows of regions or indicators no plan names come back without a number, and to_categorical drops them
        return query.outerjoin(regions, regions.c.value == o.c.region_code).outerjoin(
            indicators, indicators.c.value == o.c.indicator_id)

    current = o.c.is_current == True  # noqa: E712 - renders `= 1` / `= true`, which the indexes can use
    where = [current, o.c.period_end <= as_of, *_filters(region_codes, indicator_id, None)]
    unknown = select(plans.c.baseline_year).join(plan_indicators, plan_indicators.c.plan_id == plans.c.plan_id).where(
        plan_indicators.c.baseline.is_(None)).distinct()
    ended = select(plans.c.period_end).where(plans.c.period_end < as_of.year).distinct()
    bounds = _Bounds(sorted(conn.execute(unknown).scalars()), sorted(conn.execute(ended).scalars()))
    queries = [_edges_query(columns, with_numbers, as_of, region_codes, indicator_id, bounds),
               select(*columns).select_from(with_numbers(o)).where(*where, o.c.year_end == True)]  # noqa: E712
    if cumulative_ids:
        queries.append(select(*columns).select_from(with_numbers(o)).where(
            *where, o.c.indicator_id.in_(sorted(set(cumulative_ids)))))
    numbering = {regions: categories(conn, regions), indicators: categories(conn, indicators)}
    frame = pd.concat([fetch_plain_frame(conn, query, c.OBSERVATION_COLUMNS) for query in queries],
                      ignore_index=True)
    check_unchanged(conn, numbering)
    frame = to_categorical(frame, {c.REGION_CODE: numbering[regions], c.INDICATOR_ID: numbering[indicators],
                                   c.FREQ: _FREQS})
    frame[c.PERIOD_END] = pd.to_datetime(frame[c.PERIOD_END], format="%Y-%m-%d")
    frame[c.VALUE] = frame[c.VALUE].astype(float)
    # a value read by two of the queries comes once; period end and frequency fix the period
    frame = frame.drop_duplicates([c.REGION_CODE, c.INDICATOR_ID, c.PERIOD_END, c.FREQ], ignore_index=True)
    frame[c.RESTATED] = _restated(conn, frame, where)
    return frame


def _restated(conn: Connection, frame: pd.DataFrame, where: list) -> np.ndarray:
    """Which rows are officially restated cumulative figures: a few rows, read by their own index."""
    o = observations
    query = select(o.c.region_code, o.c.indicator_id, cast(o.c.period_end, String(10)), o.c.freq).where(
        *where, o.c.cumulative == True)  # noqa: E712
    flagged = fetch_plain_frame(conn, query, [c.REGION_CODE, c.INDICATOR_ID, c.PERIOD_END, c.FREQ])
    marks = np.zeros(len(frame), dtype=bool)
    if flagged.empty or frame.empty:
        return marks
    keys = set(zip(flagged[c.REGION_CODE], flagged[c.INDICATOR_ID],
                   pd.to_datetime(flagged[c.PERIOD_END], format="%Y-%m-%d"), flagged[c.FREQ]))
    candidates = np.flatnonzero(frame[c.INDICATOR_ID].astype(object).isin(set(flagged[c.INDICATOR_ID])).to_numpy())
    sub = frame.iloc[candidates]
    hit = [key in keys for key in zip(sub[c.REGION_CODE].astype(object), sub[c.INDICATOR_ID].astype(object),
                                       sub[c.PERIOD_END], sub[c.FREQ].astype(object))]
    marks[candidates[np.asarray(hit, dtype=bool)]] = True
    return marks


_FREQS = [MONTHLY, QUARTERLY, ANNUAL]  # the numbers the queries give frequencies


@dataclass(frozen=True)
class _Bounds:
    """The years the edges depend on: baseline years of plans that leave a baseline open, and end years of plans
    that ended before the as-of year."""

    baseline_years: list[int]
    end_years: list[int]


def _edges_query(columns: list, with_numbers, as_of: date,  # type: ignore[no-untyped-def]
                 region_codes: list[str] | None, indicator_id: str | None, bounds: _Bounds):
    """The latest current value of every series, its latest within the plan, and the first value after the
    baseline year of those without a baseline, one probe each.

    Driven from the plans' region × indicator pairs, each edge is a correlated ``ORDER BY period_end LIMIT 1``
    on the (is_current, region_code, indicator_id, period_end, freq) index, which SQLite and PostgreSQL both
    answer without reading the other values of the series. ``with_numbers`` adds the joins that number the keys.
    A plan that has ended is judged on its own periods: the latest value up to its end year is read too (year-end
    values come anyway; this finds a 2025Q3 when 2025 itself is missing). A baseline left open is the value of
    the baseline year (a year-end value) or else the first value after that year.
    """
    o, x = observations, observations.alias("x")

    def pairs(*conditions):  # type: ignore[no-untyped-def]
        query = select(plans.c.region_code, plan_indicators.c.indicator_id).join(
            plans, plans.c.plan_id == plan_indicators.c.plan_id).where(*conditions)
        if region_codes is not None:
            query = query.where(plans.c.region_code.in_(region_codes))
        if indicator_id:
            query = query.where(plan_indicators.c.indicator_id == indicator_id)
        return query.distinct().subquery()

    def edge(keys, order, *bound):  # type: ignore[no-untyped-def]
        # on a shared period end the core counts the coarsest figure as the latest and the finest as the first:
        # freq letters sort M < Q < Y, so the same order on freq picks the same row
        first_or_latest = (
            select(x.c.id)
            .where(x.c.is_current == True, x.c.region_code == keys.c.region_code,  # noqa: E712
                   x.c.indicator_id == keys.c.indicator_id, x.c.period_end <= as_of, *bound)
            .order_by(order(x.c.period_end), order(x.c.freq))
            .limit(1)
            .scalar_subquery()
        )
        return select(*columns).select_from(with_numbers(keys.join(o, o.c.id == first_or_latest)))

    edges = [edge(pairs(), desc)]
    for year in bounds.end_years:
        edges.append(edge(pairs(plans.c.period_end == year), desc, x.c.period_end <= date(year + 1, 1, 1)))
    # the first value only matters where it becomes the baseline: indicators whose plan states none
    for year in bounds.baseline_years:
        edges.append(edge(pairs(plan_indicators.c.baseline.is_(None), plans.c.baseline_year == year), asc,
                          x.c.period_end > date(year + 1, 1, 1)))
    return union_all(*edges)


def count_current(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(observations).where(
        and_(observations.c.is_current.is_(True)))).scalar_one())
