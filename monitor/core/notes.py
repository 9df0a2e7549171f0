"""The note beside each assessed row, built column-wise: what a planner reads next to the status.

Every function takes the notes so far (an object array of text) and a mask, and computes words only for the
rows the mask selects, so a national run builds text only where there is something to say.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce

import numpy as np
import pandas as pd

BASELINE_FROM_FIRST = "基期值未知，以首个报送值为基期"

Words = str | Callable[[np.ndarray], np.ndarray]


def cat(*parts: object) -> np.ndarray:
    """Element-wise concatenation of text arrays and plain strings."""
    return reduce(np.char.add, [np.asarray(part, dtype=str) for part in parts])


def period_text(labels: np.ndarray) -> np.ndarray:
    """Period labels as a sentence names them: 2025年, 2025Q2, 2025-06."""
    labels = np.asarray(labels, dtype=object).astype(str)
    return np.where(np.char.str_len(labels) == 4, np.char.add(labels, "年"), labels)


def when(mask: np.ndarray, words: np.ndarray) -> np.ndarray:
    """``words`` where ``mask`` holds, empty text elsewhere."""
    return np.where(mask, words, "")


def _words(mask: np.ndarray, words: Words) -> np.ndarray:
    return np.asarray(words(mask) if callable(words) else np.full(int(mask.sum()), words), dtype=object)


def coded(mask: np.ndarray, keys: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    """The masked rows numbered by their combination of ``keys``, and the distinct combinations (one array per
    key) that the numbers point to."""
    if len(keys) == 1:
        codes, uniques = pd.factorize(np.asarray(keys[0])[mask])
        return codes, [np.asarray(uniques)]
    combined = np.zeros(int(mask.sum()), dtype=np.int64)
    numbered = []
    for key in keys:  # number each column, then the combinations
        codes, uniques = pd.factorize(np.asarray(key)[mask])
        combined = combined * (len(uniques) + 1) + codes
        numbered.append((codes, uniques))
    _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    return inverse.reshape(-1), [np.asarray(uniques)[codes[first]] for codes, uniques in numbered]


def per_key(mask: np.ndarray, keys: list[np.ndarray], make: Callable[..., np.ndarray]) -> np.ndarray:
    """``make(*key_columns)`` for the masked rows, computed once per distinct combination of ``keys``.

    A national run has a hundred thousand rows but only a handful of distinct due dates and periods, so the text
    is built for those and then spread over the rows.
    """
    if not mask.any():
        return np.array([], dtype=object)
    codes, distinct = coded(mask, keys)
    return np.asarray(make(*distinct), dtype=object)[codes]


def overwrite(note: np.ndarray, mask: np.ndarray, words: Words) -> np.ndarray:
    """The note replaced by ``words`` on the masked rows."""
    if not mask.any():
        return note
    note = note.copy()
    note[mask] = _words(mask, words)
    return note


def append(note: np.ndarray, mask: np.ndarray, words: Words) -> np.ndarray:
    """``words`` added to the masked rows' notes, after a 「；」 where a note is already there."""
    if not mask.any():
        return note
    note = note.copy()
    new = _words(mask, words)
    old = note[mask]
    busy = np.flatnonzero(old != "")
    if len(busy):
        new[busy] = old[busy] + "；" + new[busy]
    note[mask] = new
    return note


def baseline(note: np.ndarray, from_year: np.ndarray, from_first: np.ndarray, baseline_year: np.ndarray
             ) -> np.ndarray:
    """Say where a baseline the plan left open came from: the baseline year's value, or the first value after."""
    note = overwrite(note, from_year,
                     lambda m: cat("基期值未列明，采用", baseline_year[m].astype(np.int64), "年报送值"))
    return append(note, from_first & (note == ""), BASELINE_FROM_FIRST)
