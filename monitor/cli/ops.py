"""`monitor status` and `monitor health`: what the daemon is doing, and whether it is well."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import click

from monitor.cli import Context, pass_context
from monitor.errors import ConfigError

if TYPE_CHECKING:
    from rich.console import Console

# monitor.ops.* is imported inside the commands, so other commands start without SQL reads of the daemon tables

OUTCOME = {"ok": "成功", "error": "失败", "missed": "错过", "running": "运行中"}
ROLE = {"active": "主用", "standby": "备用", "stopped": "已停止"}
SEVERITY = {"critical": "严重", "warning": "预警", "ok": "正常"}


def _console() -> Console:
    from rich.console import Console
    console = Console()
    return console if console.is_terminal else Console(width=200, color_system=None)


def _open(ctx: Context):  # type: ignore[no-untyped-def]
    """The database, with any failure to reach or read it as a ConfigError (exit 3)."""
    from sqlalchemy.exc import SQLAlchemyError
    from monitor import service
    try:
        return service.open_database(ctx.settings)
    except SQLAlchemyError as exc:
        raise ConfigError(f"cannot read the database: {type(exc).__name__}") from exc


def _read(ctx: Context, read):  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import SQLAlchemyError
    engine = _open(ctx)
    try:
        return read(engine)
    except SQLAlchemyError as exc:
        raise ConfigError(f"cannot read the database: {type(exc).__name__}: {str(exc).splitlines()[0]}") from exc
    finally:
        engine.dispose()


def _time(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S}" if value else "—"


def _ago(value: timedelta | None) -> str:
    if value is None:
        return "—"
    seconds, parts = max(int(value.total_seconds()), 0), []
    for unit, size in (("天", 86400), ("小时", 3600), ("分", 60), ("秒", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return ("".join(parts[:2]) or "0秒") + "前"


@click.command("status")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_context
def status(ctx: Context, fmt: str) -> None:
    """Show the jobs (schedule, next and last run, last error), the outbox, alerts, silences, reminders and the
    daemon instances with their heartbeats. Reads only; times in MONITOR_TIMEZONE.

    \b
    Example:
      monitor status --format json
    """
    from rich.table import Table
    from monitor.ops.status import as_data
    from monitor.ops.status import status as read_status
    now = ctx.clock()
    report = _read(ctx, lambda engine: read_status(engine, ctx.settings, now))
    if fmt == "json":
        click.echo(json.dumps(as_data(report), ensure_ascii=False, indent=2))
        return
    console = _console()
    active = report.active_instance
    console.print(f"现在 {_time(report.now)}（{report.timezone}）；主用实例："
                  + (f"{active.instance}，心跳 {_ago(active.heartbeat_age)}" if active else "无（守护进程未运行？）"))

    jobs = Table("任务", "计划", "下次运行", "上次运行", "结果", "说明", "最近错误", title="定时任务")
    for job in report.jobs:
        last, error = job.last_run, job.last_error
        jobs.add_row(job.job_id, job.schedule, _time(job.next_run) if job.enabled else "未启用",
                     _time(last.started_at) if last else "—", OUTCOME.get(last.outcome, last.outcome) if last else "—",
                     (last.detail or "")[:80] if last else "",
                     f"{_time(error.started_at)} {(error.detail or '')[:60]}" if error else "—")
    console.print(jobs)

    if report.instances:
        table = Table("实例", "主机", "PID", "角色", "启动", "心跳", title="守护进程实例")
        for item in report.instances:
            table.add_row(item.instance, item.hostname, str(item.pid), ROLE.get(item.role, item.role),
                          _time(item.started_at), _ago(item.heartbeat_age))
        console.print(table)

    box = report.outbox
    console.print(f"发件箱：待发送 {box.pending}，发送中 {box.sending}，失败 {box.failed}"
                  + (f"，最早的待发送消息创建于 {_ago(box.oldest_pending_age)}" if box.oldest_pending_age else ""))
    if box.recent_failures:
        failures = Table("id", "接收人", "类型", "标题", "尝试", "应答", "失败时间", title="近期发送失败")
        for part in box.recent_failures:
            failures.add_row(str(part.outbox_id), part.receiver, part.kind, part.title, str(part.attempts),
                             part.answer, _time(part.failed_at))
        console.print(failures)

    firing = "，".join(f"{SEVERITY.get(k, k)} {v}" for k, v in sorted(report.alerts_firing.items())) or "无"
    console.print(f"告警：{firing}" + (f"（其中静默或抑制 {report.alerts_held}）" if report.alerts_held else ""))
    console.print(f"催报：{report.reminders_outstanding} 项已催报但尚未报送")
    if report.silences:
        silences = Table("id", "匹配", "结束", "设置人", "说明", title="生效中的静默")
        for s in report.silences:
            silences.add_row(str(s.id), " ".join(str(m) for m in s.matchers),
                             _time(s.ends_at.astimezone(ctx.settings.tz)), s.author, s.comment)
        console.print(silences)
    else:
        console.print("静默：无")


@click.command("health")
@click.option("--max-heartbeat-age", default="90s", show_default=True,
              help="The active instance's heartbeat may be at most this old.")
@click.option("--max-pending-age", default="3h", show_default=True,
              help="The oldest pending outbox part may be at most this old.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing when healthy.")
@pass_context
def health(ctx: Context, max_heartbeat_age: str, max_pending_age: str, quiet: bool) -> None:
    """Check the daemon: exit 0 when healthy, 1 when not (each reason on stderr), 3 when the settings or the
    database cannot be read. For Docker HEALTHCHECK, systemd and monitoring probes.

    \b
    Example:
      monitor health --max-heartbeat-age 2m
    """
    from monitor.alerts.rules import parse_duration
    from monitor.ops.health import health as check_health
    try:
        heartbeat, pending = parse_duration(max_heartbeat_age), parse_duration(max_pending_age)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    now = ctx.clock()
    ok, reasons = _read(ctx, lambda engine: check_health(engine, ctx.settings, now, max_heartbeat_age=heartbeat,
                                                         max_pending_age=pending))
    if ok:
        if not quiet:
            click.echo("healthy")
        return
    for reason in reasons:
        click.echo(f"unhealthy: {reason}", err=True)
    raise click.exceptions.Exit(1)
