"""An assessed row as the judgement sentences read it: typed fields, its verdict, numbers at its precision.

:class:`Row` wraps any mapping with the keys of :data:`monitor.core.columns.ASSESSMENT_COLUMNS` (missing keys, None
and NaN are "unknown"), so stored alerts from older versions word as well as fresh rows. The sentences that read it
are :mod:`monitor.report.wording` (which rows get one), :mod:`monitor.report.wording_bands` and
:mod:`monitor.report.wording_rates`; the numbers are :mod:`monitor.report.figures`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from monitor.core import columns as c
from monitor.core.status import ACHIEVED, final_label
from monitor.report.figures import EPS, amount, difference, number, optional_number, row_digits


def as_text(value: Any) -> str | None:
    """A field as text; None for None, NA, NaN and the empty string."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value) or None


def exceeded(row: Mapping[str, Any]) -> bool:
    """超额完成: the row's ``exceeded`` (beyond the target's tolerance); 完成率 above 100 % for rows from before the
    form columns."""
    value = row.get(c.EXCEEDED)
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        attainment = optional_number(row.get(c.ATTAINMENT))
        return attainment is not None and attainment > 1 + EPS
    return bool(value)


class Row:
    """Typed access to a row's fields: text or None, float or None."""

    def __init__(self, row: Mapping[str, Any], digits: int | None = None) -> None:
        self.row = row
        self.form = self.text(c.FORM) or "path"
        self.kind = self.text(c.KIND) or "level"
        self.unit = self.text(c.UNIT) or ""
        self.digits = row_digits(row) if digits is None else digits
        self.status = self.text(c.STATUS)
        self.final_status = self.text(c.FINAL_STATUS)
        self.target_text = self.text(c.TARGET_TEXT)
        self.strict_text = bool(self.target_text and self.target_text.startswith((">", "<")))
        self.is_final = bool(self.final_status and self.status == self.final_status
                             and self.text(c.PERIOD) == self.text(c.FINAL_PERIOD))

    def text(self, name: str) -> str | None:
        return as_text(self.row.get(name))

    def num(self, name: str) -> float | None:
        return optional_number(self.row.get(name))

    def count(self, name: str) -> int | None:
        value = self.num(name)
        return None if value is None else int(value)

    @property
    def verdict(self) -> str:
        """The final verdict as a review prints it: 已完成, 超额完成, 未完成."""
        return final_label(self.final_status, self.exceeded)

    @property
    def held(self) -> bool:
        """The target held: the final verdict's, else the latest value's."""
        return (self.final_status if self.is_final else self.status) == ACHIEVED

    @property
    def exceeded(self) -> bool:
        return exceeded(self.row)

    def amount(self, value: float | None) -> str:
        return amount(value, self.unit, self.digits)

    def difference(self, value: float | None) -> str:
        return difference(value, self.unit, self.digits)

    def zero(self, value: float) -> bool:
        """Too small to print: the numbers are equal as far as a plan can say."""
        return number(abs(value), self.digits) == "0"
