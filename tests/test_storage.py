"""Storage on real SQLite and PostgreSQL: migrations, plan versions, append-only revisions of reported values."""

from datetime import date, datetime, timezone

import pandas as pd
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from monitor.core import columns as c
from monitor.core.periods import parse_period
from monitor.plans.model import Plan
from monitor.storage import actual_store, assessment_reads, plan_store
from monitor.storage.db import current_revision, head_revision, upgrade
from monitor.storage.tables import metadata, observations, plan_revisions

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


def small_plan(**changes) -> Plan:
    doc = {
        "id": "demo-plan", "title": "示例规划", "region": {"name": "城口县", "code": "500229"},
        "period": {"start": 2021, "end": 2025}, "baseline_year": 2020, "source": {"title": "示例"},
        "indicators": [
            {"id": "rd", "name": "研发经费", "unit": "亿元", "baseline": 0.1, "milestones": {2025: 0.3},
             "source": {"table": "表2", "row": 1}},
            {"id": "ent", "name": "科技型企业数", "unit": "家", "baseline": 68, "milestones": {2025: 100, 2035: 200},
             "source": {"table": "表2", "row": 5}},
        ],
    }
    doc.update(changes)
    return Plan.model_validate(doc)


def rows(*values, submitted_by="县科技局"):
    out = []
    for number, (indicator, label, value) in enumerate(values, start=2):
        p = parse_period(label)
        out.append({c.REGION_CODE: "500229", c.INDICATOR_ID: indicator, c.PERIOD: p.label, c.FREQ: p.freq,
                    c.PERIOD_END: pd.Timestamp(p.end), c.VALUE: value, c.UNIT: "亿元", "original_value": str(value),
                    "original_unit": None, "source": None, "note": None, "submitted_by": submitted_by,
                    "row": number})
    return pd.DataFrame(out)


def store(engine, frame, name="a.csv", sha="0" * 64):
    with engine.begin() as conn:
        return actual_store.store_actuals(conn, frame, file_name=name, sha256=sha, submitted_by="x", now=NOW)


def test_migrations_create_exactly_the_tables_the_code_declares(engine):
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_upgrading_an_up_to_date_database_changes_nothing(engine):
    assert upgrade(engine) == (head_revision(), head_revision())


def test_saving_a_plan_twice_changes_nothing_and_an_edit_is_a_new_version_with_its_changes(engine):
    with engine.begin() as conn:
        assert plan_store.save_plan(conn, small_plan(), "p.yaml", NOW).outcome == "new"
    with engine.begin() as conn:
        assert plan_store.save_plan(conn, small_plan(), "p.yaml", NOW).outcome == "unchanged"
    edited = small_plan()
    edited_doc = edited.model_dump(mode="json")
    edited_doc["indicators"][0]["milestones"] = {"2025": 0.25}
    with engine.begin() as conn:
        result = plan_store.save_plan(conn, Plan.model_validate(edited_doc), "p.yaml", NOW)
    assert result.outcome == "changed"
    assert any("indicator rd milestones.2025: 0.3 → 0.25" in change for change in result.changes)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(plan_revisions)).scalar_one() == 2
        series, milestones = plan_store.series_frames(conn)
    assert list(series[c.INDICATOR_ID]) == ["rd", "ent"]
    assert milestones.set_index([c.INDICATOR_ID, c.YEAR]).loc[("rd", 2025), c.VALUE] == 0.25


