"""Prometheus metrics of the daemon, in a registry of its own (not prometheus_client's global one).

Per region × indicator, from the latest assessment (labels ``plan, region_code, region, indicator``):

- ``monitor_pace`` — pace (1.0 = on the planned trajectory); series with no pace (no data, not assessable)
  are left out.
- ``monitor_status`` — the severity rank of the status, 0 ok, 1 warning, 2 critical, with the status itself in
  a ``status`` label (``achieved``, ``on_track``, ``behind``, ``off_track``, ``regressing``, ``missed``,
  ``no_data``, ``not_assessable``). One series per region × indicator, so ``monitor_status >= 2`` is an
  alert rule and ``count by (status) (monitor_status)`` a summary.
- ``monitor_assessment_timestamp_seconds`` — when the assessment was made (Unix time).

Delivery and jobs:

- ``monitor_notifications_sent_total{receiver}``, ``monitor_notifications_failed_total{receiver}`` — outbox
  parts sent, and given up on.
- ``monitor_job_duration_seconds{job}`` (histogram), ``monitor_job_runs_total{job,outcome}``,
  ``monitor_job_last_success_timestamp_seconds{job}``.

From :func:`monitor.ops.status.status` (call :meth:`Metrics.observe_status` now and then):

- ``monitor_outbox_parts{status}`` (pending, sending, failed), ``monitor_outbox_oldest_pending_age_seconds``
- ``monitor_alerts_firing{severity}``, ``monitor_reminders_outstanding``.

Heartbeats: ``monitor_instance_heartbeat_age_seconds{instance,role}`` is the age *at scrape time* of each
instance's last heartbeat (from the status report, and the daemon's own from :meth:`Metrics.observe_heartbeat` at
every beat), measured with the clock given to :class:`Metrics`: a daemon whose scheduler stalls shows a growing age.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from monitor.core import columns as c
from monitor.core.status import SEVERITY_RANK

if TYPE_CHECKING:
    from monitor.delivery.deliver import DeliveryReport
    from monitor.ops.status import StatusReport

SERIES_LABELS = ["plan", "region_code", "region", "indicator"]
_SOURCE = [c.PLAN_ID, c.REGION_CODE, c.REGION_NAME, c.INDICATOR_ID]
JOB_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 15, 30, 60, 180, 600, 1800, 3600)


class AssessmentCollector(Collector):
    """Serves the last assessment frame at scrape time; replacing it drops the series that are gone."""

    def __init__(self) -> None:
        self._frame: pd.DataFrame | None = None
        self._assessed_at: float | None = None

    def update(self, frame: pd.DataFrame, assessed_at: datetime) -> None:
        missing = [name for name in (*_SOURCE, c.PACE, c.STATUS, c.SEVERITY) if name not in frame.columns]
        if missing:
            raise ValueError(f"not an assessment frame: no column(s) {', '.join(missing)}")
        kept = frame[[*_SOURCE, c.PACE, c.STATUS, c.SEVERITY]].copy()
        kept[_SOURCE] = kept[_SOURCE].fillna("").astype(str)
        kept["rank"] = kept[c.SEVERITY].map(SEVERITY_RANK).astype(float)
        self._frame, self._assessed_at = kept, assessed_at.timestamp()  # one assignment each: scrapes see either

    def collect(self) -> Iterator[GaugeMetricFamily]:
        frame, assessed_at = self._frame, self._assessed_at
        pace = GaugeMetricFamily("monitor_pace", "Pace of the latest value (1.0 = on the planned trajectory).",
                                 labels=SERIES_LABELS)
        status = GaugeMetricFamily("monitor_status", "Severity rank of the status: 0 ok, 1 warning, 2 critical; "
                                   "the status is in the status label.", labels=[*SERIES_LABELS, "status"])
        when = GaugeMetricFamily("monitor_assessment_timestamp_seconds", "When the assessment was made.")
        if frame is not None:
            keys = list(zip(*(frame[name] for name in _SOURCE)))
            for labels, value in zip(keys, frame[c.PACE]):
                if pd.notna(value):
                    pace.add_metric(list(labels), float(value))
            for labels, name, rank in zip(keys, frame[c.STATUS], frame["rank"]):
                if pd.notna(rank):
                    status.add_metric([*labels, str(name)], rank)
            when.add_metric([], assessed_at)
        yield pace
        yield status
        yield when


class HeartbeatCollector(Collector):
    """Each instance's last heartbeat, served as its age at scrape time."""

    def __init__(self, clock: Callable[[], datetime] | None) -> None:
        self.clock = clock
        self._beats: dict[tuple[str, str], datetime] = {}
        self._reported: datetime | None = None  # the status report's time: the age without a clock

    def replace(self, beats: Mapping[tuple[str, str], datetime], reported: datetime) -> None:
        self._beats, self._reported = dict(beats), reported

    def beat(self, instance: str, role: str, at: datetime) -> None:
        beats = {key: when for key, when in self._beats.items() if key[0] != instance}
        beats[(instance, role)] = at
        self._beats = beats  # one assignment: scrapes see the old or the new mapping

    def collect(self) -> Iterator[GaugeMetricFamily]:
        beats = self._beats
        now = self.clock() if self.clock is not None else self._reported
        family = GaugeMetricFamily("monitor_instance_heartbeat_age_seconds", "Seconds since each instance's last "
                                   "heartbeat, at scrape time.", labels=["instance", "role"])
        if now is not None:
            for (instance, role), at in sorted(beats.items()):
                family.add_metric([instance, role], max((now - at).total_seconds(), 0.0))
        yield family


