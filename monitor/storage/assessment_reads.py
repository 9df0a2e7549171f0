"""The values an assessment reads from the database: :func:`observations_for_assessment`.

Not every stored value: what monitor.core.assess reads, each once (every value of cumulative indicators, the
year-end values of the others and the edges of each series), numbered the way the plans' frames are numbered so
the core matches them by number. monitor.storage.actual_store stores the values; this module reads them for the
assessment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import repeat

import numpy as np
import pandas as pd
from sqlalchemy import (
    Connection, Date, Integer, String, and_, asc, case, cast, desc, except_, exists, func, literal, select, true,
    tuple_, union_all,
)

from monitor.core import columns as c
from monitor.core.periods import ANNUAL, MONTHLY, QUARTERLY
from monitor.storage.actual_store import filters
from monitor.storage.frames import categories, check_unchanged, fetch_plain_chunks, fetch_plain_frame, numbered
from monitor.storage.tables import observations, plan_indicators, plans


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

    Region, indicator and frequency come as categorical columns, numbered as the plans' regions and indicators
    sort, so the core matches them to series by number. PostgreSQL numbers them itself and returns the numbers, so
    a million rows arrive without a million strings to hash; it joins the numbering in its own process, beside
    ours. SQLite runs in our process, where that join (an index probe per row) costs more than looking the texts
    up: it returns the texts. Either way period ends come as days since 1970 and each chunk of rows becomes
    columns as it arrives (:func:`_frame_of`). Read inside :func:`monitor.storage.db.read_snapshot`, so that the
    numbers and the values they stand for come from the same state of the plans.
    """
    o = observations
    regions = numbered(plans.c.region_code, "regions",
                       [] if region_codes is None else [plans.c.region_code.in_(region_codes)])
    indicators = numbered(plan_indicators.c.indicator_id, "indicators",
                          [plan_indicators.c.indicator_id == indicator_id] if indicator_id else [])
    cumulative = sorted(set(cumulative_ids) if not indicator_id else set(cumulative_ids) & {indicator_id})

    as_texts = conn.dialect.name == "sqlite"

    def rows_of(source, *conditions, joined=None):  # type: ignore[no-untyped-def]
        """The columns of ``source`` (observations or a probe of them, read from ``joined`` when given) where
        ``conditions`` hold, as :func:`_frame_of` takes them: keys as texts on SQLite, as numbers on PostgreSQL
        (rows of regions or indicators no plan names come back without a number, and are dropped)."""
        days = _days_since_1970(conn.dialect.name, source.c.period_end)
        if as_texts:
            return select(source.c.region_code, source.c.indicator_id, source.c.period, source.c.freq, days,
                          source.c.value).select_from(source if joined is None else joined).where(*conditions)
        freq_number = case({freq: number for number, freq in enumerate(_FREQS)}, value=source.c.freq, else_=-1)
        return select(regions.c.number, indicators.c.number, source.c.period, freq_number, days,
                      source.c.value).select_from(
            (source if joined is None else joined).outerjoin(regions, regions.c.value == source.c.region_code)
            .outerjoin(indicators, indicators.c.value == source.c.indicator_id)).where(*conditions)

    current = o.c.is_current == True  # noqa: E712 - renders `= 1` / `= true`, which the indexes can use
    where = [current, o.c.period_end <= as_of, *filters(region_codes, indicator_id, None)]
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
    names = {c.REGION_CODE: numbering[regions], c.INDICATOR_ID: numbering[indicators], c.FREQ: _FREQS}
    def build(rows: list[tuple]) -> pd.DataFrame:
        return _frame_of(rows, names, as_texts)

    frames = []
    if edges is not None:
        # the queries read disjoint sets of values, except that two edges of a series may be one value (the latest
        # within an ended plan that is also the first after the baseline year); period end and frequency fix the
        # period
        frames.append(fetch_plain_chunks(conn, edges, build).drop_duplicates(
            [c.REGION_CODE, c.INDICATOR_ID, c.PERIOD_END, c.FREQ]))
    frames += [fetch_plain_chunks(conn, query, build) for query in bulk]
    check_unchanged(conn, numbering)
    if not frames:  # no plan names the indicator asked for
        frames = [build([])]
    frame = pd.concat([part for part in frames if len(part)] or frames[:1], ignore_index=True)
    frame[c.RESTATED] = _restated(conn, frame, where)
    return frame


def _days_since_1970(dialect: str, period_end):  # type: ignore[no-untyped-def]
    """A period end as the number of days since 1970-01-01: an integer costs less to read than a date or text."""
    if dialect == "sqlite":
        return cast(func.julianday(period_end) - _UNIX_JULIAN_DAY, Integer)
    return cast(period_end - literal(_EPOCH, Date), Integer)  # PostgreSQL: date - date is a number of days


def _frame_of(rows: list[tuple], names: dict[str, list], as_texts: bool) -> pd.DataFrame:
    """Read values (key, key, period, frequency, days since 1970, value) as the frame the assessment takes: the keys
    and frequency categorical with the categories of ``names``, period ends as dates, values as floats. The keys
    come as texts (looked up in the categories) or as numbers (``as_texts`` false); rows of regions or indicators
    no plan names (a text not among the categories, or no number) are dropped.

    Built column by column from the driver's tuples, straight into numpy arrays, rather than through a frame of
    Python objects: half the time on a national read.
    """
    count = len(rows)
    columns = list(zip(*rows)) if count else [()] * len(c.OBSERVATION_COLUMNS)
    regions, indicators, periods, freqs, days, values = columns
    codes = {}
    for name, keys in ((c.REGION_CODE, regions), (c.INDICATOR_ID, indicators), (c.FREQ, freqs)):
        if as_texts:
            number = {value: position for position, value in enumerate(names[name])}
            codes[name] = np.fromiter(map(number.get, keys, repeat(-1)), dtype=np.int64, count=count)
        else:  # numbers, None where the outer join found none; one beyond the categories only where the plans
            # changed since they were read (outside a snapshot), which check_unchanged then refuses
            found = np.array(keys, dtype=np.float64)
            codes[name] = np.where(np.isnan(found) | (found >= len(names[name])), -1, found).astype(np.int64)
    period_ends = np.fromiter(days, dtype=np.int64, count=count).astype("datetime64[D]").astype("datetime64[us]")
    numbers = np.fromiter(values, dtype=np.float64, count=count)
    known = np.logical_and.reduce([found >= 0 for found in codes.values()])
    if not known.all():
        keep = np.flatnonzero(known)
        codes = {name: found[keep] for name, found in codes.items()}
        periods, period_ends, numbers = [periods[i] for i in keep], period_ends[keep], numbers[keep]
    return pd.DataFrame({
        **{name: pd.Categorical.from_codes(found, categories=names[name]) for name, found in codes.items()},
        c.PERIOD: pd.array(periods, dtype="str"), c.PERIOD_END: period_ends, c.VALUE: numbers,
    }, columns=c.OBSERVATION_COLUMNS)


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
_UNIX_JULIAN_DAY = 2440587.5  # julianday('1970-01-01')
_EPOCH = date(1970, 1, 1)


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
        o.c.indicator_id.in_(settled_ids), *filters(region_codes, indicator_id, None)).distinct().cte("settled")
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
