"""What the daemon is doing, read from the database: jobs, outbox, alerts, silences, reminders and instances.

:func:`status` only reads. Every time in the report is in ``settings.tz``; ages are measured from ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Connection, Engine, and_, exists, func, or_, select

from monitor.alerts.silences import Silence
from monitor.jobs import JOB_IDS
from monitor.ops.cron import next_fire_time, schedule_triggers
from monitor.settings import Settings
from monitor.storage import outbox_store
from monitor.storage.alert_store import all_silences
from monitor.storage.tables import (
    alerts,
    delivery_attempts,
    instances,
    job_runs,
    observations,
    outbox,
    reminder_exemptions,
    reminder_notices,
)

FINISHED = ("ok", "error")  # outcomes of runs that did their work (missed and running runs did not)


@dataclass(frozen=True)
class Run:
    started_at: datetime
    finished_at: datetime | None
    outcome: str  # running | ok | error | missed
    detail: str | None
    instance: str


@dataclass(frozen=True)
class JobStatus:
    job_id: str
    schedule: str
    enabled: bool  # False for the inbox job while MONITOR_INBOX__PATH is unset
    next_run: datetime | None
    last_run: Run | None
    last_error: Run | None
    recent: tuple[Run, ...]  # the latest finished (ok or error) runs, newest first


@dataclass(frozen=True)
class FailedPart:
    outbox_id: int
    receiver: str
    kind: str
    title: str
    attempts: int
    answer: str  # HTTP status, errcode, errmsg or error: never a URL or secret
    failed_at: datetime


@dataclass(frozen=True)
class OutboxStatus:
    pending: int
    sending: int
    failed: int
    oldest_pending_age: timedelta | None
    failed_recently: int  # failed for good within the failure window
    recent_failures: tuple[FailedPart, ...]  # the newest of those


@dataclass(frozen=True)
class InstanceStatus:
    instance: str
    hostname: str
    pid: int
    role: str  # active | standby | stopped
    started_at: datetime
    heartbeat_at: datetime
    heartbeat_age: timedelta


@dataclass(frozen=True)
class StatusReport:
    now: datetime
    timezone: str
    failure_window: timedelta
    jobs: tuple[JobStatus, ...]
    outbox: OutboxStatus
    alerts_firing: dict[str, int]  # severity → firing alerts
    alerts_held: int  # firing but silenced or inhibited
    silences: tuple[Silence, ...]  # in force now
    reminders_outstanding: int
    instances: tuple[InstanceStatus, ...] = field(default=())

    @property
    def active_instance(self) -> InstanceStatus | None:
        """The instance holding the active role with the freshest heartbeat."""
        active = [i for i in self.instances if i.role == "active"]
        return min(active, key=lambda i: i.heartbeat_age) if active else None


def status(engine: Engine, settings: Settings, now: datetime, *, recent_runs: int = 3,
           failure_window: timedelta = timedelta(hours=24)) -> StatusReport:
    """Read the state of every job, the outbox, alerts, silences, reminders and daemon instances."""
    tz = settings.tz
    now = now.astimezone(timezone.utc)
    triggers = schedule_triggers(settings.schedule, tz, JOB_IDS)
    with engine.connect() as conn:
        jobs = tuple(
            JobStatus(job_id, getattr(settings.schedule, job_id),
                      job_id != "inbox" or settings.inbox.path is not None,
                      _local(next_fire_time(triggers[job_id], now), tz), *_runs(conn, job_id, recent_runs, tz))
            for job_id in JOB_IDS)
        firing = {severity: int(n) for severity, n in conn.execute(
            select(alerts.c.severity, func.count()).where(alerts.c.state == "firing").group_by(alerts.c.severity))}
        held = conn.execute(select(func.count()).where(
            alerts.c.state == "firing", or_(alerts.c.silenced_by.is_not(None), alerts.c.inhibited))).scalar_one()
        silences = tuple(s for s in all_silences(conn) if s.starts_at <= now < s.ends_at)
        return StatusReport(
            now=now.astimezone(tz), timezone=settings.timezone, failure_window=failure_window, jobs=jobs,
            outbox=_outbox(conn, now, now - failure_window, tz), alerts_firing=firing, alerts_held=int(held),
            silences=silences, reminders_outstanding=_reminders(conn), instances=_instances(conn, now, tz,
                                                                                            failure_window))


def _local(value: datetime | None, tz) -> datetime | None:  # type: ignore[no-untyped-def]
    return None if value is None else value.astimezone(tz)


def _run(row: Any, tz) -> Run:  # type: ignore[no-untyped-def]
    return Run(_local(row.started_at, tz), _local(row.finished_at, tz), row.outcome, row.detail, row.instance)


def _runs(conn: Connection, job_id: str, recent: int, tz) -> tuple[Run | None, Run | None, tuple[Run, ...]]:  # type: ignore[no-untyped-def]
    newest = (job_runs.c.started_at.desc(), job_runs.c.id.desc())
    base = select(job_runs).where(job_runs.c.job_id == job_id).order_by(*newest)
    last = conn.execute(base.limit(1)).first()
    error = conn.execute(base.where(job_runs.c.outcome == "error").limit(1)).first()
    finished = conn.execute(base.where(job_runs.c.outcome.in_(FINISHED)).limit(recent)).all()
    return (_run(last, tz) if last else None, _run(error, tz) if error else None,
            tuple(_run(r, tz) for r in finished))


def _outbox(conn: Connection, now: datetime, since: datetime, tz) -> OutboxStatus:  # type: ignore[no-untyped-def]
    counts = outbox_store.counts(conn)
    oldest = conn.execute(select(func.min(outbox.c.created_at))
                          .where(outbox.c.status == outbox_store.PENDING)).scalar()
    last_attempt = (select(func.max(delivery_attempts.c.finished_at))
                    .where(delivery_attempts.c.outbox_id == outbox.c.id).scalar_subquery())
    failed_at = func.coalesce(last_attempt, outbox.c.created_at).label("failed_at")
    recent = (select(outbox.c.id, outbox.c.receiver, outbox.c.kind, outbox.c.title, outbox.c.attempts,
                     outbox.c.http_status, outbox.c.errcode, outbox.c.errmsg, outbox.c.error, failed_at)
              .where(outbox.c.status == outbox_store.FAILED)
              .where(or_(outbox.c.created_at >= since,
                         exists().where(delivery_attempts.c.outbox_id == outbox.c.id,
                                        delivery_attempts.c.finished_at >= since))))
    failed_recently = conn.execute(select(func.count()).select_from(recent.subquery())).scalar_one()
    parts = tuple(
        FailedPart(r.id, r.receiver, r.kind, r.title, r.attempts,
                   " ".join(str(x) for x in (r.http_status, r.errcode, r.errmsg or r.error) if x is not None),
                   _local(r.failed_at, tz))
        for r in conn.execute(recent.order_by(outbox.c.id.desc()).limit(10)))
    return OutboxStatus(pending=counts.get(outbox_store.PENDING, 0), sending=counts.get(outbox_store.SENDING, 0),
                        failed=counts.get(outbox_store.FAILED, 0),
                        oldest_pending_age=None if oldest is None else now - oldest,
                        failed_recently=int(failed_recently), recent_failures=parts)


def _reminders(conn: Connection) -> int:
    """Reminded figures still not reported (no current value for the period) and not exempted."""
    notice = reminder_notices.c
    reported = exists().where(observations.c.is_current, observations.c.region_code == notice.region_code,
                              observations.c.indicator_id == notice.indicator_id,
                              observations.c.period == notice.period)
    exempt = exists().where(reminder_exemptions.c.region_code == notice.region_code,
                            reminder_exemptions.c.indicator_id == notice.indicator_id,
                            reminder_exemptions.c.period == notice.period)
    return int(conn.execute(select(func.count()).select_from(reminder_notices)
                            .where(and_(~reported, ~exempt))).scalar_one())


def _instances(conn: Connection, now: datetime, tz, window: timedelta) -> tuple[InstanceStatus, ...]:  # type: ignore[no-untyped-def]
    """Every running instance, and stopped ones seen within the window, freshest heartbeat first."""
    rows = conn.execute(select(instances)
                        .where(or_(instances.c.role != "stopped", instances.c.heartbeat_at >= now - window))
                        .order_by(instances.c.heartbeat_at.desc(), instances.c.instance)).all()
    return tuple(InstanceStatus(r.instance, r.hostname, r.pid, r.role, _local(r.started_at, tz),
                                _local(r.heartbeat_at, tz), now - r.heartbeat_at) for r in rows)


def as_data(value: Any) -> Any:
    """The report as JSON-ready data: datetimes in ISO-8601, durations in seconds."""
    if isinstance(value, StatusReport):
        data = {name: as_data(getattr(value, name)) for name in value.__dataclass_fields__}
        data["active_instance"] = value.active_instance.instance if value.active_instance else None
        return data
    if isinstance(value, Silence):
        return {"id": value.id, "matchers": [str(m) for m in value.matchers], "starts_at": value.starts_at.isoformat(),
                "ends_at": value.ends_at.isoformat(), "author": value.author, "comment": value.comment}
    if hasattr(value, "__dataclass_fields__"):
        return {name: as_data(getattr(value, name)) for name in value.__dataclass_fields__}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {str(k): as_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_data(v) for v in value]
    return value
