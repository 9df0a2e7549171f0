"""Errors the monitor reports to people. Each carries enough context to act on without a traceback."""

from __future__ import annotations

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

    def chinese(self) -> str:
        """The problem as a county clerk reads it: 城口县.xlsx 第 5 行，「数值」列：…；应为：…"""
        where = f"{self.file} 第 {self.row} 行" if self.row is not None else self.file
        if self.field:
            where += f"，「{self.field}」列"
        text = f"{where}：{self.message}"
        if self.expected:
            text += f"；应为：{self.expected}"
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
