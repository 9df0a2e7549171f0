"""The floats of JSON records and alerts are rounded column by column (monitor.alerts.plain.rounded): the same
doubles as Python's round(value, 10), value by value, which `monitor check --format json` printed before."""

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.alerts.plain import JSON_DECIMALS, plain_column, plain_columns, rounded


def same_doubles(got: list, expected: list) -> bool:
    return all((a is None and b is None) or (a == b and math.copysign(1, a) == math.copysign(1, b))
               for a, b in zip(got, expected, strict=True))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=50))
def test_rounded_gives_the_doubles_round_gives(values):
    assert same_doubles(rounded(np.array(values), JSON_DECIMALS).tolist(),
                        [round(v, JSON_DECIMALS) for v in values])


def test_ties_small_large_and_negative_zero_round_as_python_rounds():
    values = [0.5e-10, 1.5e-10, 2.5e-10, -2.5e-10, 0.123456789049999, 0.12345678905, 1e-13, -0.0, -1e-12,
              2.0**50 / 1e10, 2.0**51 / 1e10 + 0.5e-10, 1e300, -1e300, 5e-324, 0.30000000000000004, 1 / 3]
    values += [k / 2**34 for k in range(-2000, 2000, 7)]  # exact binary fractions near the 10th decimal
    assert same_doubles(rounded(np.array(values), JSON_DECIMALS).tolist(), [round(v, 10) for v in values])


def test_a_frame_s_columns_become_plain_values():
    frame = pd.DataFrame({"f": [0.1 + 0.2, np.nan, -0.0], "i": [1, 2, 3], "b": [True, False, True],
                          "s": pd.array(["a", "", None], dtype="str"), "o": [1.25, "x", None]})
    columns = plain_columns(frame, ["f", "i", "b", "s", "o"])
    assert same_doubles(columns["f"], [0.3, None, -0.0])
    assert columns["i"] == [1, 2, 3] and columns["b"] == [True, False, True]
    assert columns["s"] == ["a", None, None] and columns["o"] == [1.25, "x", None]
    assert plain_column(frame["o"]) == columns["o"]
