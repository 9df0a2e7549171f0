"""`monitor inbox …`: run the inbox job once, and list what the inbox has taken."""

from __future__ import annotations

import click

from monitor.cli import Context, pass_context
from monitor.errors import ConfigError


@click.group()
def inbox() -> None:
    """The watched inbox folder (MONITOR_INBOX__PATH) where county staff drop their files."""


@inbox.command("scan")
@pass_context
def inbox_scan(ctx: Context) -> None:
    """Take the settled files in the inbox once, then send the messages that are due.

    A good file is imported whole and moved to processed/; a refused one is moved to rejected/ with
    <name>.errors.txt beside it, and its county is told; content imported before is not imported again. A file
    is taken once it has been unchanged for MONITOR_INBOX__SETTLE_SECONDS, as seen by two scans (docs/inbox.md).

    \b
    Example:
      MONITOR_INBOX__PATH=/srv/报送 monitor inbox scan
    """
    from monitor.delivery.deliver import deliver_due
    from monitor.inbox.scan import scan_inbox
    from monitor.jobs import run_recorded

    if ctx.settings.inbox.path is None:
        raise ConfigError("no inbox folder is configured: set MONITOR_INBOX__PATH")
    job = ctx.job_context()
    engine, channels = job.engine, job.channels
    summary = run_recorded(job, "inbox", scan_inbox)
    report = deliver_due(engine, channels, ctx.clock, workers=ctx.settings.delivery_workers)
    click.echo(summary)
    click.echo(f"消息：已发送 {report.sent} 段，待重试 {report.retried + report.waiting} 段，失败 {report.failed} 段",
               err=True)
    for line in report.errors:
        click.echo(f"  delivery failed: {line}", err=True)


@inbox.command("list")
@click.option("--limit", default=50, show_default=True, help="How many files, newest first.")
@pass_context
def inbox_list(ctx: Context, limit: int) -> None:
    """List the files the inbox has taken, newest first: imported or rejected, and why.

    \b
    Example:
      monitor inbox list --limit 20
    """
    from rich.console import Console
    from rich.table import Table
    from monitor import service
    from monitor.inbox import records

    engine = service.open_database(ctx.settings)
    with engine.connect() as conn:
        rows = records.recent(conn, limit)
    if not rows:
        click.echo("收件箱还没有处理过文件。")
        return
    outcome = {records.IMPORTED: "已导入", records.REJECTED: "未导入"}
    table = Table("处理时间", "文件", "结果", "说明", "SHA-256")
    for row in rows:
        detail = (row.detail or "").splitlines()[0] if row.detail else ""
        table.add_row(f"{row.processed_at.astimezone(ctx.settings.tz):%Y-%m-%d %H:%M}", row.file_name,
                      outcome.get(row.outcome, row.outcome), detail, row.sha256[:12])
    console = Console()
    (console if console.is_terminal else Console(width=200, color_system=None)).print(table)