class Metrics:
    """Every metric of the daemon, registered in ``registry`` (a new one by default).

    ``clock`` (aware datetimes) measures heartbeat ages at scrape time; without one they are measured at the time
    of the last status report.
    """

    def __init__(self, registry: CollectorRegistry | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.assessment = AssessmentCollector()
        r.register(self.assessment)
        self.heartbeats = HeartbeatCollector(clock)
        r.register(self.heartbeats)
        self.sent = Counter("monitor_notifications_sent", "Outbox parts sent.", ["receiver"], registry=r)
        self.failed = Counter("monitor_notifications_failed", "Outbox parts given up on.", ["receiver"], registry=r)
        self.job_duration = Histogram("monitor_job_duration_seconds", "How long job runs took.", ["job"],
                                      buckets=JOB_BUCKETS, registry=r)
        self.job_runs = Counter("monitor_job_runs", "Job runs by outcome.", ["job", "outcome"], registry=r)
        self.job_last_success = Gauge("monitor_job_last_success_timestamp_seconds",
                                      "When a job last finished without error.", ["job"], registry=r)
        self.outbox = Gauge("monitor_outbox_parts", "Outbox parts by status.", ["status"], registry=r)
        self.outbox_oldest = Gauge("monitor_outbox_oldest_pending_age_seconds",
                                   "Age of the oldest pending part (0 when none).", registry=r)
        self.alerts = Gauge("monitor_alerts_firing", "Firing alerts by severity.", ["severity"], registry=r)
        self.reminders = Gauge("monitor_reminders_outstanding", "Reminded figures still not reported.",
                               registry=r)

    def observe_assessment(self, frame: pd.DataFrame, assessed_at: datetime) -> None:
        """Replace the per-series gauges with ``frame`` (columns of monitor.core.columns)."""
        self.assessment.update(frame, assessed_at)

    def observe_delivery(self, report: DeliveryReport, receiver: str | None = None) -> None:
        """Count a delivery run's sent and failed parts per receiver.

        Uses ``report.sent_by_receiver`` / ``report.failed_by_receiver`` (mappings receiver → count) when they
        account for every part of the report; otherwise everything is counted under ``receiver`` (or ``all``).
        """
        sent = getattr(report, "sent_by_receiver", None)
        failed = getattr(report, "failed_by_receiver", None)
        if sent is None or failed is None or (sum(sent.values()), sum(failed.values())) != (report.sent, report.failed):
            name = receiver or "all"
            sent, failed = {name: report.sent}, {name: report.failed}
        _add(self.sent, sent)
        _add(self.failed, failed)

    def observe_job_run(self, job_id: str, outcome: str, started_at: datetime, finished_at: datetime) -> None:
        """One run of a job (outcome ok, error or missed), timed by the caller's clock."""
        self.job_runs.labels(job_id, outcome).inc()
        if outcome != "missed":
            self.job_duration.labels(job_id).observe(max((finished_at - started_at).total_seconds(), 0.0))
        if outcome == "ok":
            self.job_last_success.labels(job_id).set(finished_at.timestamp())

    def observe_status(self, report: StatusReport) -> None:
        """Outbox backlog, firing alerts, outstanding reminders and heartbeats from a status report."""
        box = report.outbox
        for name, value in (("pending", box.pending), ("sending", box.sending), ("failed", box.failed)):
            self.outbox.labels(name).set(value)
        oldest = box.oldest_pending_age
        self.outbox_oldest.set(oldest.total_seconds() if oldest is not None else 0.0)
        for severity in ("warning", "critical", *report.alerts_firing):
            self.alerts.labels(severity).set(report.alerts_firing.get(severity, 0))
        self.reminders.set(report.reminders_outstanding)
        self.heartbeats.replace({(i.instance, i.role): i.heartbeat_at for i in report.instances}, report.now)

    def observe_heartbeat(self, instance: str, role: str, at: datetime) -> None:
        """The daemon's own heartbeat, written at ``at``."""
        self.heartbeats.beat(instance, role, at)

    def exposition(self) -> bytes:
        """The text a scrape would get."""
        return generate_latest(self.registry)


def _add(counter: Counter, counts: Mapping[str, Any]) -> None:
    for receiver, count in counts.items():
        counter.labels(receiver).inc(int(count))


def start_metrics_server(port: int, metrics: Metrics, host: str = "0.0.0.0") -> Any:
    """Serve ``metrics`` at http://host:port/metrics from a daemon thread; returns the server (``shutdown()``)."""
    server, _thread = start_http_server(port, addr=host, registry=metrics.registry)
    return server
