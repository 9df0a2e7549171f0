"""`monitor report`: the Excel workbook or single-file HTML report of an assessment, with a chart per indicator."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from monitor.cli import Context, pass_context
from monitor.errors import MonitorError


@click.command()
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Judge the values whose period ended by this date (default: today in MONITOR_TIMEZONE).")
@click.option("--plan", "plan_id", help="Only this plan id.")
@click.option("--region", help="Only this region (name, alias or 6-digit code).")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "html"]), required=True,
              help="xlsx: a workbook with native Excel charts; html: one offline page with SVG charts, prints on A4.")
@click.option("--output", "-o", type=click.Path(path_type=Path),
              help="The file to write (required).")
@pass_context
def report(ctx: Context, as_of, plan_id, region, fmt: str, output: Path | None) -> None:  # type: ignore[no-untyped-def]
    """Write a report for planners: a summary by region (counts by status, 指标完成率, 约束性 indicators apart),
    every indicator per region (基期值, 目标, 时间进度, 期望值, 实际值, 差距, 完成进度, 序时完成率, 预计值, 每年还需,
    状态 and 说明, coloured by status), the final review (终期评估) of ended plans, and a chart per indicator: the
    planned path through its milestones and annual targets, the reported values and the projection.

    The exit code is 0 when the report is written (whatever the statuses; `monitor check` grades them), 3 on a
    usage, configuration or data error. See docs/reports.md.

    \b
    Example:
      monitor report --as-of 2026-07-15 --format xlsx --output 规划监测.xlsx
      monitor report --region 城口县 --format html --output 城口县.html
    """
    if output is None:
        raise MonitorError("缺少 --output：请指定报告文件，如 --output 规划监测.xlsx (missing --output FILE)")
    from monitor import service
    from monitor.report.files import make_report

    day: date = as_of.date() if as_of else ctx.today()
    engine = service.open_database(ctx.settings)
    inputs = make_report(engine, day, fmt, output, plan_id=plan_id, region=region)
    regions = inputs.assessment["region_code"].nunique()
    click.echo(f"已写入 {output}：{regions} 个地区、{len(inputs.assessment)} 项指标，评估日期 {day.isoformat()}",
               err=True)
