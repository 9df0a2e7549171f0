"""Numbers and the values they stand for must come from one state of the plans, even while plans are loaded."""

from datetime import date, datetime, timezone

import pandas as pd
import pytest

from monitor.core import columns as c
from monitor.errors import MonitorError
from monitor.plans.model import Plan
from monitor.storage import assessment_reads, frames, plan_store
from monitor.storage.db import read_snapshot
from tests.test_storage import rows, small_plan, store

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


def earlier_plan() -> Plan:
    """A plan for a region whose code sorts before 500229, so it shifts the numbers of the regions after it."""
    return small_plan(id="aaa-plan", region={"name": "北京市东城区", "code": "110101"})


def load_a_plan_on_the_first_read(monkeypatch, engine, module) -> None:
    """Commit a new plan from another connection just before ``module``'s first bulk read runs (the values are read
    in chunks, the plans as one frame)."""
    name = "fetch_plain_chunks" if module is assessment_reads else "fetch_plain_frame"
    real = getattr(module, name)
    loaded = []

    def fetch_after_a_plan_load(conn, query, *args):
        if not loaded:
            with engine.begin() as other:
                plan_store.save_plan(other, earlier_plan(), "other.yaml", NOW)
            loaded.append(True)
        return real(conn, query, *args)

    monkeypatch.setattr(module, name, fetch_after_a_plan_load)


@pytest.fixture
def stored(engine):
    with engine.begin() as conn:
        plan_store.save_plan(conn, small_plan(), "p.yaml", NOW)
    store(engine, rows(("rd", "2022", 0.15), ("ent", "2023", 80)))
    return engine


def test_values_keep_their_region_when_a_plan_is_loaded_during_a_snapshot_read(stored, monkeypatch):
    load_a_plan_on_the_first_read(monkeypatch, stored, assessment_reads)
    with read_snapshot(stored) as conn:
        frame = assessment_reads.observations_for_assessment(conn, date(2024, 1, 1))
    assert sorted(zip(frame[c.REGION_CODE].astype(str), frame[c.INDICATOR_ID].astype(str), frame[c.VALUE])) == [
        ("500229", "ent", 80.0), ("500229", "rd", 0.15)]
    with read_snapshot(stored) as conn:  # the plan was committed, and a new snapshot sees it
        assert "110101" in list(plan_store.series_frames(conn)[0][c.REGION_CODE].astype(str))


def test_series_keep_their_plan_when_a_plan_is_loaded_during_a_snapshot_read(stored, monkeypatch):
    load_a_plan_on_the_first_read(monkeypatch, stored, plan_store)
    with read_snapshot(stored) as conn:
        series, milestones = plan_store.series_frames(conn)
    assert list(zip(series[c.PLAN_ID].astype(str), series[c.REGION_CODE].astype(str))) == [
        ("demo-plan", "500229"), ("demo-plan", "500229")]
    assert set(milestones[c.PLAN_ID].astype(str)) == {"demo-plan"}


def test_a_read_outside_a_snapshot_that_sees_the_plans_change_is_refused(stored, monkeypatch):
    load_a_plan_on_the_first_read(monkeypatch, stored, assessment_reads)
    with stored.connect() as conn, pytest.raises(MonitorError, match="plans changed"):
        assessment_reads.observations_for_assessment(conn, date(2024, 1, 1))


def test_the_numbering_follows_the_sorted_values(engine):
    with engine.begin() as conn:
        plan_store.save_plan(conn, small_plan(), "p.yaml", NOW)
        plan_store.save_plan(conn, earlier_plan(), "q.yaml", NOW)
    with read_snapshot(engine) as conn:
        regions = frames.numbered(plan_store.plans.c.region_code, "regions")
        assert frames.categories(conn, regions) == ["110101", "500229"]
        series, _ = plan_store.series_frames(conn)
    assert isinstance(series[c.REGION_CODE].dtype, pd.CategoricalDtype)
    assert list(series[c.REGION_CODE].astype(str)) == ["110101", "110101", "500229", "500229"]
