"""The daemon: an APScheduler 3.x blocking scheduler that triggers the jobs of monitor.jobs on their schedules.

Life of a daemon: take the instance lock (PostgreSQL: wait as a standby), load the configuration, catch up on
jobs missed while no daemon ran (within their grace time; older ones are recorded as missed), start the
scheduler. SIGTERM/SIGINT: take no new work, let the running jobs finish (a delivery, also the one inside the
assess job, finishes the parts in hand and takes no new one), exit 0. A job never runs twice at once: a catch-up
run is skipped while the scheduled run of the same job is running. SIGHUP: reload plans, rules, receivers and
templates; an invalid new configuration is refused and the old one stays in force.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import func, insert, select, update

from monitor.daemon.lock import InstanceLock
from monitor.errors import ConfigError
from monitor.jobs import JOB_IDS, JobContext, record_missed, run_recorded
from monitor.settings import Settings
from monitor.storage.tables import instances, job_runs

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10
STOP_WITHIN_SECONDS = 9.0


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Daemon:
    def __init__(self, settings: Settings, clock: Callable[[], datetime] = utc_now):
        self.settings = settings
        self.clock = clock
        self.instance = f"{socket.gethostname()}:{os.getpid()}"
        self.stop = threading.Event()
        self.scheduler: BlockingScheduler | None = None
        self.ctx: JobContext | None = None
        self._running: set[str] = set()
        self._running_lock = threading.Lock()
        self.metrics = None  # monitor.ops.metrics.Metrics when MONITOR_METRICS_PORT is set
        self._beats = 0

    # --- configuration -----------------------------------------------------------------------------------------

    def build_context(self, engine) -> JobContext:  # type: ignore[no-untyped-def]
        from monitor.delivery.channels import build_channels
        from monitor.notify import AlertConfig

        config = AlertConfig.load(self.settings)
        channels = build_channels(config.receivers, self.settings.smtp)
        return JobContext(engine, self.settings, config, channels, self.clock, self.instance)

    def reload(self) -> None:
        """SIGHUP: plans, rules, receivers and templates; the old configuration stays if the new one is bad."""
        from monitor import service
        from monitor.plans.loader import plan_files_in

        assert self.ctx is not None
        try:
            results = service.load_plans(self.ctx.engine, plan_files_in(self.settings.plans_dir), self.clock())
            new = self.build_context(self.ctx.engine)
        except Exception as exc:  # noqa: BLE001 - a bad file must not take the daemon down
            text = exc.report() if hasattr(exc, "report") else str(exc)
            log.error("reload refused, the previous configuration stays in force: %s", text)
            return
        self.ctx = new
        changed = [r.plan_id for r in results if r.outcome != "unchanged"]
        log.info("configuration reloaded: %d rules, %d receivers, plans changed: %s", len(new.config.rules),
                 len(new.config.receivers.receivers), ", ".join(changed) or "none")

    # --- jobs --------------------------------------------------------------------------------------------------

    def work(self, job_id: str) -> Callable[[JobContext], str]:
        from monitor import service

        if job_id == "assess":
            def assess(ctx: JobContext) -> str:
                from monitor.notify import notify

                frame = service.run_check(ctx.engine, ctx.today())
                if self.metrics is not None:
                    self.metrics.observe_assessment(frame, ctx.clock())
                run, report = notify(ctx.engine, ctx.settings, frame, ctx.clock, config=ctx.config,
                                     channels=ctx.channels)
                if self.metrics is not None:
                    self.metrics.observe_delivery(report)
                purge_job_runs(ctx)
                return (f"{len(frame)} series, {len(run.current)} alerts, {len(run.messages)} messages, "
                        f"{report.sent} parts sent")
            return assess
        if job_id == "deliver":
            def deliver(ctx: JobContext) -> str:
                from monitor.delivery.deliver import deliver_due

                r = deliver_due(ctx.engine, ctx.channels, ctx.clock, worker=ctx.instance, should_stop=self.stop.is_set)
                if self.metrics is not None:
                    self.metrics.observe_delivery(r)
                return f"sent {r.sent}, retry {r.retried}, waiting {r.waiting}, failed {r.failed}, split {r.split}"
            return deliver
        if job_id == "digest":
            def digest(ctx: JobContext) -> str:
                from monitor.digest import send_digest

                return send_digest(ctx, service.run_check)
            return digest
        if job_id == "reminders":
            from monitor.reminders.service import send_reminders

            return send_reminders
        if job_id == "inbox":
            from monitor.inbox.scan import scan_inbox

            return scan_inbox
        raise ValueError(job_id)

    def _run_job(self, job_id: str) -> None:
        if self.stop.is_set() or self.ctx is None:
            return
        with self._running_lock:
            if job_id in self._running:  # a catch-up run and the scheduled run never overlap
                log.info("job %s is still running; this run is skipped", job_id, extra={"job_id": job_id})
                return
            self._running.add(job_id)
        started, began = time.monotonic(), self.clock()
        outcome = "error"
        try:
            summary = run_recorded(self.ctx, job_id, self.work(job_id))
            outcome = "ok"
            log.info("job %s ok in %.1f s: %s", job_id, time.monotonic() - started, summary,
                     extra={"job_id": job_id})
        finally:
            if self.metrics is not None:
                self.metrics.observe_job_run(job_id, outcome, began, self.clock())
            with self._running_lock:
                self._running.discard(job_id)

    def _on_event(self, event: JobExecutionEvent) -> None:
        if event.code == EVENT_JOB_ERROR:
            # APScheduler hands the traceback over as text; the exception still carries the real one
            log.error("job %s failed (scheduled %s): %s", event.job_id, event.scheduled_run_time,
                      event.exception, exc_info=event.exception, extra={"job_id": event.job_id})
        elif event.code == EVENT_JOB_MISSED:
            log.warning("job %s missed its run at %s", event.job_id, event.scheduled_run_time,
                        extra={"job_id": event.job_id})
            if self.ctx is not None and event.job_id in JOB_IDS:
                record_missed(self.ctx, event.job_id, event.scheduled_run_time)

    # --- instance ------------------------------------------------------------------------------------------

    def heartbeat(self, engine, role: str) -> None:  # type: ignore[no-untyped-def]
        now = self.clock()
        with engine.begin() as conn:
            done = conn.execute(update(instances).where(instances.c.instance == self.instance)
                                .values(heartbeat_at=now, role=role)).rowcount
            if not done:
                conn.execute(insert(instances).values(instance=self.instance, hostname=socket.gethostname(),
                                                      pid=os.getpid(), started_at=now, heartbeat_at=now, role=role))

    def _beat(self, lock: InstanceLock) -> None:
        assert self.ctx is not None
        if not lock.held():
            log.critical("lost the instance lock; stopping so that two daemons never work at once")
            self.request_stop()
            return
        self.heartbeat(self.ctx.engine, "active")
        self._beats += 1
        if self.metrics is not None and self._beats % 6 == 1:  # about once a minute
            from monitor.ops.status import status

            self.metrics.observe_status(status(self.ctx.engine, self.settings, self.clock()))

    def catch_up(self, ctx: JobContext, triggers: dict) -> list[str]:  # type: ignore[type-arg]
        """Jobs whose last scheduled time passed while no daemon ran: run once now within grace, else record."""
        now = self.clock()
        grace = timedelta(seconds=self.settings.schedule.misfire_grace_seconds)
        due = []
        with ctx.engine.connect() as conn:
            last = dict(conn.execute(select(job_runs.c.job_id, func.max(job_runs.c.started_at))
                                     .group_by(job_runs.c.job_id)).all())
        for job_id, trigger in triggers.items():
            since = last.get(job_id)
            if since is None:
                continue
            missed = _last_fire_between(trigger, since, now)
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

    # --- the life of the daemon -------------------------------------------------------------------------------

    def request_stop(self, *_args: object) -> None:
        from monitor.delivery.deliver import stop_all

        if not self.stop.is_set():
            log.info("stopping: no new work; waiting for running jobs")
        self.stop.set()
        stop_all()  # a delivery inside the assess job, too, finishes the parts in hand and takes no new one
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def run(self) -> int:
        from monitor import service
        from monitor.ops.cron import parse_cron

        # one line per job run is ours; APScheduler's own "running" / "executed" lines would triple it
        logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
        engine = service.open_database(self.settings)
        lock = InstanceLock(engine, self.settings.lock_file)
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)
        if not lock.acquire(self.stop.wait, on_standby=lambda: self.heartbeat(engine, "standby")):
            self._mark_stopped(engine)
            return 0
        server = None
        try:
            self.ctx = self.build_context(engine)
            if self.settings.metrics_port:
                from monitor.ops.metrics import Metrics, start_metrics_server

                self.metrics = Metrics()
                server = start_metrics_server(self.settings.metrics_port, self.metrics)
                log.info("metrics on port %d", self.settings.metrics_port)
            tz = self.settings.tz
            triggers = {}
            for job_id in JOB_IDS:
                try:
                    triggers[job_id] = parse_cron(getattr(self.settings.schedule, job_id), tz)
                except ValueError as exc:
                    raise ConfigError(f"MONITOR_SCHEDULE__{job_id.upper()}: {exc}") from exc
            if self.settings.inbox.path is None:
                triggers.pop("inbox")
            scheduler = BlockingScheduler(timezone=tz, job_defaults={
                "coalesce": True, "max_instances": 1,
                "misfire_grace_time": self.settings.schedule.misfire_grace_seconds})
            for job_id, trigger in triggers.items():
                scheduler.add_job(self._run_job, trigger, args=[job_id], id=job_id, name=job_id,
                                  replace_existing=True)
            scheduler.add_job(self._beat, IntervalTrigger(seconds=HEARTBEAT_SECONDS), args=[lock], id="heartbeat",
                              replace_existing=True)
            scheduler.add_listener(self._on_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
            for job_id in self.catch_up(self.ctx, triggers):
                scheduler.add_job(self._run_job, args=[job_id], id=f"{job_id}-catch-up", replace_existing=True)
            signal.signal(signal.SIGHUP, lambda *_: scheduler.add_job(self.reload, id="reload",
                                                                      replace_existing=True))
            self.heartbeat(engine, "active")
            self.scheduler = scheduler
            log.info("daemon %s active; jobs: %s", self.instance, ", ".join(
                f"{j} [{getattr(self.settings.schedule, j)}]" for j in triggers))
            if not self.stop.is_set():
                scheduler.start()
            self._wait_for_running_jobs()
        finally:
            if server is not None:
                server.shutdown()
            self._mark_stopped(engine)
            lock.release()
        log.info("daemon %s stopped", self.instance)
        return 0

    def _wait_for_running_jobs(self) -> None:
        deadline = time.monotonic() + STOP_WITHIN_SECONDS
        while time.monotonic() < deadline:
            with self._running_lock:
                if not self._running:
                    return
            time.sleep(0.05)
        log.warning("jobs still running at exit: %s", ", ".join(sorted(self._running)))

    def _mark_stopped(self, engine) -> None:  # type: ignore[no-untyped-def]
        try:
            with engine.begin() as conn:
                conn.execute(update(instances).where(instances.c.instance == self.instance).values(
                    role="stopped", heartbeat_at=self.clock()))
        except Exception:  # noqa: BLE001 - exiting anyway
            log.debug("could not mark the instance stopped", exc_info=True)


JOB_RUNS_KEPT = timedelta(days=30)


def purge_job_runs(ctx: JobContext) -> None:
    """job_runs grows by thousands of rows a day (the deliver job); keep 30 days."""
    with ctx.engine.begin() as conn:
        conn.execute(job_runs.delete().where(job_runs.c.started_at < ctx.clock() - JOB_RUNS_KEPT,
                                             job_runs.c.outcome != "running"))


def _last_fire_between(trigger, since: datetime, now: datetime) -> datetime | None:  # type: ignore[no-untyped-def]
    """The latest fire time of ``trigger`` after ``since`` and not after ``now`` (None if there is none)."""
    found = None
    fire = trigger.get_next_fire_time(None, since + timedelta(microseconds=1))
    for _ in range(100_000):
        if fire is None or fire > now:
            break
        found = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return found