def test_a_changed_value_becomes_a_new_revision_and_the_old_one_is_kept(engine):
    first = store(engine, rows(("rd", "2022", 0.15), ("rd", "2023", 0.16)))
    assert (first.new, first.revised, first.unchanged) == (2, 0, 0)
    again = store(engine, rows(("rd", "2022", 0.15), ("rd", "2023", 0.16)))
    assert not again.changed and again.submission_id is None
    revised = store(engine, rows(("rd", "2022", 0.15), ("rd", "2023", 0.17)), name="b.csv", sha="1" * 64)
    assert (revised.new, revised.revised, revised.unchanged) == (0, 1, 1)
    with engine.connect() as conn:
        history = actual_store.value_history(conn, ["500229"], "rd", "2023")
        current = actual_store.current_values(conn, ["500229"], "rd")
    assert list(history["value"]) == [0.16, 0.17]
    assert list(history["revision"]) == [1, 2]
    assert list(history["is_current"]) == [False, True]
    assert list(history["file_name"]) == ["a.csv", "b.csv"]
    assert list(current.sort_values("period")["value"]) == [0.15, 0.17]


def test_a_dry_run_stores_nothing(engine):
    with engine.begin() as conn:
        result = actual_store.store_actuals(conn, rows(("rd", "2022", 0.15)), file_name="a.csv", sha256="0" * 64,
                                            submitted_by=None, now=NOW, dry_run=True)
    assert result.new == 1
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(observations)).scalar_one() == 0


def test_assessment_inputs_hold_only_current_values_of_periods_ended_by_the_as_of_date(engine):
    with engine.begin() as conn:
        plan_store.save_plan(conn, small_plan(), "p.yaml", NOW)
    store(engine, rows(("rd", "2022", 0.15), ("rd", "2023", 0.16), ("rd", "2024Q1", 0.2)))
    store(engine, rows(("rd", "2023", 0.18)), name="b.csv")
    with engine.connect() as conn:
        frame = assessment_reads.observations_for_assessment(conn, date(2024, 3, 31), ["500229"])
    assert sorted(zip(frame[c.PERIOD], frame[c.VALUE])) == [("2022", 0.15), ("2023", 0.18)]


def test_assessment_inputs_are_numbered_by_the_database_and_skip_what_no_plan_names(engine):
    with engine.begin() as conn:
        plan_store.save_plan(conn, small_plan(), "p.yaml", NOW)
    store(engine, rows(("rd", "2022", 0.15), ("ent", "2022Q4", 80), ("ent", "2023-06", 85), ("other", "2022", 1.0)))
    with engine.connect() as conn:
        frame = assessment_reads.observations_for_assessment(conn, date(2024, 1, 1))
        series, milestones = plan_store.series_frames(conn)
    # the values come back as categorical columns whose categories are the plans' regions and indicators
    for name in (c.REGION_CODE, c.INDICATOR_ID, c.FREQ):
        assert isinstance(frame[name].dtype, pd.CategoricalDtype)
    for name in (c.PLAN_ID, c.REGION_CODE, c.INDICATOR_ID):
        assert isinstance(series[name].dtype, pd.CategoricalDtype)
    assert sorted(frame[c.INDICATOR_ID].cat.categories) == ["ent", "rd"]
    got = sorted(zip(frame[c.REGION_CODE].astype(str), frame[c.INDICATOR_ID].astype(str), frame[c.PERIOD],
                     frame[c.FREQ].astype(str), frame[c.VALUE]))
    assert got == [("500229", "ent", "2022Q4", "Q", 80.0), ("500229", "ent", "2023-06", "M", 85.0),
                   ("500229", "rd", "2022", "Y", 0.15)]
    assert list(series[c.INDICATOR_ID].astype(str)) == ["rd", "ent"]
    assert sorted(zip(milestones[c.INDICATOR_ID].astype(str), milestones[c.YEAR])) == [
        ("ent", 2025), ("ent", 2035), ("rd", 2025)]


def test_two_revisions_of_one_value_cannot_share_a_number(engine):
    from sqlalchemy.exc import IntegrityError

    store(engine, rows(("rd", "2022", 0.15)))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(observations.insert().values(
            region_code="500229", indicator_id="rd", period="2022", freq="Y", period_end=date(2023, 1, 1),
            year_end=True, value=0.2, unit="亿元", revision=1, is_current=True))
