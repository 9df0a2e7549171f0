"""Prometheus metrics: the exposition after an assessment, a delivery, job runs and a status report."""

import urllib.request
from datetime import date, timedelta

import pytest
from prometheus_client import REGISTRY, generate_latest

from monitor.core.assess import assess
from monitor.delivery.deliver import DeliveryReport
from monitor.ops.metrics import Metrics, start_metrics_server
from monitor.ops.status import status
from monitor.settings import Settings
from tests.frames import frames, observations, series
from tests.ops_rows import engine, shared_engine  # noqa: F401 - fixtures
from tests.ops_rows import NOW, add_alert, add_instance, add_part, ago

SERIES = 'indicator="{}",plan="p",region="城口县",region_code="500229"'


def assessed(*obs):
    s, m = frames(series("rd", baseline=0.1, milestones={2025: 0.3}),
                  series("firms", baseline=10, milestones={2025: 20}))
    return assess(s, m, observations(*obs), date(2024, 7, 1))


def samples(metrics: Metrics) -> list[str]:
    return [line for line in generate_latest(metrics.registry).decode().splitlines() if not line.startswith("#")]


def value(lines: list[str], name: str) -> float:
    (found,) = [line for line in lines if line.rsplit(" ", 1)[0] == name]
    return float(found.rsplit(" ", 1)[1])


def test_pace_and_status_per_region_and_indicator():
    metrics = Metrics()
    metrics.observe_assessment(assessed(("rd", "2023", 0.16), ("firms", "2023", 16)), NOW)
    lines = samples(metrics)
    assert value(lines, f"monitor_pace{{{SERIES.format('rd')}}}") == pytest.approx(0.5)
    assert value(lines, f"monitor_pace{{{SERIES.format('firms')}}}") == pytest.approx(1.0)
    assert f'monitor_status{{{SERIES.format("rd")},status="off_track"}} 2.0' in lines
    assert f'monitor_status{{{SERIES.format("firms")},status="on_track"}} 0.0' in lines
    assert value(lines, "monitor_assessment_timestamp_seconds") == NOW.timestamp()


def test_a_series_without_pace_has_a_status_but_no_pace():
    metrics = Metrics()
    metrics.observe_assessment(assessed(("rd", "2023", 0.16)), NOW)
    lines = samples(metrics)
    assert f'monitor_status{{{SERIES.format("firms")},status="no_data"}} 1.0' in lines
    assert not [line for line in lines if line.startswith("monitor_pace") and 'indicator="firms"' in line]


def test_a_new_assessment_replaces_the_old_status_series():
    metrics = Metrics()
    metrics.observe_assessment(assessed(("rd", "2023", 0.16), ("firms", "2023", 16)), NOW)
    metrics.observe_assessment(assessed(("rd", "2023", 0.22), ("firms", "2023", 16)), NOW + timedelta(days=1))
    status_lines = [line for line in samples(metrics) if line.startswith("monitor_status{")]
    assert len(status_lines) == 2
    assert f'monitor_status{{{SERIES.format("rd")},status="on_track"}} 0.0' in status_lines


def test_a_frame_without_the_assessment_columns_is_refused():
    with pytest.raises(ValueError, match="pace"):
        Metrics().observe_assessment(assessed(("rd", "2023", 0.16)).drop(columns=["pace"]), NOW)


def test_notifications_per_receiver():
    metrics = Metrics()
    report = DeliveryReport(sent=3, failed=1)
    report.sent_by_receiver = {"chengkou-wecom": 2, "xiushan-dingtalk": 1}  # what the deliverer should expose
    report.failed_by_receiver = {"xiushan-dingtalk": 1}
    metrics.observe_delivery(report)
    metrics.observe_delivery(DeliveryReport(sent=1), receiver="chengkou-wecom")
    lines = samples(metrics)
    assert 'monitor_notifications_sent_total{receiver="chengkou-wecom"} 3.0' in lines
    assert 'monitor_notifications_sent_total{receiver="xiushan-dingtalk"} 1.0' in lines
    assert 'monitor_notifications_failed_total{receiver="xiushan-dingtalk"} 1.0' in lines


def test_a_report_without_receiver_counts_is_counted_under_all():
    metrics = Metrics()
    metrics.observe_delivery(DeliveryReport(sent=2, failed=1))
    lines = samples(metrics)
    assert 'monitor_notifications_sent_total{receiver="all"} 2.0' in lines
    assert 'monitor_notifications_failed_total{receiver="all"} 1.0' in lines


