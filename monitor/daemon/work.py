"""What each scheduled job of the daemon does (the CLI runs the same functions once by hand)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from monitor.daemon.catchup import purge_job_runs
from monitor.jobs import JobContext


def job_work(job_id: str, metrics: Any, may_work: Callable[[], bool]) -> Callable[[JobContext], str]:
    """The work of ``job_id``; ``metrics`` (monitor.ops.metrics.Metrics or None) observes it; a delivery takes no
    new part once ``may_work`` says False (stopping, or the lease ran out)."""
    from monitor import service

    if job_id == "assess":
        def assess(ctx: JobContext) -> str:
            from monitor.notify import notify

            frame = service.run_check(ctx.engine, ctx.today())
            if metrics is not None:
                metrics.observe_assessment(frame, ctx.clock())
            run, report = notify(ctx.engine, ctx.settings, frame, ctx.clock, config=ctx.config,
                                 channels=ctx.channels)
            if metrics is not None:
                metrics.observe_delivery(report)
            purge_job_runs(ctx)
            return (f"{len(frame)} series, {len(run.current)} alerts, {len(run.messages)} messages, "
                    f"{report.sent} parts sent")
        return assess
    if job_id == "deliver":
        def deliver(ctx: JobContext) -> str:
            from monitor.delivery.deliver import deliver_due

            r = deliver_due(ctx.engine, ctx.channels, ctx.clock, worker=ctx.instance,
                            workers=ctx.settings.delivery_workers, should_stop=lambda: not may_work())
            if metrics is not None:
                metrics.observe_delivery(r)
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
