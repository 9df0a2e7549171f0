"""The terminal table of `monitor check`, and the fitting of any such table to the terminal's width.

:func:`to_table` prints one table per region and plan, worst first, with a summary line; its cells are
:mod:`monitor.report.cells` (the same figures as the planner's CSV of :mod:`monitor.report.check`).
:func:`fitted_table` builds a rich table that fits a width: a number never wraps, the text columns (indicator
name, status) wrap, and the columns that do not fit are left out and named. `monitor review` draws its table with
it too (:mod:`monitor.report.review`).

rich is imported by the functions that draw, so `monitor check --format json` and the CSVs do without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from monitor.core import columns as c
from monitor.core.status import STATUS_LABEL
from monitor.report.cells import COLUMNS, ordered, row_cells, said, status_text, worded_rows
from monitor.report.figures import MISSING

if TYPE_CHECKING:  # rich is imported by the table's functions: JSON and CSV do without it
    from rich.console import Console
    from rich.table import Table

_COLOURS = {"ok": "green", "warning": "yellow", "critical": "bold red"}
TEXT_COLUMNS = {"name": 10, "status": 14}  # wrap (at this many cells at least); every other column never wraps


def to_table(frame: pd.DataFrame, console: Console) -> None:
    """Print one table per region, worst first within each, with a summary line. The table fits the console's
    width: a number never wraps; when the columns do not fit, the least needed ones are left out (and named)."""
    if frame.empty:
        console.print("没有可评估的指标。")
        return
    rows = list(worded_rows(ordered(frame)))
    for (region_code, plan_id), part in _groups(rows):
        cells = []
        for r, sentence in part:
            row = row_cells(r)
            remark = said(r, sentence)
            row["status"] = status_text(r) + (f"（{remark}）" if remark else "")
            cells.append(row)
        region_name = part[0][0][c.REGION_NAME]
        table, left_out = fitted_table(f"{region_name}（{region_code}）  {plan_id}", cells, console.width,
                                       styles=[_COLOURS[r[c.SEVERITY]] for r, _ in part], style_key="status")
        console.print(table)
        counts = pd.Series([r[c.STATUS] for r, _ in part]).value_counts()
        summary = "，".join(f"{STATUS_LABEL[s]} {counts[s]} 项" for s in STATUS_LABEL if s in counts)
        console.print(f"共 {len(part)} 项：{summary}。带 * 的基期值取自报送数据。")
        if left_out:
            console.print(f"终端宽度不足，未显示：{'、'.join(left_out)}（加宽终端，或用 --format csv 查看全部列）。")
        console.print()


def _groups(rows: list[tuple[dict[str, Any], str]]):
    groups: dict[tuple[str, str], list[tuple[dict[str, Any], str]]] = {}
    for item in rows:
        groups.setdefault((item[0][c.REGION_CODE], item[0][c.PLAN_ID]), []).append(item)
    return groups.items()


def _widest(cells: list[dict[str, str]], key: str, header: str) -> int:
    from rich.cells import cell_len

    return max([cell_len(header), *(cell_len(row[key]) for row in cells)])


Columns = tuple[tuple[str, str, str, int], ...]


def fitted_table(title: str, cells: list[dict[str, str]], width: int, *, columns: Columns = COLUMNS,
                 text_columns: dict[str, int] = TEXT_COLUMNS, styles: list[str] | None = None,
                 style_key: str | None = None) -> tuple[Table, list[str]]:
    """A rich table of ``cells`` (one dict per row, keyed as ``columns``) that fits ``width``: numbers never wrap,
    the ``text_columns`` wrap, and columns that do not fit are left out (their headers are returned). ``styles``:
    one style per row for the cell of ``style_key``."""
    from rich.table import Table
    from rich.text import Text

    shown, left_out = fit_columns(cells, width, columns, text_columns)
    widths = text_widths(cells, shown, width, columns, text_columns)
    # cells and title as Text, not console markup: a printed name with brackets ("[bold]") is shown as printed
    table = Table(title=Text(title), title_justify="left", show_lines=False)
    keys = [key for key, *_ in columns if key in shown]
    for key, header, justify, _ in columns:
        if key in shown:
            wraps = key in text_columns
            table.add_column(header, justify=justify, no_wrap=not wraps, overflow="fold" if wraps else "ignore",
                             width=widths.get(key))
    for i, row in enumerate(cells):
        values: list[Any] = [Text(row[key]) for key in keys]
        if styles is not None and style_key in keys:
            at = keys.index(style_key)
            values[at] = Text(row[style_key], style=styles[i])
        table.add_row(*values)
    return table, left_out


def text_widths(cells: list[dict[str, str]], shown: set[str], width: int, columns: Columns = COLUMNS,
                text_columns: dict[str, int] = TEXT_COLUMNS) -> dict[str, int]:
    """The widths of the wrapping columns (name, status) when the table would be wider than ``width``: each gets
    its minimum, and what is left is shared in proportion to how much more each could use. Set here rather than
    left to rich, whose last resort narrows every column alike, numbers included. {} when everything fits."""
    headers = {key: header for key, header, *_ in columns}
    texts = [key for key in text_columns if key in shown]
    fixed = sum(_widest(cells, key, headers[key]) for key in shown if key not in text_columns)
    room = width - fixed - (3 * len(shown) + 1)
    widest = {key: _widest(cells, key, headers[key]) for key in texts}
    if sum(widest.values()) <= room:
        return {}
    least = {key: min(text_columns[key], widest[key]) for key in texts}
    extra = max(0, room - sum(least.values()))
    wants = {key: widest[key] - least[key] for key in texts}
    total = sum(wants.values()) or 1
    shares = {key: extra * wants[key] // total for key in texts}
    out = {key: least[key] + shares[key] for key in texts}
    if texts:  # what the rounding left goes to the last (the status)
        out[texts[-1]] += extra - sum(shares.values())
    return out


def fit_columns(cells: list[dict[str, str]], width: int, columns: Columns = COLUMNS,
                text_columns: dict[str, int] = TEXT_COLUMNS) -> tuple[set[str], list[str]]:
    """The columns to show in ``width`` cells, and the headers of those left out. Columns with nothing to show
    (all —) go first; then, while the numbers would have to wrap, the column of the highest priority number
    (the rightmost of equals). The text columns (indicator name, status) always stay; they wrap instead."""
    shown = [key for key, *_ in columns
             if key in text_columns or any(row[key] not in (MISSING, "") for row in cells)]
    headers = {key: header for key, header, *_ in columns}
    left_out = []

    def needed(keys: list[str]) -> int:
        widths = [min(text_columns[k], _widest(cells, k, headers[k])) if k in text_columns
                  else _widest(cells, k, headers[k]) for k in keys]
        return sum(widths) + 3 * len(keys) + 1  # a border and a space either side of every column

    priority = {key: (p, i) for i, (key, _, _, p) in enumerate(columns)}
    while needed(shown) > width:
        droppable = [k for k in shown if k not in text_columns]
        if not droppable:
            break
        worst = max(droppable, key=lambda k: priority[k])
        shown.remove(worst)
        left_out.append(headers[worst])
    return set(shown), left_out