def test_job_durations_outcomes_and_last_success():
    metrics = Metrics()
    metrics.observe_job_run("assess", "ok", NOW, NOW + timedelta(seconds=3))
    metrics.observe_job_run("assess", "error", NOW, NOW + timedelta(seconds=40))
    metrics.observe_job_run("assess", "missed", NOW, NOW)
    lines = samples(metrics)
    assert 'monitor_job_duration_seconds_count{job="assess"} 2.0' in lines
    assert 'monitor_job_duration_seconds_sum{job="assess"} 43.0' in lines
    assert 'monitor_job_duration_seconds_bucket{job="assess",le="5.0"} 1.0' in lines
    assert 'monitor_job_runs_total{job="assess",outcome="missed"} 1.0' in lines
    assert 'monitor_job_runs_total{job="assess",outcome="error"} 1.0' in lines
    assert value(lines, 'monitor_job_last_success_timestamp_seconds{job="assess"}') == \
        (NOW + timedelta(seconds=3)).timestamp()


def test_outbox_backlog_alerts_and_heartbeats_from_the_status_report(engine):
    add_instance(engine, heartbeat=ago(seconds=12))
    add_part(engine, "pending", created=ago(minutes=10))
    add_part(engine, "pending", created=ago(minutes=1))
    add_part(engine, "failed", created=ago(hours=1))
    add_alert(engine, "a1", "critical")
    metrics = Metrics()
    metrics.observe_status(status(engine, Settings(_env_file=None), NOW))
    lines = samples(metrics)
    assert 'monitor_outbox_parts{status="pending"} 2.0' in lines
    assert 'monitor_outbox_parts{status="failed"} 1.0' in lines
    assert "monitor_outbox_oldest_pending_age_seconds 600.0" in lines
    assert 'monitor_alerts_firing{severity="critical"} 1.0' in lines
    assert 'monitor_alerts_firing{severity="warning"} 0.0' in lines
    assert 'monitor_instance_heartbeat_age_seconds{instance="host-a:100",role="active"} 12.0' in lines


def test_metrics_live_in_their_own_registry():
    Metrics().observe_job_run("deliver", "ok", NOW, NOW)
    assert b"monitor_job_runs_total" not in generate_latest(REGISTRY)


def test_the_server_serves_the_registry_over_http():
    metrics = Metrics()
    metrics.observe_assessment(assessed(("rd", "2023", 0.16)), NOW)
    server = start_metrics_server(0, metrics, host="127.0.0.1")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/metrics", timeout=5) as answer:
            body = answer.read().decode()
    finally:
        server.shutdown()
        server.server_close()
    assert f'monitor_status{{{SERIES.format("rd")},status="off_track"}} 2.0' in body


def test_the_heartbeat_age_is_measured_at_scrape_time_so_a_stalled_daemon_shows():
    now = [NOW]
    metrics = Metrics(clock=lambda: now[0])
    metrics.observe_heartbeat("host-a:100", "active", NOW)
    name = 'monitor_instance_heartbeat_age_seconds{instance="host-a:100",role="active"}'
    assert value(samples(metrics), name) == 0.0
    now[0] = NOW + timedelta(seconds=75)  # the scheduler stalled: no heartbeat since
    assert value(samples(metrics), name) == 75.0
    metrics.observe_heartbeat("host-a:100", "active", now[0])
    assert value(samples(metrics), name) == 0.0


def test_the_status_report_replaces_the_heartbeats_and_the_own_beat_updates_its_role(engine):
    add_instance(engine, "host-a:100", heartbeat=ago(seconds=40), role="stopped")
    add_instance(engine, "host-b:200", heartbeat=ago(seconds=3), role="standby")
    metrics = Metrics(clock=lambda: NOW + timedelta(seconds=10))
    metrics.observe_status(status(engine, Settings(_env_file=None), NOW))
    metrics.observe_heartbeat("host-b:200", "active", NOW)  # the standby took over
    lines = [line for line in samples(metrics) if line.startswith("monitor_instance_heartbeat_age_seconds")]
    assert lines == ['monitor_instance_heartbeat_age_seconds{instance="host-a:100",role="stopped"} 50.0',
                     'monitor_instance_heartbeat_age_seconds{instance="host-b:200",role="active"} 10.0']
