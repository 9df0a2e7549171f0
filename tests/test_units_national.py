"""Units of national and provincial statistics: every conversion, and every refusal with its reason.

The units of one dimension convert exactly (in decimal); units of two dimensions never do. A percentage point
(个百分点) is a unit of its own: it is the difference of two percentages and never converts to or from %.
"""

from __future__ import annotations

import pytest

from monitor.actuals.normalise import convert, is_percent_unit

# value, from, to, expected: each unit of the table converts to the base of its dimension and back.
CONVERSIONS = [
    # money
    (1.2, "万亿元", "亿元", 12000.0),
    (134908, "亿元", "万亿元", 13.4908),
    # mass: 1 吨 = 2000 斤 (市斤 = 0.5 kg)
    (1, "吨", "斤", 2000.0),
    (3000, "斤", "吨", 1.5),
    (1, "公斤", "斤", 2.0),
    (1, "千克", "公斤", 1.0),
    (1, "万吨", "吨", 10000.0),
    (65000, "万吨", "亿吨", 6.5),
    (6.5, "亿吨", "万吨", 65000.0),
    (1.4, "万亿斤", "亿斤", 14000.0),
    (13000, "亿斤", "万亿斤", 1.3),
    (1.3, "万亿斤", "亿吨", 6.5),  # 粮食综合生产能力: 1.3万亿斤 is 6.5亿吨
    (6.5, "亿吨", "万亿斤", 1.3),
    (68285, "万吨", "亿斤", 13657.0),
    (2, "万斤", "吨", 10.0),
    # energy as standard coal
    (1, "万吨标准煤", "吨标准煤", 10000.0),
    (498000, "万吨标准煤", "亿吨标准煤", 49.8),
    (50, "亿吨标准煤", "万吨标准煤", 500000.0),
    (1, "万吨标煤", "万吨标准煤", 1.0),
    (2, "亿吨标煤", "吨标准煤", 200000000.0),
    # generating capacity
    (12, "亿千瓦", "万千瓦", 120000.0),
    (3500, "万千瓦", "亿千瓦", 0.35),
    (1, "万千瓦", "千瓦", 10000.0),
    (100, "兆瓦", "万千瓦", 10.0),
    (1, "吉瓦", "万千瓦", 100.0),
    # electricity
    (1, "亿千瓦时", "万千瓦时", 10000.0),
    (5, "万千瓦时", "千瓦时", 50000.0),
    # area: 1 公顷 = 15 亩
    (18, "亿亩", "万亩", 180000.0),
    (180000, "万亩", "亿亩", 18.0),
    (1, "千公顷", "亩", 15000.0),
    (1, "万公顷", "千公顷", 10.0),
    (12000, "万公顷", "亿亩", 18.0),
    (1, "平方公里", "公顷", 100.0),
    (1, "平方千米", "亩", 1500.0),
    # people
    (14.1, "亿人", "万人", 141000.0),
    (141175, "万人", "亿人", 14.1175),
    (1, "亿人", "人", 100000000.0),
    # percentage points: only to and from themselves
    (0.5, "个百分点", "百分点", 0.5),
    (0.5, "百分点", "个百分点", 0.5),
]


@pytest.mark.parametrize(("value", "source", "target", "expected"), CONVERSIONS,
                         ids=[f"{s}->{t}" for _, s, t, _ in CONVERSIONS])
def test_units_of_national_statistics_convert_exactly(value, source, target, expected):
    assert convert(value, source, target) == expected


@pytest.mark.parametrize(("source", "target"), [(s, t) for _, s, t, _ in CONVERSIONS])
def test_every_conversion_goes_back_to_where_it_started(source, target):
    assert convert(convert(7.0, source, target), target, source) == pytest.approx(7.0, rel=1e-12)


# from, to, words the reason must contain
REFUSALS = [
    ("万吨", "亿吨标准煤", "“万吨”是重量，“亿吨标准煤”是折合标准煤的能源量"),
    ("亿吨标准煤", "万吨", "是折合标准煤的能源量，“万吨”是重量"),
    ("吨标准煤", "吨", "是折合标准煤的能源量"),
    ("亿斤", "万吨标准煤", "是重量"),
    ("%", "个百分点", "“%”是百分比，“个百分点”是百分点（两个百分比之差）"),
    ("个百分点", "%", "“个百分点”是百分点（两个百分比之差），“%”是百分比"),
    ("百分点", "‰", "是百分点"),
    ("百分比", "个百分点", "是百分比"),
    ("万千瓦", "亿千瓦时", "“万千瓦”是装机容量，“亿千瓦时”是电量"),
    ("万亩", "万人", "是面积"),
    ("亿人", "亿元", "是人数"),
    ("千公顷", "万吨", "是面积"),
    ("万吨", "万桶", "“万桶”不是系统能换算的单位"),
    ("万桶", "立方米", "“万桶”、“立方米”不是系统能换算的单位"),
    ("家", "户", "两者计数的对象不同"),
]


@pytest.mark.parametrize(("source", "target", "reason"), REFUSALS, ids=[f"{s}->{t}" for s, t, _ in REFUSALS])
def test_units_of_different_quantities_are_refused_with_the_reason(source, target, reason):
    with pytest.raises(ValueError) as refused:
        convert(1.0, source, target)
    message = str(refused.value)
    assert f"单位“{source}”不能换算为“{target}”" in message
    assert reason in message


def test_a_percentage_point_is_not_a_percent_unit():
    assert not is_percent_unit("个百分点") and not is_percent_unit("百分点")
    assert is_percent_unit("%")


def test_units_are_matched_in_any_width_and_with_brackets():
    assert convert(65000, "（万吨）", "亿吨") == 6.5
    assert convert(1, " 亿吨标准煤 ", "(万吨标准煤)") == 10000.0
