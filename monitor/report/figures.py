"""Numbers as a plan prints them: precision, 个百分点, 落后 / 领先, 每年还需 (shared by every table and message).

Numbers carry at most the precision the plan prints (:func:`digits_for`, :func:`row_digits`, :func:`frame_digits`:
the decimals of its baseline, target and printed target, at least two for percentages and money, one for counts,
none for ranks), trailing zeros dropped. A difference of a percentage indicator (unit ``%``) is in 个百分点, never %.
The sentences that use them are :mod:`monitor.report.wording`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from monitor.core import columns as c

MISSING = "—"
PERCENT = "%"
POINTS = "个百分点"
GROWTH = "年均增长"
EPS = 1e-9
MAX_DIGITS = 4
RANK_UNIT = "位"
_COUNT_UNITS = ("家", "件", "个", "人", "项", "所", "名", "座", "台", "户", "次", "篇", "人次", "家次", "张", "辆")
_DEFAULT_DIGITS = {RANK_UNIT: 0, **dict.fromkeys(_COUNT_UNITS, 1)}
_PRINTED = (c.BASELINE, c.TARGET, c.BAND_LOW, c.BAND_HIGH, c.TARGET_TEXT)
_SHORT_BELOW = 1e4  # _decimals tells the decimals of smaller numbers without rounding them
_SCALE = 10.0 ** MAX_DIGITS


# ---- numbers (shared with monitor.report.cells and the message filters) ----

def number(value: Any, digits: int = 4) -> str:
    """Up to ``digits`` decimals, trailing zeros dropped, thousands separated: 1346.52168 → ``1,346.5217``;
    unknown → ``—``. The number format of every table and message."""
    if value.__class__ is float and digits.__class__ is int:  # most figures: the quick way to the same text
        if value - value != 0.0:  # inf - inf and nan - nan are nan
            return MISSING
        # below 999 no rounding reaches a thousands separator, and %-formatting without one is quicker
        text = "%.*f" % (digits, value) if -999.0 < value < 999.0 else f"{value:,.{digits}f}"
    elif missing(value):
        return MISSING
    else:
        text = f"{value:,.{digits}f}"
    if "." in text:  # trailing zeros of the decimals only: 30 with no decimals stays 30
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def digits_for(unit: Any, *printed: Any) -> int:
    """The decimals a figure gets: as many as the plan prints in ``printed`` (its baseline, target, band ends or
    printed target text), at least the unit's default, at most four. Defaults: none for a rank (位), one for counts
    (家, 件, 个, 人 …: an expected 35.6家 stays 35.6), two otherwise (percentages, money: 1,346.52万元)."""
    shown = max((_decimals(value) for value in printed), default=0)
    return min(MAX_DIGITS, max(_DEFAULT_DIGITS.get(str(unit) if unit else "", 2), shown))


def row_digits(row: Mapping[str, Any]) -> int:
    """:func:`digits_for` of one assessed row: its unit, baseline (unless a reported value stands in for it),
    target, band ends and printed target."""
    estimated = row.get(c.BASELINE_ESTIMATED)
    skip = c.BASELINE if isinstance(estimated, (bool, np.bool_)) and estimated else None
    shown = 0  # digits_for's, without a call per figure: most are absent (None, no decimals)
    for name in _PRINTED:
        if name != skip:
            value = row.get(name)
            if value is not None:
                decimals = _decimals(value)
                if decimals > shown:
                    shown = decimals
    unit = row.get(c.UNIT)
    return min(MAX_DIGITS, max(_DEFAULT_DIGITS.get(str(unit) if unit else "", 2), shown))


def frame_digits(frame: pd.DataFrame) -> np.ndarray:
    """:func:`row_digits` of every row of an assessment frame (int array), column by column."""
    n = len(frame)
    units = frame[c.UNIT].astype(object).to_numpy() if c.UNIT in frame else np.full(n, None, dtype=object)
    out = np.array([_DEFAULT_DIGITS.get(str(u) if isinstance(u, str) else "", 2) for u in units], dtype=int)
    for name in _PRINTED:
        if name not in frame:
            continue
        if name == c.TARGET_TEXT:
            found = frame[name].astype(object).where(frame[name].notna(), "").astype(str).str.findall(r"\.(\d+)")
            shown = np.array([max(map(len, hits), default=0) for hits in found], dtype=int)
        else:
            values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            if name == c.BASELINE and c.BASELINE_ESTIMATED in frame:  # a reported value, not the plan's
                values = np.where(frame[c.BASELINE_ESTIMATED].fillna(False).to_numpy(dtype=bool), np.nan, values)
            shown = np.zeros(n, dtype=int)
            pending = np.isfinite(values)
            for k in range(MAX_DIGITS + 1):
                exact = pending & (np.abs(np.round(values, k) - values) <= 1e-9 * np.maximum(1.0, np.abs(values)))
                shown[exact] = k
                pending &= ~exact
            shown[pending] = MAX_DIGITS
        out = np.maximum(out, shown)
    return np.minimum(out, MAX_DIGITS)


def _decimals(value: Any) -> int:
    """Decimals ``value`` is printed with: 2.65 → 2, 3.0 → 0, ">22.5" → 1 (the longest in a text)."""
    if value.__class__ is float:
        x = value
    elif value is None or value is pd.NA:
        return 0
    elif isinstance(value, str):
        return max((len(found) for found in re.findall(r"\.(\d+)", value)), default=0)
    else:
        try:
            x = float(value)
        except (TypeError, ValueError):
            return 0
    if -_SHORT_BELOW < x < _SHORT_BELOW:  # finite too
        # The loop below without its costly decimal roundings, for a number that has at most MAX_DIGITS
        # decimals D (most printed figures): x·10^MAX_DIGITS is then within 1e-6 of the whole number n = D·10^4,
        # x within 1e-10 of D, so rounding x to D's decimals moves it by less than the tolerance, 1e-9·max(1, |x|),
        # and rounding it to fewer by at least 10^-MAX_DIGITS minus that, more than the tolerance of a number
        # this small (under 1e-5): the loop stops at D's decimals, which n's trailing zeros tell.
        scaled = x * _SCALE
        whole = round(scaled)
        if -1e-6 < scaled - whole < 1e-6:
            for k in range(MAX_DIGITS, 0, -1):
                if whole % 10:
                    return k
                whole //= 10
            return 0
    elif not math.isfinite(x):
        return 0
    for k in range(MAX_DIGITS + 1):
        if abs(round(x, k) - x) <= 1e-9 * max(1.0, abs(x)):
            return k
    return MAX_DIGITS


def behind_ahead(shortfall: Any, unit: Any, digits: int | None = None) -> str:
    """A shortfall (positive = behind, for every direction) said so its sign never misleads: ``落后0.38个百分点``,
    ``领先2家``, ``持平``; a rank's shortfall reads like every other row's. Unknown → ``—``."""
    if shortfall.__class__ is float:  # most figures: told known without the calls of missing() and float()
        if shortfall - shortfall != 0.0:  # inf - inf and nan - nan are nan
            return MISSING
        x = shortfall
    elif missing(shortfall):
        return MISSING
    else:
        x = float(shortfall)
    size = number(abs(x), digits_for(unit) if digits is None else digits)
    if size == "0":
        return "持平"
    return f"{'落后' if x > 0 else '领先'}{size}{difference_unit(unit)}"


def yearly_need(rate: Any, trajectory: Any, unit: Any, direction: Any = None, digits: int | None = None) -> str:
    """What each remaining year must still bring, worded so a growth rate never reads like a change of a
    percentage: ``年均增长17.1%`` on a compound path; ``每年提高0.5个百分点`` for a percentage indicator,
    ``每年增加4家``, ``每年前移2位`` (a rank) on a linear one; ``已达到目标`` when nothing more is needed (the
    rate points away from the indicator's direction). Unknown → ``—``."""
    if rate.__class__ is float:  # as in behind_ahead
        if rate - rate != 0.0:
            return MISSING
        x = rate
    elif missing(rate):
        return MISSING
    else:
        x = float(rate)
    lower = direction == "lower"
    if trajectory == "compound":
        size = f"{abs(x) * 100:.1f}%"
        if size == "0.0%" or (x < 0) != lower:
            return "已达到目标"
        return f"年均{'下降' if x < 0 else '增长'}{size}"
    size = number(abs(x), digits_for(unit) if digits is None else digits)
    if size == "0" or (x < 0) != lower:
        return "已达到目标"
    if unit == RANK_UNIT:
        return f"每年{'前移' if x < 0 else '后移'}{size}位"
    if unit == PERCENT:
        return f"每年{'降低' if x < 0 else '提高'}{size}{POINTS}"
    return f"每年{'减少' if x < 0 else '增加'}{size}{'' if unit is None else unit}"


def amount(value: Any, unit: Any, digits: int | None = None) -> str:
    """A value with its unit, as a plan prints it: ``5.6%``, ``1.43万亿斤``, ``7.25%``."""
    text = number(value, digits_for(unit) if digits is None else digits)
    return text if text == MISSING or not unit else text + str(unit)


def difference(value: Any, unit: Any, digits: int | None = None) -> str:
    """A difference (its size; the sentence says which way): ``0.1个百分点`` for a percentage, ``0.021万亿斤``."""
    if missing(value):
        return MISSING
    text = number(abs(float(value)), digits_for(unit) if digits is None else digits)
    if unit == PERCENT:
        return text + POINTS
    return text + (str(unit) if unit else "")


def difference_unit(unit: Any) -> str:
    """The unit of a difference: 个百分点 for a percentage indicator, else the indicator's unit."""
    return POINTS if unit == PERCENT else ("" if unit is None else str(unit))


def missing(value: Any) -> bool:
    """None, NA or a float that is not finite: shown as ``—``."""
    if value.__class__ is float:
        return value - value != 0.0  # inf - inf and nan - nan are nan
    if value is None or value is pd.NA:
        return True
    try:
        return isinstance(value, (float, np.floating)) and not math.isfinite(value)
    except TypeError:
        return False


def optional_text(value: Any) -> str | None:
    """A cell or field as text; None for None, NA, NaN and the empty string."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value) or None


def optional_number(value: Any) -> float | None:
    """A cell or field as a finite float; None for None, NA, booleans, text that is no number, NaN and ±inf."""
    if value is None or value is pd.NA or isinstance(value, (bool, np.bool_)):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None
