"""Printing a report in the format a command was asked for: JSON and raw CSV for programs, a planner's CSV for
Excel, a table for people."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import click

from monitor.bulk import paused_gc

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console

CSV_FORMATS = ("csv", "csv-raw")  # csv: BOM, Chinese headers, for Excel; csv-raw: English headers, for scripts


def emit(fmt: str, frame: pd.DataFrame, heading: str, *,
         to_json: Callable[[pd.DataFrame], bytes | Iterable[bytes]],
         to_csv: Callable[[pd.DataFrame], str], to_table: Callable[[pd.DataFrame, Console], None],
         to_csv_raw: Callable[[pd.DataFrame], str] | None = None, width: int = 240) -> None:
    """Print ``frame`` as JSON, CSV or (with ``heading`` first) a table; wide (``width``, or ``COLUMNS`` when set)
    and plain when not on a terminal.

    The CSV goes out as UTF-8 bytes whatever the console's encoding, so the planner's CSV keeps its byte-order mark
    and Chinese text when redirected to a file on Windows."""
    if fmt == "json":
        with paused_gc():
            text = to_json(frame)
            if isinstance(text, bytes):
                click.echo(text)
            else:  # parts (monitor.report.check.json_parts): written as they are made
                for part in text:
                    click.echo(part, nl=False)
                click.echo(b"")
    elif fmt in CSV_FORMATS:
        writer = to_csv_raw if fmt == "csv-raw" else to_csv
        if writer is None:
            raise click.UsageError(f"--format {fmt} is not available for this command")
        click.echo(writer(frame).encode("utf-8"), nl=False)
    else:
        from rich.console import Console

        console = Console()  # on a terminal: its width (the table fits it, monitor.report.table.to_table)
        if not console.is_terminal:  # piped or redirected: wide, unless COLUMNS says how wide
            console = Console(width=None if os.environ.get("COLUMNS", "").isdigit() else width, color_system=None)
        console.print(heading)
        to_table(frame, console)
