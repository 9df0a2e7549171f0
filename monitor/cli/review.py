"""`monitor review`: the final review (终期评估) of ended plans, per region."""

from __future__ import annotations

from datetime import date

import click

from monitor.cli import Context, pass_context


@click.command()
@click.argument("region", required=False)
@click.option("--all", "all_regions", is_flag=True, help="Every region.")
@click.option("--plan", "plan_id", help="Only this plan id.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Review the plans ended by this date (default: today in MONITOR_TIMEZONE).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "csv-raw"]),
              default="table", show_default=True,
              help="csv: for Excel (BOM, Chinese headers); csv-raw: English headers, for scripts.")
@pass_context
def review(ctx: Context, region: str | None, all_regions: bool, plan_id, as_of, fmt: str) -> None:  # type: ignore[no-untyped-def]
    """Final review (终期评估) of the plans that have ended in REGION (name, alias or code), or in --all regions.

    A plan is reviewed once its final figures are due (docs/method.md, "Phases of a plan"): each indicator's
    verdict (已完成 / 超额完成 / 未完成 / 终期值未报送), 完成率 and shortfall, then 完成 n / 未完成 m / 未报送 k,
    指标完成率 = 完成 ÷ (完成 + 未完成), and the same for the 约束性 indicators. JSON has one object per
    region × plan with an ``indicators`` list; CSV one row per indicator (csv for Excel: BOM, Chinese headers;
    csv-raw: the JSON fields as English headers, for scripts). When no plan has ended yet, a message
    says so (on stderr for json and csv, which then hold an empty list) and the exit code is 0.

    \b
    Example:
      monitor review 城口县 --as-of 2026-12-01
      monitor review --all --plan xiushan-14th-sti --format json
    """
    if bool(region) == all_regions:
        raise click.UsageError("name one REGION or give --all")
    from monitor import service
    from monitor.cli.output import emit
    from monitor.report.review import settled, to_csv, to_csv_raw, to_json, to_table

    day: date = as_of.date() if as_of else ctx.today()
    engine = service.open_database(ctx.settings)
    frame = service.run_check(engine, day, plan_id=plan_id, region=region)
    if settled(frame).empty:
        where = f"{region}" if region else "各地区"
        plan = f"规划 {plan_id}" if plan_id else "规划"
        click.echo(f"截至 {day.isoformat()}，{where}尚无已结束、可作终期评估的{plan}"
                   "（期末年度数据的报送期限过后方作终期评估）。", err=fmt != "table")
        if fmt == "json":
            click.echo("[]")
        elif fmt in ("csv", "csv-raw"):
            click.echo((to_csv_raw if fmt == "csv-raw" else to_csv)(frame).encode("utf-8"), nl=False)
        return
    emit(fmt, frame, f"终期评估　评估日期：{day.isoformat()}", to_json=to_json, to_csv=to_csv, to_table=to_table,
         to_csv_raw=to_csv_raw, width=200)
