"""Every worked example of docs/method.md again, through the database: the example's plans and figures are stored
(plans, indicators, milestones, succession, reported values), read back as `monitor check` reads them, and
assessed; the result must equal the pure core's on the same inputs, and the example's own assertions must hold.
On SQLite and PostgreSQL."""

from __future__ import annotations

import inspect
from datetime import datetime, timezone

import pandas as pd
import pytest
from sqlalchemy import delete

import tests.test_method_examples as examples
from monitor.core import columns as c
from monitor.core.assess import assess as pure_assess
from monitor.storage import actual_store, plan_store
from monitor.storage.db import read_snapshot
from monitor.storage.tables import milestones, observations, plan_indicators, plans, submissions
from tests.test_assessment_inputs import store_series

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)
NOT_EXAMPLES = {"test_every_example_in_the_method_has_a_test", "test_the_method_refers_to_nothing_outside_the_repository"}
EXAMPLES = [name for name, _ in inspect.getmembers(examples, inspect.isfunction)
            if name.startswith("test_") and name not in NOT_EXAMPLES]


def through_storage(engine, series: pd.DataFrame, milestone_frame: pd.DataFrame, values: pd.DataFrame, as_of,
                    **kw) -> pd.DataFrame:
    with engine.begin() as conn:
        for table in (observations, submissions, milestones, plan_indicators, plans):
            conn.execute(delete(table))
        store_series(conn, series, milestone_frame if len(milestone_frame) else None)
        if len(values):
            rows = values.assign(**{c.UNIT: "u", "original_value": values[c.VALUE].astype(str), "original_unit": None,
                                    "source": None, "note": None, "submitted_by": None,
                                    "row": range(2, len(values) + 2)})
            actual_store.store_actuals(conn, rows, file_name="example.csv", sha256="0" * 64, submitted_by=None,
                                       now=NOW)
    with read_snapshot(engine) as conn:
        stored_series, stored_milestones = plan_store.series_frames(conn)
        cumulative = sorted(stored_series.loc[stored_series[c.KIND] == "cumulative", c.INDICATOR_ID].unique())
        stored_values = actual_store.observations_for_assessment(conn, as_of, None, None, cumulative)
    stored = pure_assess(stored_series, stored_milestones, stored_values, as_of, **kw)
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
