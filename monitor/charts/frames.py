"""Frames to the lookups :mod:`monitor.charts.series` reads, and scalar helpers. Pure."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from monitor.core import columns as c
from monitor.report.figures import optional_number as num

Reported = tuple[float, float, str, bool]  # x, value, frequency, officially restated


def by_key(frame: pd.DataFrame, keys: tuple[str, str]) -> dict[tuple[str, str], dict[int, float]]:
    out: dict[tuple[str, str], dict[int, float]] = {}
    for a, b, year, value in zip(frame[keys[0]].astype(str), frame[keys[1]].astype(str), frame[c.YEAR],
                                 frame[c.VALUE]):
        out.setdefault((a, b), {})[int(year)] = float(value)
    return out


def reported_values(frame: pd.DataFrame) -> dict[tuple[str, str], list[Reported]]:
    """(x, value, freq, restated) per region × indicator in time order; x = the period's end as a year − 1."""
    if frame.empty:
        return {}
    from monitor.core.periods import decimal_years

    x = np.round(decimal_years(frame[c.PERIOD_END]) - 1, 6)
    restated = frame[c.RESTATED].to_numpy(dtype=bool) if c.RESTATED in frame else np.zeros(len(frame), bool)
    freq = frame[c.FREQ].astype(str) if c.FREQ in frame else pd.Series(["Y"] * len(frame))
    out: dict[tuple[str, str], list[Reported]] = {}
    rows: Iterable = zip(frame[c.REGION_CODE].astype(str), frame[c.INDICATOR_ID].astype(str), x.tolist(),
                         frame[c.VALUE].astype(float).tolist(), freq.tolist(), restated.tolist())
    for region, indicator, xi, value, f, r in rows:
        if math.isfinite(value):
            out.setdefault((region, indicator), []).append((xi, value, f, bool(r)))
    for items in out.values():
        items.sort()
    return out


def finite(value: Any) -> bool:
    return num(value) is not None


def integer(value: Any) -> int | None:
    number = num(value)
    return None if number is None else int(number)
