"""Where a plan stands on a date, and which figure is due (docs/method.md, "Phases of a plan", "Late figures").

All dates are day numbers (days since 1970-01-01) and due dates follow one convention throughout the project: a
figure of a period is on time through its last day plus ``due_days`` (2025 with 181 days: 2026-06-30) and late
from the next day, ``period end (exclusive) + due_days``. The end-year figure settles the plan's verdict, so the
phase is ``final`` from that same day. Pure numpy.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import numpy as np

from monitor.core import notes
from monitor.core import status as st
from monitor.core.keys import labels_or_na
from monitor.core.observations import EPS_T, decimal_years

ANNUAL, QUARTERLY, MONTHLY = 0, 1, 2  # frequency codes, in the order of FREQUENCIES
FREQUENCIES = ["annual", "quarterly", "monthly"]
PHASE_CODES = {name: code for code, name in enumerate(st.PHASES)}


class Phases(NamedTuple):
    code: np.ndarray  # position in status.PHASES
    settled: np.ndarray  # how many milestones have their figure due (a prefix of the sorted milestones)
    end_ms: np.ndarray  # index of the plan's last milestone at or before its end year, -1 when none
    final_due: np.ndarray  # day from which the end-year figure is late
    succeeded: np.ndarray  # a successor plan has begun and judges this indicator
    window_hi: np.ndarray  # the latest period end the row judges: the plan end, or the last milestone


def day_number(day: date) -> int:
    return int(np.datetime64(day, "D").astype(np.int64))


def year_start(year: np.ndarray) -> np.ndarray:
    """Day number of 1 January of each (integer-valued, finite) year, by arithmetic on the proleptic Gregorian
    calendar (a hundred thousand rows need no date objects)."""
    y = np.asarray(year, dtype=np.int64) - 1
    return 365 * (y - 1969) + (y // 4 - y // 100 + y // 400) - 477  # 477 leap days before 1970


def phases_of(start_year: np.ndarray, end_year: np.ndarray, frequency: np.ndarray, due_days: np.ndarray,
              mt: np.ndarray, successor_start: np.ndarray, as_of: date) -> Phases:
    """The phase of every series as of a date, with what it follows from.

    ``mt`` holds the milestone times (year + 1, sorted, inf-padded); ``successor_start`` the first year of the
    plan that takes the indicator over (NaN when none).
    """
    today = day_number(as_of)
    first_end = np.select(  # the end of the plan's first period
        [frequency == QUARTERLY, frequency == MONTHLY],
        [_month_start(start_year, 4), _month_start(start_year, 2)], default=year_start(start_year + 1))
    end_day = year_start(end_year + 1)
    final_due = end_day + due_days
    t_end = end_year + 1.0
    n = len(end_year)
    settled, in_plan, later = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
    last_t = np.full(n, -np.inf)
    for k in range(mt.shape[1]):  # a handful of milestone columns, each a whole-column operation
        at = mt[:, k]
        finite = np.isfinite(at)
        settled += finite & (year_start(np.where(finite, at, 1971.0)) + due_days <= today)
        inside = finite & (at <= t_end + EPS_T)
        in_plan += inside
        later |= finite & ~inside
        last_t = np.where(finite, np.maximum(last_t, at), last_t)
    end_ms = in_plan - 1  # -1 where no milestone lies inside the plan
    succeeded = np.isfinite(successor_start) & (
        year_start(np.where(np.isfinite(successor_start), successor_start, 1970)) <= today)
    code = np.select(
        [today < first_end, today < end_day, today < final_due, later & ~succeeded],
        [PHASE_CODES[st.NOT_STARTED], PHASE_CODES[st.IN_PROGRESS], PHASE_CODES[st.AWAITING_FINAL],
         PHASE_CODES[st.CONTINUING]],
        default=PHASE_CODES[st.FINAL],
    )
    window_hi = np.where(code == PHASE_CODES[st.CONTINUING], last_t, t_end)
    return Phases(code, settled, end_ms, final_due, succeeded, window_hi)


_MONTH_OFFSET = np.array([0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334])


def _month_start(year: np.ndarray, month: int) -> np.ndarray:
    """Day number of the first day of ``month`` (1-12) in each year."""
    year = np.asarray(year, dtype=np.int64)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    return year_start(year) + _MONTH_OFFSET[month - 1] + np.where(leap & (month > 2), 1, 0)


class Due(NamedTuple):
    end: np.ndarray  # day number of the due period's (exclusive) end
    t: np.ndarray  # the same as a decimal year; NaN where no period of the window is due
    due_date: np.ndarray  # day number of the last day the figure was on time


def latest_due(frequency: np.ndarray, due_days: np.ndarray, as_of: date, window_lo: np.ndarray,
               window_hi: np.ndarray) -> Due:
    """The latest period whose figure is due by ``as_of``, within each series' window (lo, hi] of period ends.

    A period later than the window stands for the window's last period (the plan's end year, or the last
    milestone year); none where even the first period of the window is not yet due.
    """
    # the as-of date is one day, so only the distinct (frequency, due days) pairs need calendar arithmetic
    pairs, inverse = np.unique(frequency * 4096 + due_days, return_inverse=True)
    latest = (day_number(as_of) - pairs % 4096).astype("datetime64[D]")
    month = latest.astype("datetime64[M]").astype(np.int64)
    pair_freq = pairs // 4096
    start = np.select(
        [pair_freq == ANNUAL, pair_freq == QUARTERLY],
        [latest.astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64),
         (month - month % 3).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)],
        default=month.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64),
    )[inverse.reshape(-1)]
    t = decimal_years(start)
    hi_day = year_start(np.where(np.isfinite(window_hi), window_hi, 1970))
    over = t > window_hi + EPS_T
    end = np.where(over, hi_day, start)
    t = np.where(over, window_hi, t)
    t = np.where(t > window_lo + EPS_T, t, np.nan)
    return Due(end, t, end + due_days - 1)


def period_labels(end: np.ndarray, frequency: np.ndarray) -> np.ndarray:
    """Labels of the periods ending (exclusive) on the day numbers ``end``: 2025, 2025Q2, 2025-06."""
    if len(end) == 0:
        return np.array([], dtype=object)
    last = (end - 1).astype("datetime64[D]")
    month = last.astype("datetime64[M]").astype(np.int64)
    year = (month // 12 + 1970).astype(str).astype(object)
    number = month % 12 + 1
    quarter = np.char.add("Q", ((number + 2) // 3).astype(str)).astype(object)
    monthly = np.char.add("-", np.char.zfill(number.astype(str), 2)).astype(object)
    suffix = np.select([frequency == QUARTERLY, frequency == MONTHLY], [quarter, monthly], default="")
    return year + suffix


def iso_dates(days: np.ndarray) -> np.ndarray:
    """Day numbers as ISO date text."""
    if len(days) == 0:
        return np.array([], dtype=object)
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype(str).astype(object)


def say(note: np.ndarray, awaiting: np.ndarray, ph: Phases, late: np.ndarray, due: Due, frequency: np.ndarray,
        last: np.ndarray, last_period: np.ndarray, last_status: np.ndarray) -> np.ndarray:
    """The notes of a plan's life: 终期数据尚未到报送期限（应于 … 前报送）, and for a late figure
    2025年数据逾期未报（应于 2026-06-30 前报送）；最近一次（2024年）基本达到，需加快."""
    note = notes.append(note, awaiting, lambda m: notes.per_key(m, [ph.final_due], lambda day: notes.cat(
        "终期数据尚未到报送期限（应于", iso_dates(day - 1), "前报送）")))
    return notes.overwrite(note, late, lambda m: notes.per_key(
        m, [due.end, frequency, due.due_date, last, np.where(last, last_period, ""), np.where(last, last_status, -1)],
        lambda end, freq, due_date, has_last, last_at, last_code: notes.cat(
            notes.period_text(period_labels(end, freq)), "数据逾期未报（应于", iso_dates(due_date), "前报送）",
            notes.when(has_last, notes.cat("；最近一次（", notes.period_text(last_at), "）",
                                           _status_labels(last_code))))))


def due_labels(named: np.ndarray, due: Due, frequency: np.ndarray) -> tuple[object, object]:
    """The due period and due date of the rows in ``named`` as text columns (missing elsewhere)."""
    code = np.full(len(named), -1, dtype=np.int64)
    code[named], (end, freq, day) = notes.coded(named, [due.end, frequency, due.due_date])
    return labels_or_na(list(period_labels(end, freq)), code), labels_or_na(list(iso_dates(day)), code)


def _status_labels(codes: np.ndarray) -> np.ndarray:
    return np.asarray([st.STATUS_LABEL[name] for name in st.STATUSES])[np.clip(codes, 0, None)]
