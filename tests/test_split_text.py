"""Splitting message bodies into numbered parts that fit a byte budget."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.channels.split import json_string_bytes, numbered, split_bodies, split_text, utf8_bytes

ALERT_LINE = "- **城口县** 地区生产总值增速 落后序时进度 3.2 个百分点（实际 4.1%，应达 7.3%）\n"


def test_a_text_that_fits_is_one_unnumbered_part():
    assert split_text("城口县：一切正常\n", 4096) == ["城口县：一切正常\n"]


def test_an_empty_text_is_one_empty_part():
    assert split_text("", 100) == [""]


def test_a_text_of_exactly_the_budget_is_not_split():
    text = "一" * 10  # 30 bytes
    assert split_text(text, 30) == [text]
    assert len(split_text(text, 29)) > 1


def test_a_long_text_becomes_numbered_parts_that_each_fit():
    text = ALERT_LINE * 200
    parts = split_text(text, 4096)
    assert len(parts) > 1
    assert all(len(part.encode("utf-8")) <= 4096 for part in parts)
    assert [part.split("\n", 1)[0] for part in parts] == [f"（{i}/{len(parts)}）" for i in range(1, len(parts) + 1)]


def test_parts_break_at_line_ends_when_lines_fit():
    parts = split_bodies(ALERT_LINE * 200, 4096)
    assert all(body.endswith("\n") for body in parts)
    assert all(line + "\n" == ALERT_LINE for body in parts for line in body.splitlines())


def test_a_line_longer_than_a_part_is_cut_between_characters():
    text = "规划" * 3000  # 18,000 bytes, no line break
    bodies = split_bodies(text, 1000)
    assert "".join(bodies) == text
    for body in bodies:
        body.encode("utf-8").decode("utf-8")  # every body is whole characters
    assert all(len((numbered(1, len(bodies)) + body).encode()) <= 1000 for body in bodies)


def test_four_byte_characters_are_never_cut():
    text = "📈" * 500
    bodies = split_bodies(text, 50)
    assert all(set(body) == {"📈"} for body in bodies)
    assert "".join(bodies) == text


def test_the_reserve_is_left_free_in_every_part():
    parts = split_text(ALERT_LINE * 50, 1000, reserve=300)
    assert all(len(part.encode()) <= 700 for part in parts)


def test_numbering_widens_when_there_are_ten_parts_or_more():
    parts = split_text("一二三四五\n" * 400, 120)
    assert len(parts) >= 10
    assert parts[0].startswith(f"（1/{len(parts)}）\n")
    assert all(len(part.encode()) <= 120 for part in parts)


def test_a_custom_prefix_is_used_and_measured():
    parts = split_text("abc\n" * 100, 40, prefix=lambda i, n: f"[part {i} of {n}] ")
    assert parts[0].startswith("[part 1 of ")
    assert all(len(part) <= 40 for part in parts)


def test_json_measure_counts_escapes():
    assert json_string_bytes('a"b\n') == 6
    assert json_string_bytes("中") == 3
    bodies = split_bodies('"引号"\n' * 300, 200, measure=json_string_bytes)
    assert all(json_string_bytes(numbered(1, len(bodies)) + body) <= 200 for body in bodies)


def test_a_budget_that_leaves_no_room_for_text_is_refused():
    with pytest.raises(ValueError, match="no room"):
        split_text("一" * 100, 20, reserve=15)


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list("ab 城口县规划\n\r\"\\\t📈é")), max_size=600),
    max_bytes=st.integers(min_value=40, max_value=400),
    reserve=st.integers(min_value=0, max_value=10),
)
def test_every_part_fits_and_the_bodies_join_to_the_original(text, max_bytes, reserve):
    bodies = split_bodies(text, max_bytes, reserve=reserve)
    parts = split_text(text, max_bytes, reserve=reserve)
    assert "".join(bodies) == text
    assert len(parts) == len(bodies)
    assert all(utf8_bytes(part) + reserve <= max_bytes for part in parts)
    if len(parts) > 1:
        assert all(part == numbered(i, len(parts)) + body for i, (part, body) in enumerate(zip(parts, bodies), 1))
    else:
        assert parts == [text]


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list('x 城"\\\n\u0001📈')), max_size=500),
    max_bytes=st.integers(min_value=30, max_value=300),
)
def test_json_measured_parts_fit_once_encoded(text, max_bytes):
    parts = split_text(text, max_bytes, measure=json_string_bytes)
    assert all(len(json.dumps(part, ensure_ascii=False).encode()) - 2 <= max_bytes for part in parts)
    bodies = split_bodies(text, max_bytes, measure=json_string_bytes)
    assert "".join(bodies) == text
