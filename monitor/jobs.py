"""The daemon's jobs. Each is also a CLI command that runs it once, and each records its run in ``job_runs``.

A job takes a :class:`JobContext` (what is configured, and the clock) and returns a one-line summary for the log
and ``monitor status``. Raising is fine: the runner records the error and the daemon carries on.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import Engine, insert, update

from monitor.channels.base import Channel
from monitor.settings import Settings
from monitor.storage.tables import job_runs

log = logging.getLogger(__name__)

JOB_IDS = ("assess", "deliver", "reminders", "digest", "inbox")


@dataclass
class JobContext:
    """Everything a job needs, built once by the daemon (and again on SIGHUP) or by a CLI command."""

    engine: Engine
    settings: Settings
    config: object  # monitor.notify.AlertConfig (rules, receivers, templates)
    channels: Mapping[str, Channel]
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))
    instance: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")

    def today(self):  # type: ignore[no-untyped-def]
        return self.clock().astimezone(self.settings.tz).date()


def run_recorded(ctx: JobContext, job_id: str, work: Callable[[JobContext], str]) -> str:
    """Run one job, recording start, end, outcome and summary (or the error) in job_runs."""
    started = ctx.clock()
    with ctx.engine.begin() as conn:
        run_id = conn.execute(insert(job_runs).values(job_id=job_id, instance=ctx.instance, started_at=started,
                                                      outcome="running")).inserted_primary_key[0]
    try:
        summary = work(ctx)
    except Exception as exc:
        with ctx.engine.begin() as conn:
            conn.execute(update(job_runs).where(job_runs.c.id == run_id).values(
                finished_at=ctx.clock(), outcome="error", detail=f"{type(exc).__name__}: {exc}"[:2000]))
        raise
    with ctx.engine.begin() as conn:
        conn.execute(update(job_runs).where(job_runs.c.id == run_id).values(
            finished_at=ctx.clock(), outcome="ok", detail=summary[:2000]))
    return summary


def record_missed(ctx: JobContext, job_id: str, scheduled: datetime) -> None:
    now = ctx.clock()
    with ctx.engine.begin() as conn:
        conn.execute(insert(job_runs).values(job_id=job_id, instance=ctx.instance, started_at=now, finished_at=now,
                                             outcome="missed", detail=f"scheduled for {scheduled.isoformat()}"))
