"""Is the daemon well? The rules behind `monitor health` (and the Docker and systemd health checks).

Healthy means every rule below holds; each broken rule gives one reason:

1. **A live active instance.** Some instance holds the ``active`` role and its heartbeat is at most
   ``max_heartbeat_age`` old (default 90 s). No active instance, or only stale ones, is unhealthy.
2. **One active instance.** No two instances both hold the ``active`` role with live heartbeats: at most
   ``live_heartbeat_age`` old (default 30 s, the daemon's ``MONITOR_DAEMON__STALE_SECONDS``), the age after which
   a standby takes over from an active. An active row whose heartbeat stopped longer ago belongs to a daemon that
   died or was taken over from (the new active marks it stopped when it takes over; a daemon that stops cleanly
   marks itself), so it does not count as a second active.
3. **No job failing persistently.** For every job, the latest ``error_streak`` finished runs (default 3; ``ok``
   or ``error`` outcomes, newest first; ``missed`` and ``running`` rows do not count) are not all errors.
   One success clears it.
4. **No job stuck.** The latest run of a job has not been ``running`` for more than ``max_run_time`` (default 1 h)
   on an instance whose heartbeat is fresh. (A run left ``running`` by an instance that died is not stuck: the
   next run supersedes it.)
5. **No message given up on.** No outbox part has failed for good (status ``failed``) within ``failure_window``
   (default 24 h, counted from the last attempt). `monitor outbox retry` queues them again and clears this.
6. **No message waiting too long.** The oldest pending outbox part is at most ``max_pending_age`` old (default
   3 h): older means delivery is not running or a receiver has been failing for hours.

The function takes ``now``; it only reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine

from monitor.ops.status import StatusReport, status
from monitor.settings import Settings


@dataclass(frozen=True)
class Limits:
    max_heartbeat_age: timedelta = timedelta(seconds=90)
    error_streak: int = 3
    max_run_time: timedelta = timedelta(hours=1)
    failure_window: timedelta = timedelta(hours=24)
    max_pending_age: timedelta = timedelta(hours=3)
    live_heartbeat_age: timedelta = timedelta(seconds=30)


def health(engine: Engine, settings: Settings, now: datetime, *,
           max_heartbeat_age: timedelta = Limits.max_heartbeat_age, error_streak: int = Limits.error_streak,
           max_run_time: timedelta = Limits.max_run_time, failure_window: timedelta = Limits.failure_window,
           max_pending_age: timedelta = Limits.max_pending_age,
           live_heartbeat_age: timedelta = Limits.live_heartbeat_age) -> tuple[bool, list[str]]:
    """(ok, reasons): ok when every rule of this module holds; one reason per broken rule otherwise."""
    limits = Limits(max_heartbeat_age, error_streak, max_run_time, failure_window, max_pending_age,
                    live_heartbeat_age)
    report = status(engine, settings, now, recent_runs=error_streak, failure_window=failure_window)
    reasons = judge(report, limits)
    return not reasons, reasons


def judge(report: StatusReport, limits: Limits = Limits()) -> list[str]:
    """The reasons ``report`` is unhealthy under ``limits``; empty when it is healthy (pure)."""
    reasons: list[str] = []
    fresh = {i.instance for i in report.instances if i.heartbeat_age <= limits.max_heartbeat_age}
    active = [i for i in report.instances if i.role == "active"]
    live = [i for i in active if i.instance in fresh]
    if not active:
        reasons.append("no daemon instance holds the active role (is `monitor run` running?)")
    elif not live:
        best = report.active_instance
        assert best is not None
        reasons.append(f"active instance {best.instance} last sent a heartbeat {age(best.heartbeat_age)} ago "
                       f"(limit {age(limits.max_heartbeat_age)})")
    else:
        beating = [i for i in live if i.heartbeat_age <= limits.live_heartbeat_age]
        if len(beating) > 1:
            reasons.append("instances " + ", ".join(i.instance for i in beating) + " all hold the active role")
    for job in report.jobs:
        streak = job.recent[:limits.error_streak]
        if limits.error_streak > 0 and len(streak) == limits.error_streak and \
                all(run.outcome == "error" for run in streak):
            reasons.append(f"job {job.job_id}: the last {limits.error_streak} runs failed; latest at "
                           f"{streak[0].started_at:%Y-%m-%d %H:%M}: {streak[0].detail or 'no detail'}")
        last = job.last_run
        if last is not None and last.outcome == "running" and last.instance in fresh and \
                report.now - last.started_at > limits.max_run_time:
            reasons.append(f"job {job.job_id}: running since {last.started_at:%Y-%m-%d %H:%M} on {last.instance} "
                           f"(over {age(limits.max_run_time)})")
    box = report.outbox
    if box.failed_recently:
        latest = box.recent_failures[0] if box.recent_failures else None
        detail = f"; latest #{latest.outbox_id} to {latest.receiver}: {latest.answer or 'no answer'}" if latest else ""
        reasons.append(f"outbox: {box.failed_recently} message part(s) failed for good in the last "
                       f"{age(report.failure_window)}{detail} (fix the receiver, then `monitor outbox retry`)")
    if box.oldest_pending_age is not None and box.oldest_pending_age > limits.max_pending_age:
        reasons.append(f"outbox: the oldest pending part is {age(box.oldest_pending_age)} old "
                       f"(limit {age(limits.max_pending_age)}); is delivery running and the receiver reachable?")
    return reasons


def age(value: timedelta) -> str:
    """A duration for people: 95 s → '1m35s', 26 h → '1d2h'."""
    seconds = max(int(value.total_seconds()), 0)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts[:2]) or "0s"
