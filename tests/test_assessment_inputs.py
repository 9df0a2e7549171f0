"""The database hands the core only the values it reads; the verdicts must equal those over every value."""

from datetime import date, datetime, timezone

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import insert, select

from monitor.core import columns as c
from monitor.core.assess import assess
from monitor.core.periods import parse_period
from monitor.storage import actual_store, assessment_reads, plan_store
from monitor.storage.tables import milestones, observations, plan_indicators, plans
from tests.frames import frames, series

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def random_history(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    items, rows = [], []
    kinds = ["level", "level", "cumulative", "growth_rate", "level"]
    for i in range(30):
        kind = kinds[i % len(kinds)]
        base = None if i % 7 == 3 else float(rng.uniform(1, 50))
        if kind == "cumulative":
            base = 0.0
        items.append(series(f"s{i}", baseline=base, kind=kind,
                            milestones={} if kind == "growth_rate" else {2025: float(rng.uniform(10, 120)),
                                                                         **({2035: 300.0} if i % 4 == 0 else {})},
                            growth_percent=8.0 if kind == "growth_rate" else None,
                            trajectory="compound" if i % 5 == 1 else "linear"))
        freq = ["Y", "Q", "M"][i % 3]
        labels = ([str(y) for y in range(2019, 2027)] if freq == "Y" else
                  [f"{y}Q{q}" for y in range(2020, 2027) for q in range(1, 5)] if freq == "Q" else
                  [f"{y}-{m:02d}" for y in range(2021, 2027) for m in range(1, 13)])
        if i % 6 == 5:  # a series reported at every frequency: periods share ends (2023, 2023Q4, 2023-12)
            labels = ([str(y) for y in range(2019, 2027)] + [f"{y}Q{q}" for y in range(2020, 2027) for q in (2, 4)]
                      + [f"{y}-{m:02d}" for y in range(2021, 2027) for m in (6, 12)])
        keep = rng.random(len(labels)) < 0.7
        for label in np.array(labels)[keep]:
            rows.append((f"s{i}", str(label), float(rng.uniform(1, 60))))
    s, m = frames(*items)
    obs = []
    for number, (ind, label, value) in enumerate(rows, start=2):
        p = parse_period(label)
        obs.append({c.REGION_CODE: "500229", c.INDICATOR_ID: ind, c.PERIOD: p.label, c.FREQ: p.freq,
                    c.PERIOD_END: pd.Timestamp(p.end), c.VALUE: value, c.UNIT: "u", "original_value": str(value),
                    "original_unit": None, "source": None, "note": None, "submitted_by": None, "row": number})
    return s, m, pd.DataFrame(obs)


def store_series(conn, s: pd.DataFrame, milestones_frame: pd.DataFrame | None = None) -> None:
    """The plan rows the storage layer drives its per-series lookups from, and the milestones."""
    successors = s.dropna(subset=[c.SUCCESSOR_ID]) if c.SUCCESSOR_ID in s else s.iloc[:0]
    succeeds = dict(zip(successors[c.SUCCESSOR_ID], successors[c.PLAN_ID]))  # the new plan names the old one
    for plan_id, part in s.groupby(c.PLAN_ID):
        first = part.iloc[0]
        start = first.get(c.PLAN_START_YEAR)
        conn.execute(insert(plans).values(
            plan_id=plan_id, region_code=first[c.REGION_CODE], region_name=first[c.REGION_NAME], title="t",
            period_start=int(first[c.BASELINE_YEAR]) + 1 if start is None or pd.isna(start) else int(start),
            period_end=int(first[c.PLAN_END_YEAR]), baseline_year=int(first[c.BASELINE_YEAR]),
            succeeds=succeeds.get(plan_id), definition="{}", sha256="0" * 64, loaded_at=NOW))
        conn.execute(insert(plan_indicators), [
            {"plan_id": plan_id, "indicator_id": row[c.INDICATOR_ID], "position": i, "name": row[c.INDICATOR_NAME],
             "unit": row[c.UNIT], "direction": row[c.DIRECTION], "kind": row[c.KIND],
             "trajectory": row[c.TRAJECTORY], "frequency": row[c.FREQUENCY], "due_days": int(row[c.DUE_DAYS]),
             "binding": None if pd.isna(row.get(c.BINDING)) else row[c.BINDING],
             "growth_percent": None if pd.isna(row[c.GROWTH_PERCENT]) else row[c.GROWTH_PERCENT],
             "baseline": 0.0 if row[c.KIND] == "cumulative" else None if pd.isna(row[c.BASELINE]) else row[c.BASELINE],
             **_form_values(row)}
            for i, (_, row) in enumerate(part.iterrows())])
    if milestones_frame is not None:
        conn.execute(insert(milestones), [
            {"plan_id": row[c.PLAN_ID], "indicator_id": row[c.INDICATOR_ID], "year": int(row[c.YEAR]),
             "value": float(row[c.VALUE])} for _, row in milestones_frame.iterrows()])


_FLAGS = (c.STRICT, c.ABOUT, c.BASELINE_IS_ESTIMATE)
_DB_NAMES = {c.RANGE_LOW: "range_low", c.RANGE_HIGH: "range_high", c.BASELINE_IS_ESTIMATE: "baseline_is_estimate"}


def _form_values(row: pd.Series) -> dict:
    """The target-form columns of a series row as plan_indicators stores them (defaults where absent)."""
    values = {}
    for name in c.FORM_COLUMNS:
        value = row.get(name)
        missing = value is None or (not isinstance(value, str) and pd.isna(value))
        if name in _FLAGS:
            values[_DB_NAMES.get(name, name)] = False if missing else bool(value)
        elif name == c.FORM:
            values[name] = "path" if missing else value
        elif name == c.JUDGED:
            values[name] = "each_year" if missing else value
        else:
            values[_DB_NAMES.get(name, name)] = None if missing else value
    return values


@pytest.mark.parametrize("seed", [1, 2])
def test_assessing_the_selected_values_equals_assessing_every_value(engine, seed):
    s, m, rows = random_history(np.random.default_rng(seed))
    with engine.begin() as conn:
        store_series(conn, s, m)
        actual_store.store_actuals(conn, rows, file_name="r.csv", sha256="0" * 64, submitted_by=None, now=NOW)
    cumulative = sorted(s.loc[s[c.KIND] == "cumulative", c.INDICATOR_ID])
    for as_of in (date(2022, 7, 1), date(2024, 3, 15), date(2026, 1, 1), date(2027, 6, 1)):
        with engine.connect() as conn:
            selected = assessment_reads.observations_for_assessment(conn, as_of, None, None, cumulative)
            everything = pd.DataFrame(conn.execute(select(
                observations.c.region_code, observations.c.indicator_id, observations.c.period, observations.c.freq,
                observations.c.period_end, observations.c.value)).fetchall(), columns=c.OBSERVATION_COLUMNS)
        everything[c.PERIOD_END] = pd.to_datetime(everything[c.PERIOD_END])
        assert len(selected) <= len(everything)
        a = assess(s, m, selected, as_of)
        b = assess(s, m, everything, as_of)
        pd.testing.assert_frame_equal(a, b)
        # and with the series and milestones as the database numbers them
        with engine.connect() as conn:
            stored_series, stored_milestones = plan_store.series_frames(conn)
        stored = assess(stored_series, stored_milestones, selected, as_of)
        order = stored[c.INDICATOR_ID].map({ind: i for i, ind in enumerate(a[c.INDICATOR_ID])})
        stored = stored.iloc[np.argsort(order.to_numpy())].reset_index(drop=True)
        same = [name for name in c.ASSESSMENT_COLUMNS if name != c.BINDING]  # the test plans state none
        pd.testing.assert_frame_equal(stored[same], a[same])


@pytest.mark.parametrize("seed", [3, 4])
def test_categorical_keys_give_the_same_assessment_as_text_keys(seed):
    s, m, obs = random_history(np.random.default_rng(seed))
    obs = obs[c.OBSERVATION_COLUMNS]
    as_of = date(2025, 3, 1)
    expected = assess(s, m, obs, as_of)
    rng = np.random.default_rng(seed)

    def categorical(column: pd.Series, extra: list[str]) -> pd.Categorical:
        # categories in a shuffled order, some of them used by no row, as another database might number them
        names = np.array(sorted(set(column) | set(extra)), dtype=object)
        return pd.Categorical(column, categories=list(rng.permutation(names)))

    s2 = s.assign(**{name: categorical(s[name], ["zz"]) for name in (c.PLAN_ID, c.REGION_CODE, c.INDICATOR_ID)})
    m2 = m.assign(**{name: categorical(m[name], ["yy"]) for name in (c.PLAN_ID, c.INDICATOR_ID)})
    obs2 = obs.assign(**{c.REGION_CODE: categorical(obs[c.REGION_CODE], ["999999"]),
                         c.INDICATOR_ID: categorical(obs[c.INDICATOR_ID], ["s99", "xx"]),
                         c.FREQ: categorical(obs[c.FREQ], ["Y", "Q", "M"])})
    pd.testing.assert_frame_equal(assess(s2, m2, obs2, as_of), expected)
    # a value of a region no series has, in a category of its own, is ignored as with text keys
    stray = obs2.iloc[:1].assign(**{c.REGION_CODE: pd.Categorical(["999999"], categories=["999999"])})
    pd.testing.assert_frame_equal(assess(s2, m2, pd.concat([obs2, stray], ignore_index=True), as_of), expected)


REGIONS = ("500229", "500230")


def succession_history(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Two regions, each with a 14th plan (2021–2025) and a 15th (2026–2030) that succeeds it and shares some of
    its indicators; values at every frequency from 2019 to 2031 with gaps, so that the latest value within an ended
    plan is sometimes not a year-end value (2025Q3 with 2025 missing) and the first value after an open baseline
    sometimes is one. Indicator c2 is cumulative in the first region and a level in the second."""
    items, rows = [], []
    for r, region in enumerate(REGIONS):
        old, new = f"p14-{region}", f"p15-{region}"
        for i in range(8):
            ind = f"i{i}"
            kind = "cumulative" if i in (1, 5) or (i == 2 and r == 0) else "growth_rate" if i == 6 else "level"
            base = None if i in (3, 7) else 0.0 if kind == "cumulative" else float(rng.uniform(5, 20))
            plans_of = [(old, 2020, 2025, {2025: float(rng.uniform(20, 60))})]
            if i < 5:  # the 15th plan takes over i0…i4; i5…i7 end with the 14th
                plans_of.append((new, 2025, 2030, {2030: float(rng.uniform(60, 90))}))
            for plan, by, end, ms in plans_of:
                succession = {"successor": new, "successor_start": 2026} if plan == old and i < 5 else {}
                items.append(series(ind, plan=plan, region=region, baseline=base, kind=kind, baseline_year=by,
                                    end_year=end, milestones={} if kind == "growth_rate" else ms,
                                    growth_percent=6.0 if kind == "growth_rate" else None,
                                    frequency=["annual", "quarterly", "monthly"][i % 3], **succession))
            freq = ["Y", "Q", "M"][(i + r) % 3]
            labels = ([str(y) for y in range(2019, 2032)] if freq == "Y" else
                      [f"{y}Q{q}" for y in range(2019, 2032) for q in range(1, 5)] if freq == "Q" else
                      [f"{y}-{m:02d}" for y in range(2020, 2032) for m in range(1, 13)])
            if i == 4:  # every frequency: periods share ends (2025, 2025Q4, 2025-12)
                labels = ([str(y) for y in range(2019, 2032)] + [f"{y}Q{q}" for y in range(2020, 2032) for q in (3, 4)]
                          + [f"{y}-{m:02d}" for y in range(2020, 2032) for m in (9, 12)])
            keep = rng.random(len(labels)) < 0.75
            for label in np.array(labels)[keep]:
                rows.append((region, ind, str(label), float(rng.uniform(1, 60))))
    # the latest within the ended plan is 2025Q3: its year end is missing, later values are not
    rows = [row for row in rows if not (row[0] == REGIONS[0] and row[1] == "i7" and row[2] in ("2025Q4", "2025-12"))]
    rows += [(REGIONS[0], "i7", "2025Q3", 33.0), (REGIONS[0], "i7", "2026Q2", 44.0)]
    rows = list({(region, ind, label): value for region, ind, label, value in rows}.items())
    s, m = frames(*items)
    obs = []
    for number, ((region, ind, label), value) in enumerate(rows, start=2):
        p = parse_period(label)
        obs.append({c.REGION_CODE: region, c.INDICATOR_ID: ind, c.PERIOD: p.label, c.FREQ: p.freq,
                    c.PERIOD_END: pd.Timestamp(p.end), c.VALUE: value, c.UNIT: "u", "original_value": str(value),
                    "original_unit": None, "source": None, "note": None, "submitted_by": None, "row": number})
    return s, m, pd.DataFrame(obs)


def every_value(conn) -> pd.DataFrame:
    o = observations
    frame = pd.DataFrame(conn.execute(select(o.c.region_code, o.c.indicator_id, o.c.period, o.c.freq,
                                             o.c.period_end, o.c.value).where(o.c.is_current == True))  # noqa: E712
                         .fetchall(), columns=c.OBSERVATION_COLUMNS)
    frame[c.PERIOD_END] = pd.to_datetime(frame[c.PERIOD_END])
    return frame


@pytest.mark.parametrize("seed", [5, 6])
def test_the_selected_values_give_every_verdict_of_successive_plans_in_several_regions(engine, seed):
    s, m, rows = succession_history(np.random.default_rng(seed))
    with engine.begin() as conn:
        store_series(conn, s, m)
        actual_store.store_actuals(conn, rows, file_name="r.csv", sha256="0" * 64, submitted_by=None, now=NOW)
    selections = [(None, None), ([REGIONS[0]], None), (None, "i2"), ([REGIONS[1]], "i1"), (None, "i7")]
    for as_of in (date(2022, 7, 1), date(2026, 1, 1), date(2026, 3, 15), date(2026, 8, 1), date(2031, 6, 1)):
        for regions, indicator in selections:
            with engine.connect() as conn:
                stored_series, stored_milestones = plan_store.series_frames(conn, None, regions, indicator)
                cumulative = sorted(stored_series.loc[stored_series[c.KIND] == "cumulative", c.INDICATOR_ID]
                                    .astype(str).unique())
                selected = assessment_reads.observations_for_assessment(conn, as_of, regions, indicator, cumulative)
                everything = every_value(conn)
            keys = [c.REGION_CODE, c.INDICATOR_ID, c.PERIOD_END, c.FREQ]
            assert not selected[keys].astype(str).duplicated().any()
            assert set(selected[keys].astype(str).itertuples(index=False)) <= set(
                everything[keys].astype(str).itertuples(index=False))
            pd.testing.assert_frame_equal(
                assess(stored_series, stored_milestones, selected, as_of),
                assess(stored_series, stored_milestones, everything, as_of), obj=f"{as_of} {regions} {indicator}")


def test_the_database_returns_each_value_the_assessment_reads_once(engine):
    """A monthly level series with a baseline, one without and a monthly flow, as of mid-2025: year-end values,
    the latest value, the first value of the open baseline, and every value of the flow."""
    items = [series("known", baseline=10.0, milestones={2025: 20.0}, frequency="monthly"),
             series("open", baseline=None, milestones={2025: 20.0}, frequency="monthly"),
             series("flow", kind="cumulative", milestones={2025: 500.0}, frequency="monthly")]
    s, m = frames(*items)
    labels = [f"{y}-{mo:02d}" for y in range(2021, 2026) for mo in range(1, 13)]
    rows = []
    for number, (ind, label) in enumerate(((ind, label) for ind in ("known", "open", "flow") for label in labels), 2):
        p = parse_period(label)
        rows.append({c.REGION_CODE: "500229", c.INDICATOR_ID: ind, c.PERIOD: p.label, c.FREQ: p.freq,
                     c.PERIOD_END: pd.Timestamp(p.end), c.VALUE: float(number), c.UNIT: "u",
                     "original_value": str(number), "original_unit": None, "source": None, "note": None,
                     "submitted_by": None, "row": number})
    with engine.begin() as conn:
        store_series(conn, s, m)
        actual_store.store_actuals(conn, pd.DataFrame(rows), file_name="r.csv", sha256="0" * 64, submitted_by=None,
                                   now=NOW)
    with engine.connect() as conn:
        selected = assessment_reads.observations_for_assessment(conn, date(2025, 7, 15), None, None, ["flow"])
    periods = selected.groupby(selected[c.INDICATOR_ID].astype(str))[c.PERIOD].apply(sorted).to_dict()
    assert periods["known"] == ["2021-12", "2022-12", "2023-12", "2024-12", "2025-06"]
    assert periods["open"] == ["2021-01", "2021-12", "2022-12", "2023-12", "2024-12", "2025-06"]
    assert periods["flow"] == labels[:54]  # 2021-01 … 2025-06
    assert len(selected) == 5 + 6 + 54
