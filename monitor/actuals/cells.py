"""A submitted row's cells by role, and the problems found in it, for the checks of monitor.actuals.validate."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.actuals.catalogue import IndicatorRef
from monitor.actuals.reader import RawRow
from monitor.core.periods import Period
from monitor.errors import Problem


@dataclass(frozen=True)
class Cells:
    """A row's cells by role, with the headers they came from, for messages."""

    raw: RawRow
    headers: dict[str, list[str]]
    file: str

    def header(self, role: str) -> str | None:
        return self.headers[role][0] if role in self.headers else None

    def shown(self, header: str) -> str:
        """The column as the file names it (the year column of a wide row)."""
        return self.raw.shown.get(header, header)

    def get(self, role: str) -> str:
        header = self.header(role)
        return self.raw.cells.get(header, "") if header else ""

    def given(self, role: str) -> list[tuple[str, str]]:
        """(header, text) of every non-empty cell of a role that may have several columns."""
        return [(h, self.raw.cells[h]) for h in self.headers.get(role, []) if self.raw.cells.get(h)]

    def problem(self, header: str | None, message: str, expected: str | None = None) -> Problem:
        return Problem(self.file, self.raw.number, self.shown(header) if header else None, message, expected)

    def problem_in(self, role: str, message: str, expected: str | None = None) -> Problem:
        return self.problem(self.header(role), message, expected)


def printed_name(indicator: IndicatorRef, period: Period | None) -> str:
    """The indicator's name as printed by the plan in force for the period."""
    return indicator.name_in(period.year if period else None)
