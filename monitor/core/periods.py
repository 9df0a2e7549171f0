"""Reporting periods and their place in time.

A period is a year (``2023``), a quarter (``2023Q2``) or a month (``2023-06``). Its time position ``t`` is the
instant the period ends (exclusive end) as a decimal year: 2023 → 2024.0, 2023Q2 → 2023 + 181/365. Pure standard
library plus numpy/pandas; no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

ANNUAL, QUARTERLY, MONTHLY = "Y", "Q", "M"

_PATTERNS = (
    (re.compile(r"^(\d{4})$"), ANNUAL),
    (re.compile(r"^(\d{4})\s*[Qq]\s*([1-4])$"), QUARTERLY),
    (re.compile(r"^(\d{4})\s*年\s*第?\s*([1-4一二三四])\s*季度?$"), QUARTERLY),
    (re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})$"), MONTHLY),
    (re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月$"), MONTHLY),
)
_CN_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4"}


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period with a canonical label."""

    year: int
    freq: str  # "Y", "Q" or "M"
    number: int  # 0 for a year, 1-4 for a quarter, 1-12 for a month

    @property
    def label(self) -> str:
        if self.freq == ANNUAL:
            return f"{self.year}"
        if self.freq == QUARTERLY:
            return f"{self.year}Q{self.number}"
        return f"{self.year}-{self.number:02d}"

    @property
    def start(self) -> date:
        if self.freq == ANNUAL:
            return date(self.year, 1, 1)
        month = 3 * (self.number - 1) + 1 if self.freq == QUARTERLY else self.number
        return date(self.year, month, 1)

    @property
    def end(self) -> date:
        """Exclusive end: the first day after the period."""
        if self.freq == ANNUAL:
            return date(self.year + 1, 1, 1)
        last_month = 3 * self.number if self.freq == QUARTERLY else self.number
        if last_month == 12:
            return date(self.year + 1, 1, 1)
        return date(self.year, last_month + 1, 1)

    @property
    def t(self) -> float:
        return decimal_year(self.end)

    @property
    def year_end(self) -> bool:
        """True when the period ends with the calendar year (a year, Q4 or December)."""
        return self.end.month == 1 and self.end.day == 1

    def __str__(self) -> str:
        return self.label


def parse_period(text: object) -> Period:
    """Parse ``2023``, ``2023Q2``, ``2023-06`` (and the common Chinese spellings); raise ValueError otherwise."""
    if isinstance(text, (int, np.integer)):
        text = str(int(text))
    if isinstance(text, float) and text.is_integer():
        text = str(int(text))
    if not isinstance(text, str):
        raise ValueError(f"not a period: {text!r}")
    value = text.strip()
    for pattern, freq in _PATTERNS:
        match = pattern.match(value)
        if not match:
            continue
        year = int(match.group(1))
        if not 1900 <= year <= 2200:
            raise ValueError(f"year {year} is out of range")
        if freq == ANNUAL:
            return Period(year, ANNUAL, 0)
        raw = _CN_DIGITS.get(match.group(2), match.group(2))
        number = int(raw)
        if freq == MONTHLY and not 1 <= number <= 12:
            raise ValueError(f"month {number} is out of range")
        return Period(year, freq, number)
    raise ValueError(f"not a period: {text!r}")


def decimal_year(day: date) -> float:
    """A date as a decimal year: 2023-07-01 → 2023 + 181/365."""
    start = date(day.year, 1, 1)
    length = (date(day.year + 1, 1, 1) - start).days
    return day.year + (day - start).days / length


def decimal_years(days: pd.Series | np.ndarray) -> np.ndarray:
    """Vectorised :func:`decimal_year` for a datetime64 array or Series; NaT gives NaN."""
    values = pd.DatetimeIndex(pd.to_datetime(days))
    if values.tz is not None:
        values = values.tz_localize(None)  # the calendar date where the instant is, as ``.year`` reads it
    return decimal_years_of_days(values.to_numpy())


def decimal_years_of_days(days: np.ndarray) -> np.ndarray:
    """:func:`decimal_year` of each date in a datetime64 array of any unit (the time of day is ignored)."""
    day = np.asarray(days).astype("datetime64[D]")
    year_start = day.astype("datetime64[Y]")
    year = year_start.astype(np.int64) + 1970
    day_of_year = (day - year_start.astype("datetime64[D]")).astype(np.int64)  # 0 on 1 January
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    out = year + day_of_year / np.where(leap, 366, 365)
    out[np.isnat(day)] = np.nan
    return out
