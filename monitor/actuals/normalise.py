"""Pure helpers for submitted text: label keys, numbers as people write them, units, and header meanings."""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

# Quote marks that fold() drops; NFKC has already turned ＂ and ＇ into " and '.
_QUOTES = "\"'“”‘’「」『』〝〞„‟‚‛"
# Whitespace plus the invisible characters that copy-paste leaves behind.
_DROP = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff" + re.escape(_QUOTES) + "]+")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@functools.lru_cache(maxsize=4096)  # a file repeats its few labels on every row
def fold(text: str) -> str:
    """The key labels are matched by: NFKC, no whitespace or quote marks, （）→(), ASCII lower case."""
    key = _fold_once(text)
    while (again := _fold_once(key)) != key:  # dropping a character can let NFKC compose its neighbours
        key = again
    return key


def _fold_once(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)  # full-width → half-width, （）→ (), U+3000 → space
    return _DROP.sub("", text).translate(_ASCII_LOWER)


@dataclass(frozen=True)
class ParsedNumber:
    """A number as written: its value and the '%' or '‰' written after it, if any."""

    value: float
    suffix: str | None = None


_MINUS = str.maketrans({"\u2212": "-"})  # − (NFKC already turns － and ﹣ into -)
_NUMBER = re.compile(
    r"(?P<sign>[+-])?\s*"
    r"(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)?"
    r"(?:\.(?P<frac>[0-9]*))?"
    r"\s*(?P<suffix>[%‰])?"
)


def parse_number(text: str) -> ParsedNumber:
    """Parse '1,234.5', '１，２３４', '−3', '12.5%' or '3‰'; raise ValueError for anything else."""
    if not isinstance(text, str):
        raise ValueError(f"{text!r} 不是数值")
    clean = unicodedata.normalize("NFKC", text).translate(_MINUS).strip()
    if not clean:
        raise ValueError("数值为空")
    match = _NUMBER.fullmatch(clean)
    if match is None or not (match["int"] or match["frac"]):
        raise ValueError(f"{_shown(text)}不是数值")
    digits = (match["int"] or "0").replace(",", "")
    value = float(f"{match['sign'] or ''}{digits}.{match['frac'] or '0'}")
    if not math.isfinite(value):  # from about 1.8e308 (309 digits) float() gives infinity, never to be stored
        raise ValueError(f"{_shown(text)} 有 {len(digits.lstrip('0'))} 位整数，超出了能计算的范围（约 1.8×10³⁰⁸），"
                         "不像是统计数值")
    return ParsedNumber(value if value != 0 else 0.0, match["suffix"])  # -0 is 0


def _shown(text: str, width: int = 24) -> str:
    """A cell quoted for a message, cut short: a 400-digit number is not repeated whole."""
    return f"“{text if len(text) <= width else text[:width] + '…'}”"


