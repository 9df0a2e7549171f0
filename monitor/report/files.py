"""Make a report (XLSX or HTML) from the database and write it to a file: what `monitor report` and
`monitor check --format xlsx` call."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.errors import MonitorError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from monitor.report.inputs import ReportInputs

FORMATS = ("xlsx", "html")


def render(inputs: ReportInputs, fmt: str) -> bytes:
    """The report of ``inputs`` in ``fmt`` (xlsx or html) as bytes."""
    from monitor.charts.series import build_charts

    charts = build_charts(inputs.assessment, inputs.series, inputs.milestones, inputs.observations, inputs.points)
    if fmt == "xlsx":
        from monitor.report.xlsx import workbook_bytes

        return workbook_bytes(inputs.assessment, charts, inputs.as_of)
    if fmt == "html":
        from monitor.report.html import render_html

        return render_html(inputs.assessment, charts, inputs.as_of).encode("utf-8")
    raise MonitorError(f"报告格式应为 xlsx 或 html，而不是 {fmt!r} (unknown report format)")


def make_report(engine: Engine, as_of: date, fmt: str, output: Path, *, plan_id: str | None = None,
                region: str | None = None, indicator_id: str | None = None) -> ReportInputs:
    """Assess, render and write the report to ``output``; the inputs, for the caller's exit code."""
    from monitor.report.inputs import read_inputs

    inputs = read_inputs(engine, as_of, plan_id=plan_id, region=region, indicator_id=indicator_id)
    write_file(output, render(inputs, fmt))
    return inputs


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (a temporary file in the same folder, then a rename)."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        if path.is_dir():
            raise IsADirectoryError(21, "是一个文件夹 (is a directory)")
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        try:
            # mkstemp makes the file private (0600); a report is shared like any file the user writes
            os.fchmod(handle, 0o666 & ~_umask())
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise MonitorError(f"无法写入报告文件 {path}：{reason} (cannot write the report file)") from None


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
