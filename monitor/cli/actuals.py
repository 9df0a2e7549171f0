"""`monitor actuals …`: import submitted files, list what counts, and show the history of a value."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from monitor.cli import Context, pass_context

if TYPE_CHECKING:
    import pandas as pd


@click.group()
def actuals() -> None:
    """Reported values submitted by county staff (CSV or XLSX)."""


@actuals.command("import")
@click.argument("files", nargs=-1, required=True, metavar="FILE...",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and report what would change; store nothing.")
@click.option("--submitted-by", help="Who sent the file, when its rows do not say (报送人).")
@click.option("--region", help="The county of a file without a region column (name, alias or code); by default "
                               "the file's name says it, e.g. 城口县_2025.xlsx.")
@pass_context
def import_(ctx: Context, files: tuple[Path, ...], dry_run: bool, submitted_by: str | None,
            region: str | None) -> None:
    """Import a file whole or not at all; every bad row is listed with its row number and column.

    Accepted: the long layout (地区,指标,期间,数值 …, one row per value), the wide layout of the plan tables
    (地区,指标,单位,2023年,2024年 …), title rows above the header, periods such as 2025年, 2025年第二季度,
    2025年6月 or Jan-25, and the templates of `monitor actuals template`. Rows left without a value are skipped.
    Importing the same file again changes nothing; a changed value becomes a new revision. Several files are
    imported one after the other, each whole or not at all, as if imported one by one: the first one refused
    stops the rest, and the files before it stay imported.

    \b
    Example:
      monitor actuals import 城口县2023年报.xlsx --submitted-by 县科技局
      monitor actuals import 报送表.xlsx --region 城口县
    """
    from monitor import service

    engine = service.open_database(ctx.settings)
    for file in files:
        report = service.import_actuals(engine, file, ctx.now(), submitted_by=submitted_by, dry_run=dry_run,
                                        region=region)
        click.echo(import_line(report))


def import_line(report) -> str:  # type: ignore[no-untyped-def]
    """One Chinese line on an imported (or, with --dry-run, checked) file."""
    r = report.result
    blank = f"；{len(report.blank)} 行未填数值，已跳过" if report.blank else ""
    if not r.changed:
        return f"{report.file}：{r.rows} 行，没有新数据（{r.unchanged} 个数值都已导入过）{blank}"
    verb = "将导入" if report.dry_run else "已导入"
    return (f"{report.file}：{r.rows} 行；{verb}新数值 {r.new} 个、修订 {r.revised} 个，"
            f"未变 {r.unchanged} 个{blank}{'（试导入，未保存）' if report.dry_run else ''}")


@actuals.command("template")
@click.option("--region", required=True, help="The county: name, alias or 6-digit code.")
@click.option("--period", help="The period to report: 2025, 2025年, 2025Q2, 2025年6月 (default: the latest one due "
                               "by today).")
@click.option("--plan", "plan_id", help="Only the indicators of this plan id.")
@click.option("--return-to", help="Whom to return the file to, for the 填表说明 sheet (e.g. 县发展改革委规划科 张三).")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The .xlsx file to write.")
@pass_context
def template(ctx: Context, region: str, period: str | None, plan_id: str | None, return_to: str | None,
             output: Path) -> None:
    """Write the XLSX template to send to a county: every indicator it reports for the period, pre-filled.

    The county fills in the 数值 column (来源 and 备注 if it likes) and returns the file, which then imports with
    `monitor actuals import FILE` or through the inbox folder with no editing. Rows left empty are skipped.
    The sheet 填表说明 explains in Chinese how to fill it in. The default period is the latest one whose figures
    are due by today (in MONITOR_TIMEZONE).

    \b
    Example:
      monitor actuals template --region 城口县 --period 2025 --output 城口县_2025年报送表.xlsx
    """
    from monitor import service

    if output.suffix.lower() != ".xlsx":
        raise click.UsageError("--output must name an .xlsx file")
    engine = service.open_database(ctx.settings)
    made = service.write_template(engine, region, ctx.today(), output, period=period, plan_id=plan_id,
                                  return_to=return_to)
    click.echo(f"{output}：{made.title}，{len(made.rows)} 项指标")


def _filters(ctx: Context, region: str | None, indicator: str | None) -> tuple[list[str] | None, str | None]:
    """The region codes and the indicator id that --region and --indicator name (any name, alias or code)."""
    from monitor import service

    engine = service.open_database(ctx.settings)
    codes = service.resolve_regions(engine, region)
    return codes, service.resolve_indicator(engine, indicator, codes)


def _period_label(text: str | None) -> str | None:
    """The canonical label of a period as people write it (2023年 → 2023)."""
    if not text:
        return None
    from monitor.actuals.normalise import period_label
    from monitor.core.periods import parse_period

    try:
        return parse_period(period_label(text)).label
    except ValueError as exc:
        raise click.UsageError(f"无法识别的报告期“{text}”：应写作 2023、2023年、2023年第二季度或 2023年6月") from exc


def _print(frame: pd.DataFrame, headers: dict[str, str]) -> None:
    if frame.empty:
        click.echo("没有符合条件的报送值。")
        return
    import pandas as pd
    from rich.console import Console
    from rich.table import Table

    console = Console(width=220 if not Console().is_terminal else None)
    table = Table(*headers.values())
    for row in frame[list(headers)].itertuples(index=False):
        table.add_row(*("" if v is None or (isinstance(v, float) and pd.isna(v)) else f"{v:g}"
                        if isinstance(v, float) else str(v) for v in row))
    console.print(table)


_region = click.option("--region", help="Region name, alias or 6-digit code.")
_indicator = click.option("--indicator", help="Indicator: printed name, alias or id.")
_period = click.option("--period", help="Period: 2023, 2023年, 2023Q2, 2023年第二季度, 2023-06 or 2023年6月.")


@actuals.command("list")
@_region
@_indicator
@_period
@pass_context
def list_(ctx: Context, region: str | None, indicator: str | None, period: str | None) -> None:
    """List the values that count now (the newest revision of each).

    \b
    Example:
      monitor actuals list --region 城口县 --indicator 研发投入强度
    """
    from monitor import service
    from monitor.storage import actual_store

    codes, indicator = _filters(ctx, region, indicator)
    period = _period_label(period)
    with service.open_database(ctx.settings).connect() as conn:
        frame = actual_store.current_values(conn, codes, indicator, period)
    _print(frame, {"region_code": "地区代码", "indicator_id": "指标", "period": "报告期", "value": "数值",
                   "unit": "单位", "revision": "版本", "submitted_by": "报送人", "file_name": "文件",
                   "source_row": "行", "imported_at": "导入时间"})


@actuals.command()
@_region
@_indicator
@_period
@pass_context
def history(ctx: Context, region: str | None, indicator: str | None, period: str | None) -> None:
    """Show every revision of the selected values with the file, row and SHA-256 it came from.

    \b
    Example:
      monitor actuals history --region 500229 --indicator rd_expenditure --period 2023
    """
    from monitor import service
    from monitor.storage import actual_store

    codes, indicator = _filters(ctx, region, indicator)
    period = _period_label(period)
    with service.open_database(ctx.settings).connect() as conn:
        frame = actual_store.value_history(conn, codes, indicator, period)
    frame = frame.assign(sha256=frame["sha256"].str[:12], is_current=frame["is_current"].map({True: "是",
                                                                                             False: ""}))
    _print(frame, {"region_code": "地区代码", "indicator_id": "指标", "period": "报告期", "revision": "版本",
                   "value": "数值", "unit": "单位", "original_value": "原始值", "is_current": "现行",
                   "submitted_by": "报送人", "imported_at": "导入时间", "file_name": "文件", "source_row": "行",
                   "sha256": "SHA-256"})
