"""Matching series, milestones and observations by their keys, and the text columns of a result.

Key columns (plan, region, indicator, frequency) arrive from the storage layer as categoricals numbered by the
database, or as text from tests and other callers. They are numbered here once, so the core compares numbers and
looks up only the few distinct values as text. Pure numpy/pandas.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat

import numpy as np
import pandas as pd

STR = pd.Series(["text"]).dtype  # the dtype pandas gives a column of text


def labels(names: Sequence[str], codes: np.ndarray) -> object:
    """A text column of ``names[code]``, made without checking every value again."""
    return pd.array(np.asarray(names, dtype=object), dtype=STR).take(codes.astype(np.int64))


def labels_or_na(names: Sequence[str], codes: np.ndarray) -> object:
    """Like :func:`labels`, with a missing value where the code is negative."""
    codes = np.asarray(codes, dtype=np.int64)
    return labels([*names, None], np.where(codes < 0, len(names), codes))


def few_texts(values: np.ndarray) -> object:
    """An object array of text and None with few distinct values as a text column, each value checked once."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    return labels_or_na(list(uniques), codes)


def text(column: pd.Series) -> object:
    """A text column as the result frame takes it: as it is when already text, else as an array to infer from."""
    if isinstance(column.dtype, pd.CategoricalDtype) and column.cat.categories.dtype == STR:
        return labels(column.cat.categories.array, column.cat.codes.to_numpy())  # what the codes stand for
    return column if column.dtype == STR else column.to_numpy()


def text_or_na(column: pd.Series) -> object:
    """A text column that may have missing values, as the result frame takes it (a categorical's codes reused)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return labels_or_na(column.cat.categories.tolist(), column.cat.codes.to_numpy())
    return few_texts(column.astype(object).to_numpy())


def sparse_texts(mask: np.ndarray, values: np.ndarray) -> object:
    """``values`` where ``mask`` holds, missing elsewhere, as a text column; cheap when nothing is masked."""
    if not mask.any():
        return labels_or_na([], np.full(len(mask), -1))
    return few_texts(np.where(mask, values, None))


def factorized(column: pd.Series) -> tuple[np.ndarray, object]:
    """Codes and the distinct values they number, missing values numbered too, as ``pd.factorize`` gives them.

    A categorical column's own codes serve when it has no missing values (categories nobody uses do no harm).
    """
    if isinstance(column.dtype, pd.CategoricalDtype) and not column.isna().any():
        return column.cat.codes.to_numpy().astype(np.int64), column.cat.categories
    return pd.factorize(column, use_na_sentinel=False)


def column_values(column: pd.Series, pick: slice | np.ndarray) -> np.ndarray | pd.Categorical:
    """The picked rows of a key column: its categorical values as they are, anything else as objects."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.array[pick]
    return column.to_numpy(dtype=object)[pick]


def lookup(values: np.ndarray | pd.Categorical | pd.Series, uniques: pd.Index | list[str]) -> np.ndarray:
    """Position of each value among ``uniques``, ``len(uniques)`` where absent; missing values match each other.

    The values are numbered first, so only the distinct ones are looked up. Categorical values come numbered
    (the storage layer hands over regions, indicators and frequencies so); anything else is numbered by pandas,
    which does this fast for an object array of text.
    """
    uniques = np.asarray(uniques, dtype=object)
    position = dict(zip(uniques.tolist(), range(len(uniques))))
    if isinstance(values.dtype, pd.CategoricalDtype):
        categorical = values.array if isinstance(values, pd.Series) else values
        codes, distinct = categorical.codes, categorical.categories
    else:
        # missing values get -1, and so the last entry of ``found``
        codes, distinct = pd.factorize(np.asarray(values, dtype=object))
    found = np.fromiter(map(position.get, distinct, repeat(len(uniques))), dtype=np.int64, count=len(distinct))
    na = np.flatnonzero(pd.isna(uniques))
    return np.append(found, na[0] if len(na) else len(uniques))[codes]


def join(series: list[tuple], other: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (row, series position) whose key columns are equal, by row and then position: an inner merge.

    ``series`` has the series' key columns as ``pd.factorize`` gives them, ``other`` the other frame's. Each column
    is numbered by the values the series have, plus one number for any other value, which no series key has.
    """
    series_key = np.zeros(len(series[0][0]), dtype=np.int64)
    other_key = np.zeros(len(other[0]), dtype=np.int64)
    size = 1
    for (codes, uniques), column in zip(series, other):
        series_key = series_key * (len(uniques) + 1) + codes
        other_key = other_key * (len(uniques) + 1) + lookup(column, uniques)
        size *= len(uniques) + 1
    if size > 4 * (len(series_key) + len(other_key)):  # sparse keys: number the ones the series have
        uniques, series_key = np.unique(series_key, return_inverse=True)
        at = np.clip(np.searchsorted(uniques, other_key), 0, len(uniques) - 1)
        other_key = np.where(uniques[at] == other_key, at, len(uniques))
        size = len(uniques) + 1
    count = np.bincount(series_key, minlength=size)
    if count.max(initial=0) <= 1:  # each key names one series at most
        sid_of = np.full(size, -1)
        sid_of[series_key] = np.arange(len(series_key))
        sid = sid_of[other_key]
        rows = np.flatnonzero(sid >= 0)
        return rows, sid if len(rows) == len(sid) else sid[rows]
    hits = count[other_key]
    rows = np.repeat(np.arange(len(other_key)), hits)  # a row once for each series with its key
    offset = np.arange(len(rows)) - np.repeat(np.cumsum(hits) - hits, hits)
    first = np.cumsum(count) - count
    return rows, np.argsort(series_key, kind="stable")[first[other_key[rows]] + offset]


def integers(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Whole numbers held as floats (NaN where missing) as a nullable integer column."""
    finite = np.isfinite(values)
    return pd.arrays.IntegerArray(np.where(finite, values, 0).astype(np.int64), ~finite)
