"""`monitor reminders list|exempt|send`: figures due or late, exemptions, and the reminders job run once."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from monitor.cli import Context, pass_context
from monitor.errors import MonitorError

if TYPE_CHECKING:
    from rich.console import Console

# the reminder modules are imported inside the commands, so the rest of `monitor` starts quickly

STEP_LABEL = {"before": "提前提醒", "due": "到期提醒", "grace": "逾期提醒", "repeat": "再次提醒"}


def _console() -> Console:
    from rich.console import Console
    console = Console()
    return console if console.is_terminal else Console(width=200, color_system=None)


@click.group()
def reminders() -> None:
    """Submission reminders (报送提醒): figures that are due or late, exemptions, sending once."""


@reminders.command("list")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Date to judge (default today).")
@click.option("--region", help="Only this region: name, alias or 6-digit code (a misspelt one gets a hint).")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Only figures due on or after this date (default: as the reminders ask, the last "
                   "MONITOR_REMINDERS__LOOKBACK_DAYS days and none before MONITOR_REMINDERS__SINCE).")
@pass_context
def reminders_list(ctx: Context, as_of, region: str | None, since) -> None:  # type: ignore[no-untyped-def]
    """List the figures that are due or late and not reported: due date, days late, last reminder, exemption.

    Figures coming due within MONITOR_REMINDERS__BEFORE_DAYS are listed too; older gaps only from --since.

    \b
    Example:
      monitor reminders list --as-of 2025-07-15 --region 城口县
      monitor reminders list --since 2021-01-01
    """
    from rich.table import Table
    from monitor import service
    from monitor.reminders.message import period_text
    from monitor.reminders.service import lookback_of, outstanding_figures

    day = as_of.date() if as_of else ctx.today()
    start = since.date() if since else lookback_of(ctx.settings).start(day)
    engine = service.open_database(ctx.settings)
    rows = outstanding_figures(engine, ctx.settings, day, service.resolve_regions(engine, region), start)
    tz = ctx.settings.tz
    table = Table("地区", "指标", "报告期", "截止日期", "逾期", "上次提醒", "豁免")
    for row in rows:
        f, notice, exemption = row.figure, row.notice, row.exemption
        late = f.days_overdue(day)
        state = f"{late} 天" if late else ("今天截止" if f.due_on == day else f"还有 {f.days_left(day)} 天")
        last = ""
        if notice is not None:
            last = (f"{notice.last_sent_at.astimezone(tz):%Y-%m-%d} {STEP_LABEL.get(notice.step, notice.step)}"
                    f"（共 {notice.sent_count} 次{'，已抄报' if notice.escalated_at else ''}）")
        exempt = ""
        if exemption is not None:
            exempt = exemption.reason + (f"（{exemption.author}）" if exemption.author else "")
        table.add_row(f.region_name, f.indicator_name, period_text(f.period), f.due_on.isoformat(), state, last,
                      exempt)
    console = _console()
    console.print(table)
    late = sum(1 for r in rows if r.figure.due_on < day and r.exemption is None)
    exempted = sum(1 for r in rows if r.exemption is not None)
    console.print(f"截至 {day.isoformat()}：未报送 {len(rows)} 项，其中已逾期 {late} 项、豁免 {exempted} 项"
                  f"（只列截止日期在 {start.isoformat()} 及以后的数据）")


@reminders.command("exempt")
@click.argument("region")
@click.argument("indicator")
@click.argument("period")
@click.option("--reason", required=True, help="Why the figure is not expected (shown in `reminders list`).")
@click.option("--author", help="Who exempts it.")
@pass_context
def reminders_exempt(ctx: Context, region: str, indicator: str, period: str, reason: str,
                     author: str | None) -> None:
    """Exempt one figure from reminders: REGION (name, alias or code), INDICATOR (id, name or alias), PERIOD.

    PERIOD is written as the indicator is reported: 2024 (or 2024年), 2024Q2 (2024年第二季度) or 2024-06 (2024年6月). Exempting the same figure again
    replaces the reason.

    \b
    Example:
      monitor reminders exempt 城口县 incubation_platforms 2021 --reason 当年未开展统计 --author 张三
    """
    from monitor import service
    from monitor.actuals.normalise import period_label
    from monitor.reminders.message import period_text
    from monitor.reminders.service import exempt

    engine = service.open_database(ctx.settings)
    codes = service.resolve_regions(engine, region) or []
    indicator_id = service.resolve_indicator(engine, indicator, codes)
    period = period_label(period)  # 2024年 → 2024, 2024年第二季度 → 2024Q2, as the import reads them
    result = exempt(engine, codes[0], indicator_id, period, reason, author, ctx.clock())
    f = result.figure
    verb = "已豁免" if result.new else "已更新豁免"
    click.echo(f"{verb}：{f.region_name} {f.indicator_name}（{period_text(f.period)}，截止日期 "
               f"{f.due_on.isoformat()}），原因：{reason.strip()}")
    if result.reported:
        click.echo("注意：该数据已经报送，豁免不影响已报送的数值")


@reminders.command("send")
@pass_context
def reminders_send(ctx: Context) -> None:
    """Run the reminders job once (the daemon's daily job), then deliver what is due in the outbox.

    Each figure gets at most one reminder a day and each rung of its ladder once, so running it again the
    same day sends nothing new.

    \b
    Example:
      monitor reminders send
    """
    from monitor.delivery.deliver import deliver_due
    from monitor.jobs import JobContext, run_recorded
    from monitor.reminders.service import ReminderRun, queue_reminders

    job = ctx.job_context()
    engine, channels = job.engine, job.channels
    runs: list[ReminderRun] = []

    def work(job_ctx: JobContext) -> str:
        runs.append(queue_reminders(job_ctx))
        return runs[-1].summary

    run_recorded(job, "reminders", work)
    report = deliver_due(engine, channels, ctx.clock, workers=ctx.settings.delivery_workers)
    run = runs[0]
    click.echo(f"{run.today.isoformat()} 报送提醒 {run.reminders} 项，消息 {run.messages} 条（其中抄报 {run.escalated} 项）；"
               f"已发送 {report.sent} 段，待重试 {report.retried + report.waiting} 段，失败 {report.failed} 段")
    if report.failed:
        raise MonitorError("部分消息发送失败：" + "；".join(report.errors))
