"""Errors the monitor reports to people. Each carries enough context to act on without a traceback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


class MonitorError(Exception):
    """A problem with input, configuration or data; the CLI prints it as one line and exits 3."""


class ConfigError(MonitorError):
    """Settings or a configuration file are wrong."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one place in one file."""

    file: str
    row: int | None
    field: str | None
    message: str
    expected: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.field:
            where += f", {self.field}"
        text = f"{where}: {self.message}"
        if self.expected:
            text += f" (expected {self.expected})"
        return text

    def chinese(self, show: Callable[[object], str] = str, *, with_file: bool = True) -> str:
        """The problem as a county clerk reads it: 城口县.xlsx 第 5 行，「数值」列：…；应为：… (without the file:
        第 5 行，「数值」列：…, or 整个文件：… for a problem of no row). ``show`` makes each value from the file safe
        for where it goes (a robot's markdown escapes it)."""
        row = f"第 {self.row} 行" if self.row is not None else ("" if with_file else "整个文件")
        where = " ".join(part for part in (self.file if with_file else "", row) if part)
        if self.field:
            where += f"，「{show(self.field)}」列"
        text = f"{where}：{show(self.message)}"
        if self.expected:
            text += f"；应为：{show(self.expected)}"
        return text


class DataError(MonitorError):
    """A file was refused; `problems` lists every reason, each naming file, row and field.

    ``chinese``: the file is one county staff or planners wrote (a submission), so the report frames each problem
    in Chinese (:meth:`Problem.chinese`); configuration files keep the plain ``file, row N, field`` form."""

    def __init__(self, summary: str, problems: list[Problem], *, chinese: bool = False):
        self.summary = summary
        self.problems = list(problems)
        self.chinese = chinese
        super().__init__(summary)

    def report(self) -> str:
        return "\n".join([self.summary, *(f"  - {p.chinese() if self.chinese else p}" for p in self.problems)])
