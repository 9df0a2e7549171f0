"""The values the assessment reads come out the same whichever way the database returns them: numbered by the
database (PostgreSQL) or as texts numbered as they arrive (SQLite); monitor.storage.assessment_reads._frame_of."""

from datetime import date

import numpy as np
import pandas as pd
import pandas.testing as pdt

from monitor.core import columns as c
from monitor.storage import assessment_reads

REGIONS = ["500229", "500241", "500242"]
INDICATORS = ["ent", "rd"]
NAMES = {c.REGION_CODE: REGIONS, c.INDICATOR_ID: INDICATORS, c.FREQ: ["M", "Q", "Y"]}
EPOCH = date(1970, 1, 1)


def as_read_by_numbers(values):
    """The frame of the numbered read (PostgreSQL): numbers for keys and frequencies, None where no plan names the
    key (the outer join found no number)."""
    rows = [(REGIONS.index(r) if r in REGIONS else None, INDICATORS.index(i) if i in INDICATORS else None, p,
             NAMES[c.FREQ].index(f), (end - EPOCH).days, v) for r, i, p, f, end, v in values]
    return assessment_reads._frame_of(rows, NAMES, as_texts=False)


def as_read_by_texts(values):
    """The frame of the text read (SQLite): texts for keys and frequencies."""
    return assessment_reads._frame_of([(r, i, p, f, (end - EPOCH).days, v) for r, i, p, f, end, v in values],
                                      NAMES, as_texts=True)


def as_pandas_reads(values):
    """What pandas makes of the same values, the plain way: the frame both reads must equal."""
    frame = pd.DataFrame(
        [(r, i, p, f, pd.Timestamp(end), float(v)) for r, i, p, f, end, v in values
         if r in REGIONS and i in INDICATORS], columns=c.OBSERVATION_COLUMNS)
    for name, categories in NAMES.items():
        frame[name] = pd.Categorical(frame[name], categories=categories)
    frame[c.PERIOD] = frame[c.PERIOD].astype("str")
    frame[c.PERIOD_END] = frame[c.PERIOD_END].astype("datetime64[us]")
    return frame


VALUES = [
    ("500241", "rd", "2024", "Y", date(2025, 1, 1), 0.25),
    ("500229", "ent", "2025-06", "M", date(2025, 7, 1), 80.0),
    ("500242", "rd", "2025Q2", "Q", date(2025, 7, 1), 1e-13),
    ("500229", "rd", "2021", "Y", date(2022, 1, 1), -3.5),
]


def test_both_reads_give_the_same_frame_with_the_same_types():
    by_texts, by_numbers = as_read_by_texts(VALUES), as_read_by_numbers(VALUES)
    pdt.assert_frame_equal(by_texts, by_numbers)
    pdt.assert_frame_equal(by_texts, as_pandas_reads(VALUES))
    assert list(by_texts[c.PERIOD_END]) == [pd.Timestamp(v[4]) for v in VALUES]
    assert list(by_texts[c.REGION_CODE].cat.categories) == REGIONS


def test_values_of_a_region_or_indicator_no_plan_names_are_dropped_by_both():
    values = [*VALUES[:2], ("110101", "rd", "2024", "Y", date(2025, 1, 1), 9.0),
              ("500229", "gone", "2024", "Y", date(2025, 1, 1), 7.0), *VALUES[2:]]
    by_texts = as_read_by_texts(values)
    pdt.assert_frame_equal(by_texts, as_read_by_numbers(values))
    pdt.assert_frame_equal(by_texts, as_pandas_reads(values))
    assert list(by_texts[c.VALUE]) == [v[5] for v in VALUES]
    assert not np.isin([9.0, 7.0], by_texts[c.VALUE]).any()


def test_nothing_read_is_an_empty_frame_of_the_same_columns():
    empty = as_read_by_texts([])
    pdt.assert_frame_equal(empty, as_read_by_numbers([]))
    assert list(empty.columns) == c.OBSERVATION_COLUMNS and empty.empty
    assert isinstance(empty[c.REGION_CODE].dtype, pd.CategoricalDtype)
    assert list(as_read_by_texts([("110101", "rd", "2024", "Y", date(2025, 1, 1), 9.0)]).columns) == \
        c.OBSERVATION_COLUMNS


def test_a_number_beyond_the_categories_is_dropped_for_the_snapshot_check_to_refuse():
    """Outside a snapshot the plans may change between reading the categories and the values: a region numbered
    after them is dropped here, and monitor.storage.frames.check_unchanged refuses the read (test_read_snapshot)."""
    rows = [(0, 1, "2024", 2, 20089, 1.5), (len(REGIONS), 1, "2024", 2, 20089, 2.5)]
    frame = assessment_reads._frame_of(rows, NAMES, as_texts=False)
    assert list(frame[c.VALUE]) == [1.5] and list(frame[c.REGION_CODE].astype(str)) == [REGIONS[0]]
