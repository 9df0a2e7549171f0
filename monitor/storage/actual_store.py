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
    Connection, String, and_, asc, case, cast, desc, except_, exists, func, insert, literal, select, true, tuple_,
    union_all, update,
)

from monitor.core import columns as c
from monitor.core.periods import ANNUAL, MONTHLY, QUARTERLY
from monitor.storage.frames import (
    categories, check_unchanged, fetch_frame, fetch_plain_chunks, fetch_plain_frame, numbered, to_categorical,
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

    Rather than every value, the database returns what monitor.core.assess reads, each value once: every value
    of cumulative indicators (for running totals), every year-end value of the other indicators (for projections
    and milestone verdicts), and of those other indicators' region × indicator pairs that a plan names, the latest
    value, the latest within each ended plan and the first value after the baseline year of those without a
    baseline, where these are not year-end values already (:func:`_edges_query`). Assessing this frame gives the
    same result as assessing all values (tests/test_assessment_inputs.py).

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
    cumulative = sorted(set(cumulative_ids) if not indicator_id else set(cumulative_ids) & {indicator_id})

    def rows_of(source, *conditions, joined=None):  # type: ignore[no-untyped-def]
        """The numbered columns of ``source`` (observations or a probe of them, read from ``joined`` when given)
        where ``conditions`` hold.

        Rows of regions or indicators no plan names come back without a number, and to_categorical drops them.
        """
        freq_number = case({freq: number for number, freq in enumerate(_FREQS)}, value=source.c.freq, else_=-1)
        return select(regions.c.number, indicators.c.number, source.c.period, freq_number,
                      cast(source.c.period_end, String(10)), source.c.value).select_from(
            (source if joined is None else joined).outerjoin(regions, regions.c.value == source.c.region_code)
            .outerjoin(indicators, indicators.c.value == source.c.indicator_id)).where(*conditions)

    current = o.c.is_current == True  # noqa: E712 - renders `= 1` / `= true`, which the indexes can use
    where = [current, o.c.period_end <= as_of, *_filters(region_codes, indicator_id, None)]
    edges, bulk = None, []  # a read of a few edges, and reads of hundreds of thousands of values
    named = select(plan_indicators.c.indicator_id).distinct().where(
        *([plan_indicators.c.indicator_id == indicator_id] if indicator_id else []))
    levels = sorted(set(conn.execute(named).scalars()) - set(cumulative))
    if levels:  # the other indicators: the edges of each series, and year-end values
        unknown = select(plans.c.baseline_year).join(
            plan_indicators, plan_indicators.c.plan_id == plans.c.plan_id).where(
            plan_indicators.c.baseline.is_(None)).distinct()
        ended = select(plans.c.period_end).where(plans.c.period_end < as_of.year).distinct()
        year_start = date(as_of.year, 1, 1)
        bounds = _Bounds(sorted(conn.execute(unknown).scalars()), sorted(conn.execute(ended).scalars()),
                         year_start, levels, _with_values_after(conn, levels, year_start, as_of))
        edges = _edges_query(conn.dialect.name, rows_of, as_of, region_codes, indicator_id, cumulative, bounds)
        others = [o.c.indicator_id.not_in(cumulative)] if cumulative else []
        bulk.append(rows_of(o, *where, o.c.year_end == True, *others))  # noqa: E712
    if cumulative:  # every value of a cumulative indicator: its running total needs them all
        bulk.append(rows_of(o, *where, o.c.indicator_id.in_(cumulative)))
    numbering = {regions: categories(conn, regions), indicators: categories(conn, indicators)}
    frames = []
    if edges is not None:
        # the queries read disjoint sets of values, except that two edges of a series may be one value (the latest
        # within an ended plan that is also the first after the baseline year); period end and frequency fix the
        # period
        frames.append(_typed(fetch_plain_frame(conn, edges, c.OBSERVATION_COLUMNS)).drop_duplicates(
            [c.REGION_CODE, c.INDICATOR_ID, c.PERIOD_END, c.FREQ]))
    frames += [fetch_plain_chunks(conn, query, c.OBSERVATION_COLUMNS, _typed) for query in bulk]
    check_unchanged(conn, numbering)
    if not frames:  # no plan names the indicator asked for
        frames = [_typed(pd.DataFrame(columns=c.OBSERVATION_COLUMNS))]
    frame = pd.concat([part for part in frames if len(part)] or frames[:1], ignore_index=True)
    frame = to_categorical(frame, {c.REGION_CODE: numbering[regions], c.INDICATOR_ID: numbering[indicators],
                                   c.FREQ: _FREQS})
    frame[c.RESTATED] = _restated(conn, frame, where)
    return frame


def _typed(chunk: pd.DataFrame) -> pd.DataFrame:
    """A chunk of read values with its period ends as dates and its values as floats."""
    chunk[c.PERIOD_END] = pd.to_datetime(chunk[c.PERIOD_END], format="%Y-%m-%d")
    chunk[c.VALUE] = chunk[c.VALUE].astype(float)
    return chunk


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
    """What the edges depend on: baseline years of plans that leave a baseline open, end years of plans that ended
    before the as-of year, the start of the as-of year (the last year end), the indicators that are not
    cumulative, and which of them have values after the last year end."""

    baseline_years: list[int]
    end_years: list[int]
    year_start: date
    levels: list[str]
    recent: list[str]


def _with_values_after(conn: Connection, indicator_ids: list[str], year_start: date, as_of: date) -> list[str]:
    """The indicators with a current value whose period ends after ``year_start`` and by ``as_of`` (a value of
    the as-of year), one index probe each. Where an indicator has none, the latest value of each of its series
    is its value of the last year end, if it has one: a year-end value, read anyway."""
    if not indicator_ids or year_start >= as_of:
        return []
    o = observations
    checks = [select(literal(ind, String(64))).where(exists(select(o.c.id).where(
        o.c.is_current == True, o.c.indicator_id == ind,  # noqa: E712
        o.c.period_end > year_start, o.c.period_end <= as_of))) for ind in indicator_ids]
    return sorted(conn.execute(union_all(*checks)).scalars())


def _edges_query(dialect: str, rows_of, as_of: date,  # type: ignore[no-untyped-def]
                 region_codes: list[str] | None, indicator_id: str | None, cumulative: list[str], bounds: _Bounds):
    """The edges of every series of an indicator that is not cumulative: its latest current value, its latest
    within each plan that has ended, and the first value after the baseline year of those without a baseline;
    only those that are not year-end values (the year-end query reads those).

    Each edge that must be looked for is one ``ORDER BY period_end, freq LIMIT 1`` probe, driven from the plans'
    region × indicator pairs, of the covering index (is_current, region_code, indicator_id, period_end, freq,
    period, value, year_end) of migration 0007, answered from the index alone. PostgreSQL runs it as a LATERAL
    subquery, which it can only plan as a nested loop of probes: a join on the probe's result
    (``id = (SELECT … LIMIT 1)``) let its planner, once it had statistics, hash all 6.8 million values of a national
    database instead (docs/benchmarks.md). SQLite, which has no LATERAL, matches the probe's (period_end, freq) on
    the same index.

    Many edges need no probe. An indicator with no value of the as-of year (an annual one in July, any of them
    before January's figures are in) leaves each of its series with its value of the last year end as the latest,
    where it has one: those series are found by one range scan of the year-end index (``settled``), and only the
    others are probed. A plan that has ended is judged on its own periods: the latest value up to its end year
    counts too; only where the latest value is later than that is there another value to find (a 2025Q3 when 2025
    itself is missing), and only there is it probed. A baseline left open is the value of the baseline year (a
    year-end value) or else the first value after that year. ``rows_of`` numbers the keys.
    """
    o, x = observations, observations.alias("x")

    def pairs(*conditions):  # type: ignore[no-untyped-def]
        query = select(plans.c.region_code, plan_indicators.c.indicator_id).join(
            plans, plans.c.plan_id == plan_indicators.c.plan_id).where(*conditions)
        if region_codes is not None:
            query = query.where(plans.c.region_code.in_(region_codes))
        if indicator_id:
            query = query.where(plan_indicators.c.indicator_id == indicator_id)
        if cumulative:
            query = query.where(plan_indicators.c.indicator_id.not_in(cumulative))
        return query.distinct().subquery()

    def probe(keys, order, *bound):  # type: ignore[no-untyped-def]
        """``keys`` joined to the current value of its pair that comes first in ``order`` of period end and
        frequency, with period ends up to ``as_of`` and ``bound``: (the join, the found value's columns). On a
        shared period end the core counts the coarsest figure as the latest and the finest as the first: freq
        letters sort M < Q < Y, so the same order on freq picks the same row."""
        conditions = [x.c.is_current == True, x.c.region_code == keys.c.region_code,  # noqa: E712
                      x.c.indicator_id == keys.c.indicator_id, x.c.period_end <= as_of, *bound]
        order_by = (order(x.c.period_end), order(x.c.freq))
        if dialect == "postgresql":
            found = select(x.c.region_code, x.c.indicator_id, x.c.period, x.c.freq, x.c.period_end, x.c.value,
                           x.c.year_end).where(*conditions).order_by(*order_by).limit(1).lateral("e")
            return keys.join(found, true()), found
        e = o.alias("e")
        first_or_latest = select(x.c.period_end, x.c.freq).where(*conditions).order_by(*order_by).limit(1)
        return keys.join(e, and_(e.c.is_current == True, e.c.region_code == keys.c.region_code,  # noqa: E712
                                 e.c.indicator_id == keys.c.indicator_id,
                                 tuple_(e.c.period_end, e.c.freq) == first_or_latest.scalar_subquery())), e

    # the latest value: where an indicator has no value of the as-of year, a series with a value of the last year
    # end has that as its latest (read with the year-end values); only the others are probed
    settled_ids = sorted(set(bounds.levels) - set(bounds.recent))
    settled = select(o.c.region_code, o.c.indicator_id, o.c.period_end).where(
        o.c.is_current == True, o.c.year_end == True, o.c.period_end == bounds.year_start,  # noqa: E712
        o.c.indicator_id.in_(settled_ids), *_filters(region_codes, indicator_id, None)).distinct().cte("settled")
    unsettled = []
    if bounds.recent:
        recent = pairs(plan_indicators.c.indicator_id.in_(bounds.recent))
        unsettled.append(select(recent.c.region_code, recent.c.indicator_id))
    if settled_ids:
        rest = pairs(plan_indicators.c.indicator_id.in_(settled_ids))
        without = except_(select(rest.c.region_code, rest.c.indicator_id),
                          select(settled.c.region_code, settled.c.indicator_id)).subquery()
        unsettled.append(select(without.c.region_code, without.c.indicator_id))
    keys = (union_all(*unsettled) if len(unsettled) > 1 else unsettled[0]).subquery()
    # in index order, so that consecutive probes read neighbouring index pages (a quarter less work for PostgreSQL
    # when its shared buffers do not hold the index)
    joined, found = probe(select(keys.c.region_code, keys.c.indicator_id).order_by(
        keys.c.region_code, keys.c.indicator_id).subquery(), desc)
    latest = select(found.c.region_code, found.c.indicator_id, found.c.period, found.c.freq, found.c.period_end,
                    found.c.value, found.c.year_end).select_from(joined).cte("latest")
    edges = [rows_of(latest, latest.c.year_end == False)]  # noqa: E712
    ends = union_all(select(latest.c.region_code, latest.c.indicator_id, latest.c.period_end),
                     select(settled.c.region_code, settled.c.indicator_id, settled.c.period_end)).subquery()
    for year in bounds.end_years:
        end = date(year + 1, 1, 1)
        ended = pairs(plans.c.period_end == year)
        later = select(ends.c.region_code, ends.c.indicator_id, ends.c.period_end).select_from(ends.join(
            ended, and_(ended.c.region_code == ends.c.region_code, ended.c.indicator_id == ends.c.indicator_id)
        )).where(ends.c.period_end > end).subquery()
        # probed only where the latest value is later than the plan's end (a condition inside the probe, too, so
        # that no planner probes before it filters)
        joined, found = probe(later, desc, x.c.period_end <= end, later.c.period_end > end)
        edges.append(rows_of(found, found.c.year_end == False, joined=joined))  # noqa: E712
    # the first value only matters where it becomes the baseline: indicators whose plan states none
    for year in bounds.baseline_years:
        keys = pairs(plan_indicators.c.baseline.is_(None), plans.c.baseline_year == year)
        joined, found = probe(keys, asc, x.c.period_end > date(year + 1, 1, 1))
        edges.append(rows_of(found, found.c.year_end == False, joined=joined))  # noqa: E712
    return union_all(*edges)


def count_current(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(observations).where(
        and_(observations.c.is_current.is_(True)))).scalar_one())
