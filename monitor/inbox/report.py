"""The words of the inbox: the report written beside a refused file, the note beside a duplicate, and the Chinese
message that tells the county a file was not imported.

Every value that came from the file (its name, cells quoted in problems) goes through
:func:`monitor.messages.filters.md_escape` before it enters a robot message, so it cannot mention people, add links
or change the formatting.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from monitor.actuals.catalogue import Catalogue, RegionRef
from monitor.actuals.layout import region_of_file
from monitor.actuals.normalise import header_role
from monitor.actuals.reader import RawTable
from monitor.channels.base import Message
from monitor.errors import DataError, Problem
from monitor.messages.filters import TITLE_FLAVOURS, md_escape, title_escape

MAX_LISTED = 20  # problems listed in a message; the .errors.txt lists them all
ROBOT_FLAVOURS = ("wecom", "dingtalk", "feishu")  # markdown escaping; the other channels get plain text
BOLD = ("wecom", "dingtalk")  # Feishu posts do not render markdown
TITLE = "【报送文件未导入】"
HOW_TO_FIX = ("一行有错，整个文件都不导入（之前已导入的数据不受影响）。请按所列各行改正原文件，"
              "然后把整个文件重新放入报送文件夹。")


def regions_named(table: RawTable | None, catalogue: Catalogue) -> list[RegionRef]:
    """The plan regions the region column(s) of ``table`` name, by code (unknown labels are skipped); for a file
    without a region column, the region its name names (城口县_2025.xlsx), as the importer reads it."""
    if table is None:
        return []
    headers = [h for h in table.header if header_role(h) == "region"]
    if not headers:
        return region_of_file(table.file, catalogue)
    labels = {row.cells.get(h, "") for row in table.rows for h in headers} - {""}
    found = {ref.code: ref for ref in (catalogue.region(label) for label in labels) if ref is not None}
    return [found[code] for code in sorted(found)]


def problem_line(problem: Problem, flavour: str = "text") -> str:
    """One problem: 第 5 行，「数值」列：…；应为：…"""
    return problem.chinese(lambda value: md_escape(value, flavour), with_file=False)


def refused_rows(error: DataError) -> int:
    return len({p.row for p in error.problems if p.row is not None})


def errors_text(error: DataError, *, file_name: str, original_name: str, sha256: str, when: datetime) -> str:
    """The ``<name>.errors.txt`` written beside a refused file: every problem, by row and column."""
    lines = [
        f"报送文件未导入：{original_name}",
        f"处理时间：{when:%Y-%m-%d %H:%M:%S}（UTC{when:%z}）",
        f"SHA-256：{sha256}",
        "",
        f"共 {len(error.problems)} 处问题" + (f"，涉及 {refused_rows(error)} 行。" if refused_rows(error) else "。"),
        HOW_TO_FIX,
        f"原文件已移到 rejected 文件夹（{file_name}），本清单与它放在一起。",
        "",
        *(f"{n}. {problem_line(p)}" for n, p in enumerate(error.problems, start=1)),
        "",
    ]
    return "\n".join(lines)


def duplicate_note(*, original_name: str, first_name: str, first_at: datetime, sha256: str) -> str:
    """The ``<name>.duplicate.txt`` written beside a file whose content was imported before."""
    return "\n".join([
        f"未再次导入：{original_name} 与 {first_name}（{first_at:%Y-%m-%d %H:%M}）内容完全相同，已导入过。",
        "如需重新导入，请用 `monitor actuals import` 命令。",
        f"SHA-256：{sha256}",
        "",
    ])


def rejection_message(error: DataError, *, channel_kind: str, receiver: str, file_name: str,
                      region: RegionRef | None, report_name: str, when: datetime,
                      labels: dict[str, str]) -> Message:
    """The message for one receiver: markdown-safe text for the robots, plain text for email and the log, an
    HTML body for email and a JSON body for webhooks."""
    flavour = channel_kind if channel_kind in ROBOT_FLAVOURS else "text"
    title_kind = channel_kind if channel_kind in TITLE_FLAVOURS else "log"
    title = TITLE + " ".join(title_escape(x, title_kind) for x in ((region.name if region else None), file_name) if x)
    lines = _lines(error, flavour, bold=channel_kind in BOLD, file_name=file_name, region=region,
                   report_name=report_name, when=when)
    text = "\n".join(lines)
    html = "".join(f"<p>{md_escape(line, 'html')}</p>" for line in _lines(
        error, "text", bold=False, file_name=file_name, region=region, report_name=report_name, when=when) if line)
    body = _body(error, receiver=receiver, title=title, text=text, file_name=file_name, labels=labels)
    return Message(title=title, text=text, html=html, body=body)


def _lines(error: DataError, flavour: str, *, bold: bool, file_name: str, region: RegionRef | None,
           report_name: str, when: datetime) -> list[str]:
    def inert(value: object) -> str:
        return md_escape(value, flavour)

    heading = TITLE.strip("【】")
    lines = [f"**{heading}**" if bold else heading, f"文件：{inert(file_name)}"]
    if region is not None:
        lines.append(f"地区：{inert(region.name)}（{region.code}）")
    rows = refused_rows(error)
    lines += [f"时间：{when:%Y-%m-%d %H:%M}",
              f"问题：共 {len(error.problems)} 处" + (f"，涉及 {rows} 行" if rows else ""), ""]
    listed = error.problems[:MAX_LISTED]
    lines += [f"{n}. {problem_line(p, flavour)}" for n, p in enumerate(listed, start=1)]
    more = len(error.problems) - len(listed)
    if more:
        lines.append(f"另有 {more} 处问题未列出，完整清单见 rejected 文件夹中的 {inert(report_name)}。")
    lines += ["", f"处理办法：{HOW_TO_FIX}原文件和错误清单 {inert(report_name)} 已移到 rejected 文件夹。"]
    return lines


def _body(error: DataError, *, receiver: str, title: str, text: str, file_name: str,
          labels: dict[str, str]) -> dict[str, Any]:
    """A webhook body in the Alertmanager shape the other messages use, with the problems as data."""
    return {
        "version": "4", "status": "firing", "receiver": receiver, "kind": "inbox", "title": title,
        "text": text, "groupLabels": {}, "commonLabels": dict(labels), "commonAnnotations": {"summary": title},
        "alerts": [], "file": file_name, "problems": [asdict(p) for p in error.problems[:200]],
    }
