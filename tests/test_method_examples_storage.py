"""Every worked example of docs/method.md again, through the database: the example's plans and figures are stored
(plans, indicators, milestones, succession, reported values), read back as `monitor check` reads them, and
assessed; the result must equal the pure core's on the same inputs, and the example's own assertions must hold.
On SQLite and PostgreSQL."""

from __future__ import annotations

import inspect
from datetime import datetime, timezone

import pandas as pd
import pytest
from sqlalchemy import delete, insert, update

import tests.test_method_examples as examples
from monitor.core import columns as c
from monitor.core.assess import assess as pure_assess
from monitor.storage import actual_store, assessment_reads, plan_store
from monitor.storage.db import read_snapshot
from monitor.storage.tables import milestones, observations, plan_indicators, plan_points, plans, submissions
from tests.test_assessment_inputs import store_series

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)
NOT_EXAMPLES = {"test_every_example_in_the_method_has_a_test", "test_the_method_refers_to_nothing_outside_the_repository"}
EXAMPLES = [name for name, _ in inspect.getmembers(examples, inspect.isfunction)
            if name.startswith("test_") and name not in NOT_EXAMPLES]


def through_storage(engine, series: pd.DataFrame, milestone_frame: pd.DataFrame, values: pd.DataFrame, as_of,
                    **kw) -> pd.DataFrame:
    with engine.begin() as conn:
        for table in (observations, submissions, milestones, plan_points, plan_indicators, plans):
            conn.execute(delete(table))
        store_series(conn, series, milestone_frame if len(milestone_frame) else None)
        point_rows = kw.get("points")
        if point_rows is not None and len(point_rows):
            conn.execute(insert(plan_points), [
                {"plan_id": r[c.PLAN_ID], "indicator_id": r[c.INDICATOR_ID], "role": r[c.ROLE], "year": int(r[c.YEAR]),
                 "value": float(r[c.VALUE])} for _, r in point_rows.iterrows()])
        if len(values):
            rows = values.assign(**{c.UNIT: "u", "original_value": values[c.VALUE].astype(str), "original_unit": None,
                                    "source": None, "note": None, "submitted_by": None,
                                    "row": range(2, len(values) + 2)})
            actual_store.store_actuals(conn, rows.drop(columns=[c.RESTATED], errors="ignore"),
                                       file_name="example.csv", sha256="0" * 64, submitted_by=None, now=NOW)
            if c.RESTATED in values:  # an officially restated cumulative figure: the flag the import sets
                for _, r in values[values[c.RESTATED]].iterrows():
                    conn.execute(update(observations).where(
                        observations.c.indicator_id == r[c.INDICATOR_ID], observations.c.period == r[c.PERIOD],
                        observations.c.is_current == True).values(cumulative=True))  # noqa: E712
    with read_snapshot(engine) as conn:
        stored_series, stored_milestones = plan_store.series_frames(conn)
        cumulative = sorted(stored_series.loc[stored_series[c.KIND] == "cumulative", c.INDICATOR_ID].unique())
        stored_values = assessment_reads.observations_for_assessment(conn, as_of, None, None, cumulative)
        stored_points = plan_store.point_frame(conn)
    kw_stored = {**kw, "points": stored_points} if "points" in kw else kw
    stored = pure_assess(stored_series, stored_milestones, stored_values, as_of, **kw_stored)
    direct = pure_assess(series, milestone_frame, values, as_of, **kw)
    keys = list(zip(direct[c.PLAN_ID], direct[c.INDICATOR_ID]))
    order = {key: i for i, key in enumerate(keys)}
    stored = stored.iloc[sorted(range(len(stored)), key=lambda i: order[(stored[c.PLAN_ID].iloc[i],
                                                                       stored[c.INDICATOR_ID].iloc[i])])]
    stored = stored.reset_index(drop=True)
    pd.testing.assert_frame_equal(stored, direct)
    return stored


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_worked_example_holds_through_the_database(example, engine, monkeypatch):
    monkeypatch.setattr(examples, "assess", lambda *args, **kw: through_storage(engine, *args, **kw))
    getattr(examples, example)()
