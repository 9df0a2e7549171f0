"""The fields of assessed rows as plain JSON-ready values, column by column: the values of the records of
``monitor check --format json`` (:func:`monitor.report.check.records`: NaN → None, floats rounded to
:data:`JSON_DECIMALS` decimals, blank text → None) and of the assessments alerts carry.

:func:`plain_columns` converts many columns: the floats through :func:`rounded`, which gives the doubles Python's
``round(value, 10)`` gives for a whole array at once (see there why they are the same; ``round`` itself takes
about half a microsecond a value, a fifth of a national evaluation), every other column through
:func:`plain_column`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

JSON_DECIMALS = 10  # the decimals of every float in a record

_SPLIT = 134217729.0  # 2**27 + 1: splits a double into two halves whose products are exact (Veltkamp)
_LIMIT = 2.0**50  # |value × 10**decimals| below this: the exact rounding below is decided in double precision


def plain_columns(frame: pd.DataFrame, names: Sequence[str]) -> dict[str, list[Any]]:
    """name → the column's values as :func:`monitor.report.check.records` has them, for each name."""
    return {name: _plain_floats(frame[name]) if pd.api.types.is_float_dtype(frame[name].dtype)
            else plain_column(frame[name]) for name in names}


def plain_column(column: pd.Series) -> list[Any]:
    """One column that is not of a float dtype as plain Python values (see :func:`monitor.report.check.records`);
    a float among other objects is rounded by ``round``."""
    if pd.api.types.is_bool_dtype(column.dtype) and not column.hasnans:
        return column.astype(bool).tolist()
    if pd.api.types.is_integer_dtype(column.dtype) and not column.hasnans:
        return column.astype("int64").tolist()
    values = column.to_numpy(dtype=object)
    if pd.api.types.is_string_dtype(column.dtype) or pd.api.types.infer_dtype(values, skipna=True) in ("string",
                                                                                                     "empty"):
        values = values.copy()
        blank = pd.isna(values)
        present = np.flatnonzero(~blank)
        blank[present] = values[present] == ""
        values[blank] = None
        return values.tolist()
    return [_plain(value) for value in values.tolist()]


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else round(value, JSON_DECIMALS)
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    if value == "":
        return None
    return value


def _plain_floats(column: pd.Series) -> list[Any]:
    values = column.to_numpy(dtype=float, na_value=np.nan)
    finite = np.isfinite(values)
    if finite.all():
        return rounded(values, JSON_DECIMALS).tolist()
    out = np.full(len(values), None, dtype=object)  # the columns of later phases are mostly empty
    at = np.flatnonzero(finite)
    if len(at):
        out[at] = rounded(values[at], JSON_DECIMALS).tolist()
    return out.tolist()


def rounded(values: np.ndarray, decimals: int) -> np.ndarray:
    """``round(value, decimals)`` for every (finite) value, as Python rounds: the double nearest to the exact
    value of the double rounded half-even to ``decimals`` places.

    The product P = value × 10**decimals is known exactly as p + err (p the rounded product, err its error,
    computed exactly by Dekker's product: 10**decimals is a double for decimals up to 22). Rounding P half-even
    gives the integer N: rint(p), moved by one when err carries the fraction over one half, to the even
    neighbour on an exact tie. Below 2**50 every step is exact, and N / 10**decimals, one correctly rounded
    division of two exact doubles, is the double nearest to N / 10**decimals. Larger products (and decimals
    past 22) go through ``round`` itself.
    """
    scale = 10.0**decimals
    if decimals < 0 or decimals > 22:
        return np.array([round(value, decimals) for value in values.tolist()], dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        p = values * scale
        big = values * _SPLIT
        high = big - (big - values)
        low = values - high
        scale_big = scale * _SPLIT
        scale_high = scale_big - (scale_big - scale)
        scale_low = scale - scale_high
        err = ((high * scale_high - p) + high * scale_low + low * scale_high) + low * scale_low
        whole = np.rint(p)
        fraction = p - whole  # exact: p and its nearest integer are close
        odd = np.floor(whole * 0.5) != whole * 0.5
        up = (err > 0.5 - fraction) | ((err == 0.5 - fraction) & odd)
        down = (err < -0.5 - fraction) | ((err == -0.5 - fraction) & odd)
        out = np.copysign((whole + up - down) / scale, values)  # -0.0 stays negative, as round() keeps it
    wide = np.flatnonzero(~(np.abs(p) < _LIMIT))
    if len(wide):
        out[wide] = [round(value, decimals) for value in values[wide].tolist()]
    return out
