"""Text keys take the database's numbering (monitor/storage/frames.py texts_to_categorical)."""

from __future__ import annotations

import pandas as pd

from monitor.storage.frames import texts_to_categorical, to_categorical


def test_text_keys_become_the_same_categoricals_as_numbered_keys():
    categories = {"plan_id": ["p14", "p15"], "indicator_id": ["a", "b", "c"]}
    texts = pd.DataFrame({"plan_id": ["p15", "p14", "p15"], "indicator_id": ["c", "a", "b"], "value": [1.0, 2.0, 3.0]})
    numbers = pd.DataFrame({"plan_id": [1, 0, 1], "indicator_id": [2, 0, 1], "value": [1.0, 2.0, 3.0]})
    pd.testing.assert_frame_equal(texts_to_categorical(texts, categories), to_categorical(numbers, categories))


def test_a_key_the_numbering_does_not_know_drops_its_row_and_the_input_is_left_alone():
    texts = pd.DataFrame({"plan_id": ["p14", "gone", "p14"], "indicator_id": ["a", "a", "zz"], "value": [1, 2, 3]})
    out = texts_to_categorical(texts, {"plan_id": ["p14"], "indicator_id": ["a"]})
    assert out["value"].tolist() == [1] and list(out["plan_id"].cat.categories) == ["p14"]
    assert texts["plan_id"].tolist() == ["p14", "gone", "p14"]  # not changed in place
