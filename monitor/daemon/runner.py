"""The daemon: an APScheduler 3.x blocking scheduler that triggers the jobs of monitor.jobs on their schedules.

Life of a daemon: take the instance lock (PostgreSQL: wait as a standby, monitor.daemon.standby), load the
configuration, catch up on jobs missed while no daemon ran (within their grace time; older ones are recorded as
missed), start the scheduler. A job never runs twice at once: a catch-up run is skipped while the scheduled run of
the same job is running.

Signals (monitor.daemon.signals) are handled from the first moment. SIGTERM/SIGINT: take no new work, let the
running jobs finish (a delivery, also the one inside the assess job, finishes the parts in hand and takes no new
one), mark the instance stopped, exit 0. SIGHUP: reload plans, rules, receivers and templates, all checked before
anything is stored; an invalid new configuration is refused whole and the old one stays in force. A standby or a
starting daemon notes a SIGHUP and applies it once active.

The lease: the active daemon checks its lock and writes its heartbeat every ``heartbeat_seconds``. It may work only
while its last confirmed heartbeat is younger than ``lease_seconds`` (half of ``stale_seconds``): jobs do not start,
deliveries take no new part and no channel sends after that. Losing the lock (a dropped connection, a server restart,
a standby that ended its session) or the lease stops the daemon with exit code 5, so systemd restarts it (as a
standby if another daemon has taken over).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from monitor.daemon.catchup import catch_up
from monitor.daemon.fence import fenced
from monitor.daemon.instance import mark_stopped, write_heartbeat
from monitor.daemon.lock import InstanceLock
from monitor.daemon.settings import DaemonSettings
from monitor.daemon.signals import Signals
from monitor.daemon.standby import Standby
from monitor.daemon.systemd import notify as tell_systemd
from monitor.daemon.work import job_work
from monitor.errors import ConfigError
from monitor.jobs import JOB_IDS, JobContext, record_missed, run_recorded
from monitor.settings import Settings
from monitor.stopping import stop_all

log = logging.getLogger(__name__)

STOP_WITHIN_SECONDS = 9.0
EXIT_LOST_LOCK = 5
STATUS_EVERY_SECONDS = 60.0


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Daemon:
    def __init__(self, settings: Settings, clock: Callable[[], datetime] = utc_now, *,
                 tuning: DaemonSettings | None = None, signals: Signals | None = None,
                 monotonic: Callable[[], float] = time.monotonic):
        self.settings = settings
        self.clock = clock
        self.tuning = tuning if tuning is not None else DaemonSettings()
        self.signals = signals if signals is not None else Signals()
        self.monotonic = monotonic
        self.instance = f"{socket.gethostname()}:{os.getpid()}"
        self.stop = threading.Event()
        self.lost = False  # the lock or the lease was lost: exit non-zero
        self.scheduler: BlockingScheduler | None = None
        self.ctx: JobContext | None = None
        self._running: set[str] = set()
        self._running_lock = threading.Lock()
        self.metrics = None  # monitor.ops.metrics.Metrics when MONITOR_METRICS_PORT is set
        self._confirmed: float | None = None  # monotonic time of the last confirmed heartbeat (None: not active)
        self._status_at = -STATUS_EVERY_SECONDS
        self._reloads_done = self._reloads_noted = 0
        self._beat_lock = threading.Lock()  # the lock's connection serves one thread at a time
        self._beat_tried = -float("inf")

    # --- configuration -----------------------------------------------------------------------------------------

    def build_context(self, engine) -> JobContext:  # type: ignore[no-untyped-def]
        from monitor.delivery.channels import build_channels
        from monitor.notify import AlertConfig

        config = AlertConfig.load(self.settings)
        channels = fenced(build_channels(config.receivers, self.settings.smtp), self.may_work)
        return JobContext(engine, self.settings, config, channels, self.clock, self.instance)

    def reload(self) -> None:
        """SIGHUP: plans, rules, receivers and templates; everything is checked before anything is stored, and the
        old configuration stays whole if any of it is bad."""
        from monitor import service
        from monitor.plans.loader import plan_files_in

        assert self.ctx is not None
        try:
            new = self.build_context(self.ctx.engine)  # rules, receivers, templates: nothing stored
            # the plans are all checked, then stored in one transaction (nothing stored if one is bad)
            results = service.load_plans(self.ctx.engine, plan_files_in(self.settings.plans_dir), self.clock())
        except Exception as exc:  # noqa: BLE001 - a bad file must not take the daemon down
            text = exc.report() if hasattr(exc, "report") else str(exc)
            log.error("reload refused, the previous configuration stays in force: %s", text)
            return
        self.ctx = new
        changed = [r.plan_id for r in results if r.outcome != "unchanged"]
        log.info("configuration reloaded: %d rules, %d receivers, plans changed: %s", len(new.config.rules),
                 len(new.config.receivers.receivers), ", ".join(changed) or "none")

    def _take_signals(self, role: str) -> None:
        """Act on the SIGHUPs counted since the last look: reload when active, note them otherwise."""
        asked = self.signals.reloads
        if role == "active":
            if asked != self._reloads_done:
                log.info("SIGHUP: reloading plans, rules, receivers and templates")
                self._reloads_done = self._reloads_noted = asked
                self.reload()
        elif asked != self._reloads_noted:
            self._reloads_noted = asked
            log.info("SIGHUP while %s: noted; plans, rules, receivers and templates are read again once this "
                     "daemon is active", role)

    # --- jobs --------------------------------------------------------------------------------------------------

    def may_work(self) -> bool:
        """False once the lease has run out (the lock is not confirmed) or the daemon is stopping."""
        confirmed = self._confirmed
        lease = confirmed is None or self.monotonic() - confirmed <= self.tuning.lease_seconds
        return lease and not self.stop.is_set()

    def work(self, job_id: str) -> Callable[[JobContext], str]:
        return job_work(job_id, self.metrics, self.may_work)

    def _run_job(self, job_id: str) -> None:
        if self.ctx is None or not self.may_work():
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

    def heartbeat(self, engine, role: str) -> datetime:  # type: ignore[no-untyped-def]
        return write_heartbeat(engine, self.instance, role, self.clock())

    def _beat(self, lock: InstanceLock, engine) -> None:  # type: ignore[no-untyped-def]
        """Confirm the lock, then write the heartbeat; together they renew the lease."""
        with self._beat_lock:
            self._beat_tried = self.monotonic()
            self._beat_once(lock, engine)

    def _beat_once(self, lock: InstanceLock, engine) -> None:  # type: ignore[no-untyped-def]
        if self.stop.is_set():
            return
        checked = self.monotonic()
        if not lock.held():
            self._lose("lost the instance lock (its database connection failed or was ended by a standby)")
            return
        try:
            at = self.heartbeat(engine, "active")
        except Exception as exc:  # noqa: BLE001 - the lease runs out if this goes on
            log.warning("could not write the heartbeat (%s: %s); the lease runs out %.0f s after the last one",
                        type(exc).__name__, exc, self.tuning.lease_seconds)
            return
        self._confirmed = checked
        if self.metrics is not None:
            self.metrics.observe_heartbeat(self.instance, "active", at)
            if checked - self._status_at >= STATUS_EVERY_SECONDS:
                self._status_at = checked
                self._observe_status(engine)

    def _observe_status(self, engine) -> None:  # type: ignore[no-untyped-def]
        from monitor.ops.status import status

        if self.metrics is not None:
            self.metrics.observe_status(status(engine, self.settings, self.clock()))

    def _warm_metrics(self, engine) -> None:  # type: ignore[no-untyped-def]
        """Fill the pace and status gauges at start from the stored data, before the first assess run."""
        from monitor import service

        if self.metrics is None or self.ctx is None:
            return
        try:
            self._observe_status(engine)
            self.metrics.observe_assessment(service.run_check(engine, self.ctx.today()), self.clock())
        except Exception as exc:  # noqa: BLE001 - the next assess run fills them
            log.warning("could not fill the metrics at start (%s: %s)", type(exc).__name__, exc)

    def _lose(self, reason: str) -> None:
        if not self.lost:
            log.critical("%s; stopping at once so that two daemons never work together", reason)
        self.lost = True
        self.request_stop()

    def _watch_lease(self, lock: InstanceLock, engine) -> None:  # type: ignore[no-untyped-def]
        """A thread: beats while the daemon starts (the scheduler's heartbeat job takes over once it runs), and
        stops the daemon when the lease ran out (a stalled scheduler, a database gone for long, a frozen process)."""
        while not self.stop.wait(0.2):
            starting = self.scheduler is None or not self.scheduler.running
            if starting and self.monotonic() - self._beat_tried >= self.tuning.heartbeat_seconds:
                self._beat(lock, engine)
            if not self.may_work() and not self.stop.is_set():
                self._lose(f"no confirmed heartbeat for over {self.tuning.lease_seconds:.0f} s")

    # --- the life of the daemon -------------------------------------------------------------------------------

    def request_stop(self, *_args: object) -> None:
        if not self.stop.is_set():
            log.info("stopping: no new work; waiting for running jobs")
        self.stop.set()
        stop_all()  # a delivery inside the assess job, too, finishes the parts in hand and takes no new one
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def run(self) -> int:
        from monitor import service

        # one line per job run is ours; APScheduler's own "running" / "executed" lines would triple it
        logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
        self.signals.on_stop(self.request_stop)
        engine = service.open_database(self.settings)
        lock = InstanceLock(engine, self.settings.lock_file)
        server = None
        try:
            standby = Standby(lock, engine, self.instance, self.tuning, self.clock, self.monotonic)

            def standby_poll() -> None:
                self.heartbeat(engine, "standby")
                self._take_signals("standby")

            tell_systemd("STATUS=waiting for the instance lock")
            if not standby.wait(self.stop.wait, standby_poll):
                return 0
            self._beat(lock, engine)  # the first heartbeat as the active daemon starts the lease
            if self.lost:
                return EXIT_LOST_LOCK
            threading.Thread(target=self._watch_lease, args=[lock, engine], name="lease", daemon=True).start()
            tell_systemd("STATUS=starting as the active daemon")
            self.ctx = self.build_context(engine)
            if self.settings.metrics_port:
                from monitor.ops.metrics import Metrics, start_metrics_server

                self.metrics = Metrics(clock=self.clock)
                server = start_metrics_server(self.settings.metrics_port, self.metrics)
                log.info("metrics on port %d", self.settings.metrics_port)
            scheduler = self._scheduler(lock, engine)
            self._take_signals("starting")
            self.scheduler = scheduler
            log.info("daemon %s active; jobs: %s", self.instance, ", ".join(
                f"{j} [{getattr(self.settings.schedule, j)}]" for j in JOB_IDS if scheduler.get_job(j)))
            tell_systemd("STATUS=active")
            if not self.stop.is_set():
                scheduler.start()
            self._wait_for_running_jobs()
        finally:
            tell_systemd("STOPPING=1")
            if server is not None:
                server.shutdown()
            self._mark_stopped(engine)
            lock.release()
        if self.lost:
            log.critical("daemon %s stopped after losing the instance lock (exit %d)", self.instance, EXIT_LOST_LOCK)
            return EXIT_LOST_LOCK
        log.info("daemon %s stopped", self.instance)
        return 0

    def _scheduler(self, lock: InstanceLock, engine) -> BlockingScheduler:  # type: ignore[no-untyped-def]
        from monitor.ops.cron import parse_cron

        assert self.ctx is not None
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
            scheduler.add_job(self._run_job, trigger, args=[job_id], id=job_id, name=job_id, replace_existing=True)
        scheduler.add_job(self._beat, IntervalTrigger(seconds=self.tuning.heartbeat_seconds), args=[lock, engine],
                          id="heartbeat", name="heartbeat", replace_existing=True)
        scheduler.add_job(self._take_signals, IntervalTrigger(seconds=1), args=["active"], id="signals",
                          name="signals", replace_existing=True)
        scheduler.add_listener(self._on_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
        grace = timedelta(seconds=self.settings.schedule.misfire_grace_seconds)
        for job_id in catch_up(self.ctx, triggers, self.clock(), grace):
            scheduler.add_job(self._run_job, args=[job_id], id=f"{job_id}-catch-up", replace_existing=True)
        if self.metrics is not None:
            scheduler.add_job(self._warm_metrics, args=[engine], id="metrics-warm-up", replace_existing=True)
        return scheduler

    def _wait_for_running_jobs(self) -> None:
        deadline = time.monotonic() + STOP_WITHIN_SECONDS
        while time.monotonic() < deadline:
            with self._running_lock:
                if not self._running:
                    return
            time.sleep(0.05)
        log.warning("jobs still running at exit: %s", ", ".join(sorted(self._running)))

    def _mark_stopped(self, engine) -> None:  # type: ignore[no-untyped-def]
        mark_stopped(engine, self.instance, self.clock)
