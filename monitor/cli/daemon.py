"""`monitor run`: the unattended daemon."""

from __future__ import annotations

import gc
import logging

import click

from monitor.cli import Context, pass_context


@click.command()
@pass_context
def run(ctx: Context) -> None:
    """Run the scheduled jobs until stopped (SIGTERM or Ctrl-C); SIGHUP reloads plans, rules, receivers, templates.

    Jobs and their default schedules (crontab, in MONITOR_TIMEZONE): assess and notify weekdays 09:00
    (MONITOR_SCHEDULE__ASSESS), deliver the outbox every 30 s, submission reminders daily 09:30, the digest
    Mondays 09:00, the inbox every minute (when MONITOR_INBOX__PATH is set). One daemon is active per database:
    with PostgreSQL a second one waits as a standby and takes over when the first dies, loses its lock or stops
    writing its heartbeat for MONITOR_DAEMON__STALE_SECONDS; with SQLite a lock file refuses a second one. A
    standby or a starting daemon notes a SIGHUP and applies it once active. Exit 0 when stopped, 5 when the
    instance lock was lost (so that systemd restarts it). `monitor status` shows what it is doing.

    \b
    Example:
      MONITOR_SCHEDULE__ASSESS="0 9 * * mon-fri" monitor run
    """
    from monitor.daemon.signals import Signals
    from monitor.daemon.systemd import notify

    signals = Signals().install()  # first of all: a SIGHUP or SIGTERM from now on is handled, not fatal
    notify("READY=1")

    from monitor.cli import DEFAULT_GC_THRESHOLDS
    from monitor.daemon.runner import Daemon
    from monitor.daemon.settings import load_daemon_settings
    from monitor.ops.logs import configure_logging

    gc.set_threshold(*DEFAULT_GC_THRESHOLDS)  # a process that runs for months collects as Python does by default
    settings = ctx.settings
    configure_logging(settings.log_format, logging.DEBUG if ctx.debug else logging.INFO)
    daemon = Daemon(settings, tuning=load_daemon_settings(), signals=signals)
    logging.getLogger("monitor.daemon.runner").info("daemon %s starting", daemon.instance)
    code = daemon.run()
    if code:
        raise click.exceptions.Exit(code)


@click.command()
@pass_context
def digest(ctx: Context) -> None:
    """Send the digest once: every region in one message to the digest receivers (the daemon's Monday job).

    \b
    Example:
      monitor digest
    """
    from monitor import service
    from monitor.delivery.deliver import deliver_due
    from monitor.digest import send_digest
    from monitor.jobs import run_recorded

    job = ctx.job_context()
    click.echo(run_recorded(job, "digest", lambda c: send_digest(c, service.run_check)))
    report = deliver_due(job.engine, job.channels, job.clock, workers=job.settings.delivery_workers)
    click.echo(f"sent {report.sent} part(s), {report.retried + report.waiting} to retry, {report.failed} failed")
