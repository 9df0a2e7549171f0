"""The years and the window of the reminders against a real database (SQLite and PostgreSQL): a fresh database
is not flooded with years-old gaps, a successor plan stored with `succeeds` takes over the shared figures, and a
2035 goal's later years can be exempted."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from monitor.errors import MonitorError
from monitor.plans.loader import plan_files_in, read_plan_files
from monitor.reminders import service as reminders
from monitor.reminders.expected import expected_figures
from monitor.storage import plan_store
from tests.conftest import PLANS_DIR
from tests.test_reminders_service import Clock, context, notices, queued
from tests.test_reminders_years import NEW, OLD

LOADED = datetime(2025, 1, 2, tzinfo=timezone.utc)
TODAY = date(2026, 12, 1)
YEAR_AGO = date(2025, 12, 1)


def store(engine, plans) -> None:
    with engine.begin() as conn:
        for plan in plans:
            plan_store.save_plan(conn, plan, None, LOADED)


@pytest.fixture
def bundled(engine):
    """A fresh database with the bundled plans and nothing reported."""
    plans = [f.plan for f in read_plan_files(plan_files_in(PLANS_DIR))]
    store(engine, plans)
    return engine, plans


def test_the_first_run_on_a_fresh_database_asks_only_for_figures_due_in_the_last_12_months(bundled):
    engine, plans = bundled
    ctx = context(engine, Clock(TODAY))

    summary = reminders.send_reminders(ctx)

    reminded = notices(engine)
    regions = {p.region.code for p in plans}
    assert summary == f"{len(reminded)} reminders in {len(regions)} messages; 0 escalated"
    assert len(queued(engine)) == len(regions)
    assert all(YEAR_AGO <= n["due_on"] <= TODAY for n in reminded.values())
    final_figures = {(p.region.code, i.id, "2025") for p in plans if p.period.end == 2025 for i in p.indicators}
    assert final_figures <= set(reminded)  # the 十四五 end-year figures, due 2026-06-30
    assert not {key for key in reminded if key[2] < "2025"}
    flood = expected_figures(plans, set(), TODAY)  # what the first run asked for before the window
    assert len(flood) > 4 * len(reminded)


def test_the_list_and_the_digest_follow_the_same_window(bundled):
    engine, _ = bundled
    ctx = context(engine, Clock(TODAY))
    reminders.send_reminders(ctx)

    listed = reminders.outstanding_figures(engine, ctx.settings, TODAY)
    missing = reminders.outstanding(ctx, TODAY)
    everything = reminders.outstanding_figures(engine, ctx.settings, TODAY, since=date(2021, 1, 1))

    assert {o.figure.key for o in listed} == set(notices(engine))
    assert all(o.notice is not None for o in listed)
    assert missing and all(m["due_date"] >= YEAR_AGO.isoformat() for m in missing)
    assert {o.figure.period for o in everything} >= {"2021", "2022", "2023", "2024", "2025"}


def test_a_longer_lookback_or_an_earlier_since_asks_for_older_figures(bundled):
    engine, _ = bundled

    longer = reminders.outstanding_figures(engine, context(engine, Clock(TODAY), lookback_days=730).settings,
                                           TODAY)
    since = reminders.outstanding_figures(engine, context(engine, Clock(TODAY), since=date(2026, 7, 1)).settings,
                                          TODAY)

    assert {o.figure.period for o in longer} >= {"2024", "2025"} and "2023" not in {o.figure.period for o in longer}
    assert since == []  # the 2025 figures were due on 2026-06-30, before the since date


def test_a_stored_successor_takes_over_the_shared_figures_each_listed_once(engine):
    store(engine, [OLD, NEW])
    ctx = context(engine, Clock(date(2027, 6, 30)))  # the window starts on 2026-06-30

    listed = reminders.outstanding_figures(engine, ctx.settings, date(2027, 6, 30))

    assert [(o.figure.plan_id, o.figure.indicator_id, o.figure.period) for o in listed] == [
        ("old-14th", "shared_2035", "2025"), ("old-14th", "shared", "2025"), ("old-14th", "only_old_2035", "2025"),
        ("old-14th", "only_old", "2025"),
        ("new-15th", "shared_2035", "2026"), ("new-15th", "shared", "2026"), ("new-15th", "only_new", "2026"),
        ("old-14th", "only_old_2035", "2026"),
    ]


def test_a_later_year_of_a_2035_goal_can_be_exempted_under_the_plan_that_owes_it(engine):
    store(engine, [OLD, NEW])
    now = datetime(2027, 3, 1, tzinfo=timezone.utc)

    continuing = reminders.exempt(engine, "城口县", "only_old_2035", "2033", "口径调整", None, now)
    successor = reminders.exempt(engine, "城口县", "shared_2035", "2033", "口径调整", None, now)

    assert (continuing.figure.plan_id, continuing.figure.due_on) == ("old-14th", date(2034, 6, 30))
    assert successor.figure.plan_id == "new-15th"
    with pytest.raises(MonitorError, match="报告期应在 2021–2030 之间"):
        reminders.exempt(engine, "城口县", "shared", "2031", "口径调整", None, now)