# Units that convert, each as its factor to the base unit of its dimension. Units of different dimensions never
# convert: 万吨 (mass) is not 万吨标准煤 (energy as standard coal), 千瓦 (capacity) is not 千瓦时 (electricity), and
# 个百分点 (the difference of two percentages) is not % (a percentage).
_UNITS: dict[str, tuple[str, Decimal]] = {
    "元": ("money", Decimal(1)),
    "千元": ("money", Decimal(10) ** 3),
    "万元": ("money", Decimal(10) ** 4),
    "百万元": ("money", Decimal(10) ** 6),
    "亿元": ("money", Decimal(10) ** 8),
    "万亿元": ("money", Decimal(10) ** 12),
    "%": ("percent", Decimal(10)),
    "百分比": ("percent", Decimal(10)),
    "‰": ("percent", Decimal(1)),
    "个百分点": ("points", Decimal(1)),
    "百分点": ("points", Decimal(1)),
    "亩": ("area", Decimal(1)),
    "万亩": ("area", Decimal(10) ** 4),
    "亿亩": ("area", Decimal(10) ** 8),
    "公顷": ("area", Decimal(15)),  # 1 公顷 = 15 亩 (市制)
    "千公顷": ("area", Decimal(15) * 10**3),
    "万公顷": ("area", Decimal(15) * 10**4),
    "平方公里": ("area", Decimal(1500)),  # 100 公顷
    "平方千米": ("area", Decimal(1500)),
    "斤": ("mass", Decimal(1)),  # 市斤: 0.5 kg, so 1 吨 = 2000 斤
    "万斤": ("mass", Decimal(10) ** 4),
    "亿斤": ("mass", Decimal(10) ** 8),
    "万亿斤": ("mass", Decimal(10) ** 12),
    "公斤": ("mass", Decimal(2)),
    "千克": ("mass", Decimal(2)),
    "吨": ("mass", Decimal(2000)),
    "万吨": ("mass", Decimal(2000) * 10**4),
    "亿吨": ("mass", Decimal(2000) * 10**8),
    "吨标准煤": ("coal", Decimal(1)),
    "万吨标准煤": ("coal", Decimal(10) ** 4),
    "亿吨标准煤": ("coal", Decimal(10) ** 8),
    "吨标煤": ("coal", Decimal(1)),
    "万吨标煤": ("coal", Decimal(10) ** 4),
    "亿吨标煤": ("coal", Decimal(10) ** 8),
    "千瓦": ("power", Decimal(1)),
    "万千瓦": ("power", Decimal(10) ** 4),
    "亿千瓦": ("power", Decimal(10) ** 8),
    "兆瓦": ("power", Decimal(10) ** 3),
    "吉瓦": ("power", Decimal(10) ** 6),
    "千瓦时": ("electricity", Decimal(1)),
    "万千瓦时": ("electricity", Decimal(10) ** 4),
    "亿千瓦时": ("electricity", Decimal(10) ** 8),
    "人": ("people", Decimal(1)),
    "万人": ("people", Decimal(10) ** 4),
    "亿人": ("people", Decimal(10) ** 8),
}
# What each dimension measures, for the reason a conversion is refused.
_DIMENSIONS = {
    "money": "金额",
    "percent": "百分比",
    "points": "百分点（两个百分比之差）",
    "area": "面积",
    "mass": "重量",
    "coal": "折合标准煤的能源量",
    "power": "装机容量",
    "electricity": "电量",
    "people": "人数",
}
# Count units that only ever equal themselves: a 家 (enterprise) is not a 个 or a 户 (household).
_COUNTS = frozenset({"家", "个", "户", "件", "项"})


# What a 口径 cell may say, folded: the period's own figure (empty, 当年, 本年) or an officially restated cumulative
# figure since the plan start (累计: "2021–2023 累计下降6.2%" is period 2023, value 6.2, 口径 累计).
BASIS_OWN = ("", "当年", "本年")
BASIS_CUMULATIVE = ("累计",)


def basis_is_cumulative(text: str) -> bool | None:
    """True for 累计, False for an empty cell, 当年 or 本年, None for anything else."""
    key = fold(text)
    if key in BASIS_CUMULATIVE:
        return True
    if key in BASIS_OWN:
        return False
    return None


def is_percent_sign(unit: str) -> bool:
    """True for % itself (also written ％ or 百分比): the unit of a growth or decline rate; not ‰, not 个百分点."""
    return unit_key(unit) in ("%", "百分比")


def unit_key(unit: str) -> str:
    """The folded unit, without brackets around it: '（亿元）' → '亿元'."""
    key = fold(unit)
    if key.startswith("(") and key.endswith(")"):
        key = key[1:-1]
    return key


def same_unit(a: str, b: str) -> bool:
    return unit_key(a) == unit_key(b)


def is_percent_unit(unit: str) -> bool:
    """True for %, ‰ and 百分比."""
    entry = _UNITS.get(unit_key(unit))
    return entry is not None and entry[0] == "percent"


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """``value`` in ``from_unit`` expressed in ``to_unit``, computed in decimal so 1085 万元 → 0.1085 亿元 exactly."""
    if same_unit(from_unit, to_unit):
        return value
    source, target = _UNITS.get(unit_key(from_unit)), _UNITS.get(unit_key(to_unit))
    if source is None or target is None or source[0] != target[0]:
        raise ValueError(f"单位“{from_unit}”不能换算为“{to_unit}”：{_refusal(from_unit, to_unit)}")
    if not math.isfinite(value):
        raise ValueError(f"{value!r} 无法换算")
    return float(Decimal(repr(float(value))) * source[1] / target[1])


def _refusal(from_unit: str, to_unit: str) -> str:
    """Why two units do not convert, in words."""
    keys = unit_key(from_unit), unit_key(to_unit)
    if set(keys) <= _COUNTS:
        return "两者计数的对象不同（家、个、户、件、项互不换算）"
    unknown = [unit for unit, key in zip((from_unit, to_unit), keys, strict=True) if key not in _UNITS]
    if unknown:
        named = "、".join(f"“{u}”" for u in unknown)
        return f"{named}不是系统能换算的单位"
    (dim_a, _), (dim_b, _) = _UNITS[keys[0]], _UNITS[keys[1]]
    return f"“{from_unit}”是{_DIMENSIONS[dim_a]}，“{to_unit}”是{_DIMENSIONS[dim_b]}"


