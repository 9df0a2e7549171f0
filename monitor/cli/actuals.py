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
@pass_context
def import_(ctx: Context, files: tuple[Path, ...], dry_run: bool, submitted_by: str | None) -> None:
    """Import a file whole or not at all; every bad row is listed with its row number and column.

    Importing the same file again changes nothing; a changed value becomes a new revision. Several files are
    imported one after the other, each whole or not at all, as if imported one by one: the first one refused
    stops the rest, and the files before it stay imported.

    \b
    Example:
      monitor actuals import 城口县2023年报.xlsx --submitted-by 县科技局
    """
    from monitor import service

    engine = service.open_database(ctx.settings)
    for file in files:
        report = service.import_actuals(engine, file, ctx.now(), submitted_by=submitted_by, dry_run=dry_run)
        r = report.result
        verb = "would store" if dry_run else "stored"
        if not r.changed:
            click.echo(f"{report.file}: {r.rows} rows, nothing new (all {r.unchanged} values already stored)")
            continue
        click.echo(f"{report.file}: {r.rows} rows; {verb} {r.new} new values and {r.revised} revisions; "
                   f"{r.unchanged} unchanged")


def _filters(ctx: Context, region: str | None) -> list[str] | None:
    from monitor import service

    return service.resolve_regions(service.open_database(ctx.settings), region)


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
_indicator = click.option("--indicator", help="Indicator id.")
_period = click.option("--period", help="Period label: 2023, 2023Q2 or 2023-06.")


@actuals.command("list")
@_region
@_indicator
@_period
@pass_context
def list_(ctx: Context, region: str | None, indicator: str | None, period: str | None) -> None:
    """List the values that count now (the newest revision of each).

    \b
    Example:
      monitor actuals list --region 城口县 --indicator rd_intensity
    """
    from monitor import service
    from monitor.storage import actual_store

    codes = _filters(ctx, region)
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

    codes = _filters(ctx, region)
    with service.open_database(ctx.settings).connect() as conn:
        frame = actual_store.value_history(conn, codes, indicator, period)
    frame = frame.assign(sha256=frame["sha256"].str[:12], is_current=frame["is_current"].map({True: "是",
                                                                                             False: ""}))
    _print(frame, {"region_code": "地区代码", "indicator_id": "指标", "period": "报告期", "revision": "版本",
                   "value": "数值", "unit": "单位", "original_value": "原始值", "is_current": "现行",
                   "submitted_by": "报送人", "imported_at": "导入时间", "file_name": "文件", "source_row": "行",
                   "sha256": "SHA-256"})
