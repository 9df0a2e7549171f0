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


class DataError(MonitorError):
    """A file was refused; `problems` lists every reason, each naming file, row and field."""

    def __init__(self, summary: str, problems: list[Problem]):
        self.summary = summary
        self.problems = list(problems)
        super().__init__(summary)

    def report(self) -> str:
        return "\n".join([self.summary, *(f"  - {p}" for p in self.problems)])