# What each header of a submitted file may be called, before folding.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "region": ("地区", "地区名称", "区县", "区县名称", "行政区划代码", "区域", "region", "region_code"),
    "indicator": ("指标", "指标名称", "统计指标", "指标代码", "indicator", "indicator_id"),
    "period": ("期间", "时期", "报告期", "年份", "年度", "统计期", "period", "year"),
    "value": ("数值", "实际值", "完成值", "实际完成值", "值", "value"),
    "unit": ("单位", "unit"),
    "source": ("来源", "数据来源", "source"),
    "note": ("备注", "说明", "note"),
    "submitted_by": ("报送人", "填报人", "报送单位", "submitted_by"),
    "basis": ("口径", "数据口径", "basis"),  # 当年/本年 (the period's own figure) or 累计 (restated since plan start)
}
REQUIRED_ROLES = ("region", "indicator", "period", "value")


def header_role(header: str) -> str | None:
    """Which column a header names ('region', 'value', …), or None for a column the importer ignores."""
    return _roles_by_key().get(fold(header))


@functools.cache
def _roles_by_key() -> dict[str, str]:
    return {fold(name): role for role, names in HEADER_ALIASES.items() for name in names}


# A header row is found among the first rows of a file (title rows may stand above it): the first row with at least
# two cells that name known columns (a year column such as 2023年 of the wide layout counts once).
HEADER_SEARCH_ROWS = 10
_YEAR_HEADER = re.compile(r"(\d{4})年?度?(?:数值|实际值|完成值|实际)?")


def year_header(header: str) -> int | None:
    """The year a column of the wide layout stands for (2023, 2023年, 2023年度, 2023年实际值), else None."""
    match = _YEAR_HEADER.fullmatch(fold(header))
    if match is None or not 1900 <= int(match[1]) <= 2200:
        return None
    return int(match[1])


def looks_like_header(cells: list[str]) -> bool:
    """True for a row that names the columns: two known headers, or one and year columns (地区,2023年,2024年)."""
    roles = {header_role(text) for text in cells if text} - {None}
    years = any(year_header(text) is not None for text in cells if text)
    return len(roles) + int(years) >= 2


# Periods as county staff write them, before monitor.core.periods.parse_period reads the canonical label.
_CN_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_MONTHS = {name: n for n, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")], start=1) for name in names}
_YEAR = re.compile(r"(\d{4})年?度?")
_QUARTER = re.compile(r"(\d{4})年?度?(?:第?([一二三四1-4])季度?|q([1-4]))")
_MONTH = re.compile(r"(\d{4})(?:年(\d{1,2})月份?|[-/.](\d{1,2})(?:[-/.]\d{1,2})?|(\d{2}))")
_MONTH_NAME = re.compile(r"([a-z]+)[-/.,]?(\d{2}|\d{4})")
_NAME_MONTH = re.compile(r"(\d{4})[-/.,]?([a-z]+)")  # not 25-Jan: Excel's d-mmm, a day


def period_label(text: str) -> str:
    """The canonical label (2025, 2025Q2, 2025-06) of a period as people write it: 2025年, 2025年度,
    2025年第二季度, 2025年二季度, 2025年Q2, 2025年6月, 2025/6, 2025-06-30 (a date: its month), 202506, Jan-25,
    Jan-2025 and 2025-Jan (not 25-Jan, which Excel writes for a day). Anything else is returned folded, for parse_period to refuse."""
    key = fold(text)
    if (match := _YEAR.fullmatch(key)) is not None:
        return match[1]
    if (match := _QUARTER.fullmatch(key)) is not None:
        return f"{match[1]}Q{_CN_NUMBERS[match[2] or match[3]]}"
    if (match := _MONTH.fullmatch(key)) is not None:
        month = match[2] or match[3] or match[4]
        return f"{match[1]}-{int(month):02d}"
    for pattern, order in ((_MONTH_NAME, (1, 2)), (_NAME_MONTH, (2, 1))):
        match = pattern.fullmatch(key)
        if match is not None and match[order[0]] in _MONTHS:
            year = match[order[1]]
            year = f"20{year}" if len(year) == 2 else year
            return f"{year}-{_MONTHS[match[order[0]]]:02d}"
    return key


def period_words(label: str) -> str:
    """A canonical period label as the template and messages write it: 2025年, 2025年第二季度, 2025年6月."""
    if len(label) == 4:
        return f"{label}年"
    if "Q" in label:
        return f"{label[:4]}年第{'一二三四'[int(label[-1]) - 1]}季度"
    return f"{label[:4]}年{int(label[5:])}月"
