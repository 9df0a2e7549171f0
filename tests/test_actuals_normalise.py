"""Label folding, numbers as people write them, and unit conversion."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.actuals.normalise import (
    ParsedNumber,
    convert,
    fold,
    header_role,
    is_percent_unit,
    parse_number,
)

_FULL_WIDTH = str.maketrans("0123456789,.+-%", "０１２３４５６７８９，．＋－％")


# fold -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "全社会研究与试验发展(R&D)经费支出 ",
        "全社会研究与试验发展（R&D）经费支出",
        "全社会研究与试验发展（Ｒ＆Ｄ）经费支出",
        "全社会研究与试验发展 (r&d) 经费支出",
        "\u3000全社会研究与试验发展(R&D)\u00a0经费支出\t",
    ],
)
def test_labels_that_differ_in_brackets_width_spaces_and_case_fold_to_one_key(written):
    assert fold(written) == "全社会研究与试验发展(r&d)经费支出"


@pytest.mark.parametrize(
    "written", ["“专精特新”企业数", '"专精特新"企业数', "专精特新企业数", "「专精特新」企业数", "『专精特新』企业数",
                "‘专精特新’企业数", "＂专精特新＂企业数", "'专精特新'企业数"],
)
def test_every_quote_style_folds_away(written):
    assert fold(written) == "专精特新企业数"


def test_fold_keeps_characters_that_distinguish_labels():
    assert fold("国家高新技术企业数") != fold("高新技术企业数")
    assert fold("R&D") != fold("RD")


@given(st.text())
def test_fold_is_idempotent(text):
    assert fold(fold(text)) == fold(text)


@given(st.text())
def test_folded_keys_hold_no_whitespace_or_ascii_capitals(text):
    key = fold(text)
    assert not any(ch.isspace() for ch in key)
    assert not any("A" <= ch <= "Z" for ch in key)


# parse_number ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "value", "suffix"),
    [
        ("0.16", 0.16, None),
        ("100", 100.0, None),
        ("1,234.5", 1234.5, None),
        ("１，２３４", 1234.0, None),
        ("１２３４．５", 1234.5, None),
        ("  42 ", 42.0, None),
        ("+7", 7.0, None),
        ("-3.5", -3.5, None),
        ("−3.5", -3.5, None),
        ("－3.5", -3.5, None),
        ("12.5%", 12.5, "%"),
        ("12.5％", 12.5, "%"),
        ("2.4 %", 2.4, "%"),
        ("3‰", 3.0, "‰"),
        ("1,085,000", 1085000.0, None),
    ],
)
def test_numbers_as_people_write_them_parse(written, value, suffix):
    assert parse_number(written) == ParsedNumber(value, suffix)


def test_a_decimal_parses_to_exactly_the_float_of_its_digits():
    assert parse_number("0.16").value == float("0.16")
    assert parse_number("0.1085").value == float("0.1085")


@pytest.mark.parametrize("written", ["约100", "100左右", "N/A", "", "1.2.3", "1,23", "12,34.5", "1e5", "-", "%", "一百",
                                     "100元", "nan", "inf"])
def test_anything_else_is_refused_with_what_was_written(written):
    with pytest.raises(ValueError) as refused:
        parse_number(written)
    assert (f"“{written}”" if written else "数值为空") in str(refused.value)


_decimals = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=4, allow_nan=False,
                        allow_infinity=False)


@given(_decimals, st.booleans(), st.sampled_from(["", "%", "‰"]))
def test_formatted_numbers_parse_back_to_the_same_float(number, full_width, suffix):
    written = f"{number:,f}{suffix}"
    if full_width:
        written = written.translate(_FULL_WIDTH)
    parsed = parse_number(written)
    assert parsed.value == float(number)
    assert parsed.suffix == (suffix or None)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_float_written_in_full_round_trips(value):
    assert parse_number(f"{Decimal(repr(value)):,f}").value == value


# convert --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        (1085, "万元", "亿元", 0.1085),
        (0.1085, "亿元", "万元", 1085.0),
        (1085.0, "万元", "亿元", 0.1085),
        (2500, "千元", "万元", 250.0),
        (3, "百万元", "亿元", 0.03),
        (123456, "元", "万元", 12.3456),
        (2.5, "%", "‰", 25.0),
        (25, "‰", "%", 2.5),
        (2.5, "百分比", "%", 2.5),
        (1, "公顷", "亩", 15.0),
        (3, "万亩", "亩", 30000.0),
        (45, "亩", "公顷", 3.0),
        (1.2, "万吨", "吨", 12000.0),
        (3.4, "万人", "人", 34000.0),
        # float arithmetic gives 700.0000000000001, 5699.999999999999, 43499.99999999999 and 1.0000000000000002e-06
        (0.07, "亿元", "万元", 700.0),
        (0.57, "万吨", "吨", 5700.0),
        (4.35, "亿元", "万元", 43500.0),
        (0.01, "万元", "亿元", 0.000001),
    ],
)
def test_units_of_one_kind_convert_exactly(value, source, target, expected):
    assert convert(value, source, target) == expected


def test_same_unit_after_folding_returns_the_value_itself():
    value = 0.1 + 0.2
    assert convert(value, "亿元", " （亿元）") is value
    assert convert(value, "％", "%") is value
    assert convert(value, "家", "家") is value


@pytest.mark.parametrize(
    ("source", "target"),
    [("家", "个"), ("个", "户"), ("户", "家"), ("件", "项"), ("亿元", "家"), ("亿元", "%"), ("吨", "亩"), ("人", "家"),
     ("斤", "亩"), ("亿元", "美元")],
)
def test_units_that_do_not_convert_are_refused_naming_both(source, target):
    with pytest.raises(ValueError) as refused:
        convert(1.0, source, target)
    assert source in str(refused.value)
    assert target in str(refused.value)


def test_percent_units_are_recognised_in_any_width():
    assert all(is_percent_unit(u) for u in ("%", "％", "‰", "百分比"))
    assert not any(is_percent_unit(u) for u in ("亿元", "家", "百分点", "个百分点", ""))


# header_role ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "role"),
    [("地区", "region"), ("行政区划代码", "region"), ("Region_Code", "region"), ("指 标 名 称", "indicator"),
     ("indicator_id", "indicator"), ("报告期", "period"), ("年份", "period"), ("实际值", "value"), ("数　值", "value"),
     ("单位", "unit"), ("数据来源", "source"), ("备注", "note"), ("报送单位", "submitted_by"), ("序号", None)],
)
def test_headers_are_recognised_in_chinese_or_english(header, role):
    assert header_role(header) == role


@pytest.mark.parametrize("text", ["9" * 309, "1" * 400, "-" + "1" * 400, "1" * 400 + "%"])
def test_a_number_too_large_for_a_float_is_refused_not_made_infinite(text):
    with pytest.raises(ValueError, match="超出了能计算的范围"):
        parse_number(text)


@pytest.mark.parametrize("text", ["-0", "-0.0", "−0", "-0%"])
def test_minus_zero_is_zero(text):
    value = parse_number(text).value
    assert value == 0 and math.copysign(1.0, value) == 1.0
