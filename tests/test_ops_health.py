"""`health`: each rule of monitor/ops/health.py, healthy and broken, on SQLite and PostgreSQL."""

from datetime import timedelta

import pytest

from monitor.ops.health import age, health
from monitor.settings import Settings
from tests.ops_rows import engine, shared_engine  # noqa: F401 - fixtures
from tests.ops_rows import NOW, add_instance, add_part, add_run, ago


@pytest.fixture
def check(engine):
    settings = Settings(_env_file=None)
    return lambda **kw: health(engine, settings, NOW, **kw)


def test_a_fresh_active_heartbeat_and_nothing_failing_is_healthy(engine, check):
    add_instance(engine, heartbeat=ago(seconds=30))
    add_run(engine, "assess", "ok", started=ago(hours=1))
    add_part(engine, "sent", created=ago(hours=1))
    assert check() == (True, [])


def test_no_daemon_at_all_is_unhealthy(check):
    ok, reasons = check()
    assert not ok and reasons == ["no daemon instance holds the active role (is `monitor run` running?)"]


def test_a_standby_alone_is_not_enough(engine, check):
    add_instance(engine, "host-b:200", role="standby", heartbeat=ago(seconds=3))
    ok, reasons = check()
    assert not ok and "no daemon instance holds the active role" in reasons[0]


def test_a_stale_heartbeat_is_unhealthy_with_its_age(engine, check):
    add_instance(engine, heartbeat=ago(seconds=95))
    ok, reasons = check()
    assert not ok
    assert reasons == ["active instance host-a:100 last sent a heartbeat 1m35s ago (limit 1m30s)"]
    assert check(max_heartbeat_age=timedelta(minutes=2)) == (True, [])


def test_two_live_active_instances_are_unhealthy(engine, check):
    add_instance(engine, "host-a:100", heartbeat=ago(seconds=5))
    add_instance(engine, "host-b:200", heartbeat=ago(seconds=7))
    ok, reasons = check()
    assert not ok and reasons == ["instances host-a:100, host-b:200 all hold the active role"]


def test_an_old_active_row_of_a_dead_instance_does_not_matter_when_another_is_live(engine, check):
    add_instance(engine, "host-a:100", heartbeat=ago(hours=3))
    add_instance(engine, "host-b:200", heartbeat=ago(seconds=7))
    assert check() == (True, [])


def test_three_errors_in_a_row_are_unhealthy(engine, check):
    add_instance(engine)
    add_run(engine, "deliver", "ok", started=ago(minutes=4))
    for minutes in (3, 2, 1):
        add_run(engine, "deliver", "error", started=ago(minutes=minutes), detail=f"OperationalError {minutes}")
    ok, reasons = check()
    assert not ok
    assert reasons == ["job deliver: the last 3 runs failed; latest at 2025-07-01 09:59: OperationalError 1"]


def test_missed_runs_do_not_break_a_streak_of_errors(engine, check):
    add_instance(engine)
    add_run(engine, "assess", "error", started=ago(days=3), detail="boom")
    add_run(engine, "assess", "missed", started=ago(days=2, hours=12))
    add_run(engine, "assess", "error", started=ago(days=2), detail="boom")
    add_run(engine, "assess", "error", started=ago(days=1), detail="boom")
    ok, reasons = check()
    assert not ok and reasons[0].startswith("job assess: the last 3 runs failed")


@pytest.mark.parametrize("outcomes", [("error", "error"), ("error", "error", "ok"), ("error", "ok", "error", "error")])
def test_fewer_than_three_errors_or_a_success_since_is_healthy(engine, check, outcomes):
    """outcomes oldest first"""
    add_instance(engine)
    for number, outcome in enumerate(outcomes):
        add_run(engine, "assess", outcome, started=ago(hours=len(outcomes) - number), detail="x")
    assert check() == (True, [])


def test_a_job_stuck_running_on_a_live_instance_is_unhealthy(engine, check):
    add_instance(engine)
    add_run(engine, "digest", "running", started=ago(hours=2))
    ok, reasons = check()
    assert not ok and reasons == ["job digest: running since 2025-07-01 08:00 on host-a:100 (over 1h)"]


def test_a_run_left_running_by_a_dead_instance_is_not_stuck(engine, check):
    add_instance(engine, "host-a:100", heartbeat=ago(days=1), role="stopped")
    add_instance(engine, "host-b:200")
    add_run(engine, "digest", "running", started=ago(days=1, minutes=5), instance="host-a:100")
    assert check() == (True, [])


def test_a_part_that_failed_for_good_today_is_unhealthy(engine, check):
    add_instance(engine)
    number = add_part(engine, "failed", created=ago(hours=5), attempt_at=ago(hours=4), errcode=93000,
                      errmsg="invalid webhook url")
    ok, reasons = check()
    assert not ok
    assert reasons == [f"outbox: 1 message part(s) failed for good in the last 1d; latest #{number} to "
                       "chengkou-wecom: 93000 invalid webhook url (fix the receiver, then `monitor outbox retry`)"]


def test_a_part_that_failed_days_ago_no_longer_counts(engine, check):
    add_instance(engine)
    add_part(engine, "failed", created=ago(days=3), attempt_at=ago(days=2), errcode=93000)
    assert check() == (True, [])
    assert check(failure_window=timedelta(days=7))[0] is False


def test_a_part_pending_for_hours_is_unhealthy(engine, check):
    add_instance(engine)
    add_part(engine, "pending", created=ago(hours=4))
    ok, reasons = check()
    assert not ok
    assert reasons == ["outbox: the oldest pending part is 4h old (limit 3h); is delivery running and the "
                       "receiver reachable?"]


def test_a_part_pending_for_minutes_is_fine(engine, check):
    add_instance(engine)
    add_part(engine, "pending", created=ago(minutes=20))
    assert check() == (True, [])


def test_every_broken_rule_gives_its_own_reason(engine, check):
    add_instance(engine, heartbeat=ago(minutes=10))
    for hours in (3, 2, 1):
        add_run(engine, "inbox", "error", started=ago(hours=hours), detail="PermissionError")
    add_part(engine, "failed", created=ago(hours=1))
    add_part(engine, "pending", created=ago(hours=6))
    ok, reasons = check()
    assert not ok and len(reasons) == 4


@pytest.mark.parametrize("seconds,text", [(0, "0s"), (95, "1m35s"), (3600, "1h"), (93784, "1d2h")])
def test_ages_read_as_people_write_them(seconds, text):
    assert age(timedelta(seconds=seconds)) == text


def test_an_active_row_left_by_a_daemon_taken_over_from_is_not_a_second_active(engine, check):
    add_instance(engine, "host-a:100", heartbeat=ago(seconds=45))  # stopped beating; a standby took over
    add_instance(engine, "host-b:200", heartbeat=ago(seconds=2))
    assert check() == (True, [])
    ok, reasons = check(live_heartbeat_age=timedelta(minutes=1))
    assert not ok and reasons == ["instances host-b:200, host-a:100 all hold the active role"]


def test_a_cleanly_stopped_active_and_its_successor_are_healthy(engine, check):
    add_instance(engine, "host-a:100", heartbeat=ago(seconds=4), role="stopped")
    add_instance(engine, "host-b:200", heartbeat=ago(seconds=3))
    assert check() == (True, [])
