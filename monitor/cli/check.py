"""`monitor check`: assess every series as of a date and exit with a code cron and CI can act on."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from monitor.cli import Context, pass_context
from monitor.errors import MonitorError

FAIL_ON = {"warning": 1, "critical": 2, "never": 99}


@click.command()
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Judge the values whose period ended by this date (default: today in MONITOR_TIMEZONE).")
@click.option("--plan", "plan_id", help="Only this plan id.")
@click.option("--region", help="Only this region (name, alias or 6-digit code).")
@click.option("--indicator", "indicator_id", help="Only this indicator: printed name, alias or id.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "csv-raw", "xlsx"]), default="table",
              show_default=True, help="csv: for Excel (BOM, Chinese headers); csv-raw: English headers, for scripts; "
              "xlsx: the workbook of `monitor report`, written to --output.")
@click.option("--output", "-o", type=click.Path(path_type=Path),
              help="With --format xlsx: the file to write (default: monitor-check-DATE.xlsx here).")
@click.option("--fail-on", type=click.Choice(list(FAIL_ON)), default="warning", show_default=True,
              help="Lowest severity that makes the exit code non-zero (1 warning, 2 critical).")
@click.option("--notify", "send", is_flag=True,
              help="Then evaluate the alert rules, queue the messages and deliver them (the cron path).")
@pass_context
def check(ctx: Context, as_of, plan_id, region, indicator_id, fmt: str, output: Path | None, fail_on: str,
          send: bool) -> None:  # type: ignore[no-untyped-def]
    """Assess the latest value of every series against its trajectory (序时进度).

    Exit code: 0 all fine, 1 the worst is a warning (behind, no data), 2 something is critical (off track,
    regressing, missed), 3 usage, configuration or data error. With --notify, a summary of the alerts and
    deliveries goes to stderr; messages that could not be delivered stay in the outbox (`monitor outbox list`).

    \b
    Example:
      monitor check --as-of 2024-07-01 --region 城口县 --format json
      monitor check --notify --fail-on never
      monitor check --as-of 2026-07-15 --format xlsx --output 评估.xlsx
    """
    from monitor import service
    from monitor.cli.output import emit
    from monitor.core.status import SEVERITY_RANK
    from monitor.report.check import json_parts, to_csv, to_csv_raw
    from monitor.report.table import to_table

    if output is not None and fmt != "xlsx":
        raise MonitorError("--output 只用于 --format xlsx (--output goes with --format xlsx)")
    day: date = as_of.date() if as_of else ctx.today()
    engine = service.open_database(ctx.settings)
    if fmt == "xlsx":
        from monitor.report.files import make_report

        path = output or Path(f"monitor-check-{day.isoformat()}.xlsx")
        frame = make_report(engine, day, "xlsx", path, plan_id=plan_id, region=region,
                            indicator_id=indicator_id).assessment
        click.echo(f"已写入 {path}：{len(frame)} 项指标，评估日期 {day.isoformat()}", err=True)
    else:
        frame = service.run_check(engine, day, plan_id=plan_id, region=region, indicator_id=indicator_id)
        emit(fmt, frame, f"评估日期：{day.isoformat()}", to_json=json_parts, to_csv=to_csv, to_table=to_table,
             to_csv_raw=to_csv_raw)
    if send:
        from monitor.notify import notify

        run, report = notify(engine, ctx.settings, frame, ctx.clock)
        click.echo(f"告警 {len(run.current)} 条，消息 {len(run.messages)} 条；已发送 {report.sent} 段，"
                   f"待重试 {report.retried + report.waiting} 段，失败 {report.failed} 段", err=True)
        for line in report.errors:
            click.echo(f"  delivery failed: {line}", err=True)
    worst = max((SEVERITY_RANK[s] for s in frame["severity"].unique()), default=0)
    code = worst if worst >= FAIL_ON[fail_on] else 0
    if code:
        raise click.exceptions.Exit(code)
