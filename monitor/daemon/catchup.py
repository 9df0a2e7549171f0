"""Jobs whose scheduled time passed while no daemon ran, and the trimming of job_runs."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, select

from monitor.jobs import JobContext, record_missed
from monitor.storage.tables import job_runs

log = logging.getLogger(__name__)

JOB_RUNS_KEPT = timedelta(days=30)


def catch_up(ctx: JobContext, triggers: dict, now: datetime, grace: timedelta) -> list[str]:  # type: ignore[type-arg]
    """The jobs to run once now (their last scheduled time passed within ``grace``); older ones are recorded missed."""
    due = []
    with ctx.engine.connect() as conn:
        last = dict(conn.execute(select(job_runs.c.job_id, func.max(job_runs.c.started_at))
                                 .group_by(job_runs.c.job_id)).all())
    for job_id, trigger in triggers.items():
        since = last.get(job_id)
        if since is None:
            continue
        missed = last_fire_between(trigger, since, now)
        if missed is None:
            continue
        if now - missed <= grace:
            log.info("job %s was due at %s while no daemon ran; running it now", job_id, missed.isoformat())
            due.append(job_id)
        else:
            log.warning("job %s missed its run at %s (beyond the grace time)", job_id, missed.isoformat(),
                        extra={"job_id": job_id})
            record_missed(ctx, job_id, missed)
    return due


def purge_job_runs(ctx: JobContext) -> None:
    """job_runs grows by thousands of rows a day (the deliver job); keep 30 days."""
    with ctx.engine.begin() as conn:
        conn.execute(job_runs.delete().where(job_runs.c.started_at < ctx.clock() - JOB_RUNS_KEPT,
                                             job_runs.c.outcome != "running"))


def last_fire_between(trigger, since: datetime, now: datetime) -> datetime | None:  # type: ignore[no-untyped-def]
    """The latest fire time of ``trigger`` after ``since`` and not after ``now`` (None if there is none)."""
    found = None
    fire = trigger.get_next_fire_time(None, since + timedelta(microseconds=1))
    for _ in range(100_000):
        if fire is None or fire > now:
            break
        found = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return found
