"""`status`: what `monitor status` shows, read from hand-inserted rows on SQLite and PostgreSQL."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from monitor.ops.status import as_data, status
from monitor.settings import Settings
from tests.ops_rows import engine, shared_engine  # noqa: F401 - fixtures
from tests.ops_rows import (
    NOW,
    add_alert,
    add_instance,
    add_part,
    add_reminder,
    add_run,
    add_silence,
    ago,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def settings(**kw) -> Settings:
    return Settings(_env_file=None, **kw)


def job(report, job_id):
    return next(j for j in report.jobs if j.job_id == job_id)


def test_an_empty_database_shows_every_job_with_its_next_run_in_the_local_zone(engine):
    report = status(engine, settings(), NOW)
    assert [j.job_id for j in report.jobs] == ["assess", "deliver", "reminders", "digest", "inbox"]
    assess = job(report, "assess")
    assert assess.schedule == "0 9 * * mon-fri"
    assert assess.next_run == datetime(2025, 7, 2, 9, 0, tzinfo=SHANGHAI)  # Wednesday; today's 09:00 has passed
    assert str(assess.next_run.tzinfo) == "Asia/Shanghai"
    assert job(report, "deliver").next_run == datetime(2025, 7, 1, 10, 0, 30, tzinfo=SHANGHAI)
    assert job(report, "inbox").enabled is False and assess.enabled is True
    assert assess.last_run is None and assess.last_error is None
    assert report.active_instance is None and report.instances == ()
    assert report.outbox.pending == 0 and report.outbox.oldest_pending_age is None
    assert report.alerts_firing == {} and report.silences == () and report.reminders_outstanding == 0


def test_schedules_come_from_the_settings(engine):
    report = status(engine, settings(schedule={"assess": "30 8 * * *"}, timezone="UTC"), NOW)
    assert job(report, "assess").next_run == datetime(2025, 7, 1, 8, 30, tzinfo=ZoneInfo("UTC"))  # 02:00 UTC now


def test_last_run_and_last_error_of_a_job(engine):
    add_run(engine, "assess", "error", started=ago(days=1), detail="RuntimeError: database locked")
    add_run(engine, "assess", "ok", started=ago(hours=1), detail="2 alerts, 1 message")
    report = status(engine, settings(), NOW)
    assess = job(report, "assess")
    assert assess.last_run.outcome == "ok" and assess.last_run.detail == "2 alerts, 1 message"
    assert assess.last_run.started_at == ago(hours=1) and assess.last_run.started_at.tzinfo == SHANGHAI
    assert assess.last_run.finished_at - assess.last_run.started_at == timedelta(seconds=2)
    assert assess.last_error.detail == "RuntimeError: database locked"
    assert [r.outcome for r in assess.recent] == ["ok", "error"]
    assert job(report, "deliver").last_run is None


def test_outbox_backlog_and_recent_failures(engine):
    add_part(engine, "pending", created=ago(hours=2))
    add_part(engine, "pending", created=ago(minutes=5))
    add_part(engine, "sending", created=ago(minutes=1))
    add_part(engine, "sent", created=ago(hours=3))
    add_part(engine, "failed", created=ago(days=3), attempt_at=ago(days=3), errcode=93000, errmsg="invalid webhook url")
    add_part(engine, "failed", created=ago(hours=30), attempt_at=ago(hours=1), errcode=93000, errmsg="invalid key")
    box = status(engine, settings(), NOW).outbox
    assert (box.pending, box.sending, box.failed) == (2, 1, 2)
    assert box.oldest_pending_age == timedelta(hours=2)
    assert box.failed_recently == 1  # the one whose last attempt was an hour ago
    (part,) = box.recent_failures
    assert part.answer == "93000 invalid key" and part.receiver == "chengkou-wecom"
    assert part.failed_at == ago(hours=1)


def test_alerts_silences_and_outstanding_reminders(engine):
    add_alert(engine, "a1", "critical")
    add_alert(engine, "a2", "critical", silenced_by=1)
    add_alert(engine, "a3", "warning", inhibited=True)
    add_alert(engine, "a4", "warning", state="resolved")
    add_silence(engine, ago(days=1), NOW + timedelta(days=6), comment="核实中")
    add_silence(engine, ago(days=9), ago(days=2), comment="已结束")
    add_silence(engine, NOW + timedelta(days=1), NOW + timedelta(days=2), comment="未开始")
    add_reminder(engine, "rd")
    add_reminder(engine, "patents", reported=True)
    add_reminder(engine, "firms", exempt=True)
    report = status(engine, settings(), NOW)
    assert report.alerts_firing == {"critical": 2, "warning": 1}
    assert report.alerts_held == 2
    assert [s.comment for s in report.silences] == ["核实中"]
    assert report.reminders_outstanding == 1


def test_instances_with_their_heartbeat_age_and_the_active_one(engine):
    add_instance(engine, "host-a:100", heartbeat=ago(seconds=8), role="active")
    add_instance(engine, "host-b:200", heartbeat=ago(seconds=20), role="standby")
    add_instance(engine, "host-c:300", heartbeat=ago(days=3), role="stopped")
    add_instance(engine, "host-d:400", heartbeat=ago(hours=2), role="stopped")
    report = status(engine, settings(), NOW)
    assert [i.instance for i in report.instances] == ["host-a:100", "host-b:200", "host-d:400"]
    assert report.active_instance.instance == "host-a:100"
    assert report.active_instance.heartbeat_age == timedelta(seconds=8)
    assert report.instances[1].role == "standby" and report.instances[1].heartbeat_at.tzinfo == SHANGHAI


def test_the_report_as_json_data(engine):
    add_instance(engine, heartbeat=ago(seconds=8))
    add_silence(engine, ago(days=1), NOW + timedelta(days=6))
    data = as_data(status(engine, settings(), NOW))
    assert data["now"] == "2025-07-01T10:00:10+08:00"
    assert data["active_instance"] == "host-a:100"
    assert data["instances"][0]["heartbeat_age"] == 8.0
    assert data["silences"][0]["matchers"] == ["region=城口县"]
    assert data["jobs"][0]["next_run"] == "2025-07-02T09:00:00+08:00"
