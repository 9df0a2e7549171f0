"""Printing a report in the format a command was asked for: JSON and CSV for programs, a table for people."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from monitor.bulk import paused_gc

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console


def emit(fmt: str, frame: pd.DataFrame, heading: str, *, to_json: Callable[[pd.DataFrame], bytes],
         to_csv: Callable[[pd.DataFrame], str], to_table: Callable[[pd.DataFrame, Console], None],
         width: int = 240) -> None:
    """Print ``frame`` as JSON, CSV or (with ``heading`` first) a table; wide and plain when not on a terminal."""
    if fmt == "json":
        with paused_gc():
            click.echo(to_json(frame))
    elif fmt == "csv":
        click.echo(to_csv(frame), nl=False)
    else:
        from rich.console import Console

        console = Console()
        if not console.is_terminal:
            console = Console(width=width, color_system=None)
        console.print(heading)
        to_table(frame, console)
