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
        raise ValueError(f"not a number: {text!r}")
    clean = unicodedata.normalize("NFKC", text).translate(_MINUS).strip()
    if not clean:
        raise ValueError("the value is empty")
    match = _NUMBER.fullmatch(clean)
    if match is None or not (match["int"] or match["frac"]):
        raise ValueError(f"{text!r} is not a number")
    digits = (match["int"] or "0").replace(",", "")
    value = float(f"{match['sign'] or ''}{digits}.{match['frac'] or '0'}")
    if not math.isfinite(value):  # from about 1.8e308 (309 digits) float() gives infinity, never to be stored
        raise ValueError(f"{_shown(text)} 有 {len(digits.lstrip('0'))} 位整数，超出了能计算的范围（约 1.8×10³⁰⁸），"
                         "不像是统计数值")
    return ParsedNumber(value if value != 0 else 0.0, match["suffix"])  # -0 is 0


def _shown(text: str, width: int = 24) -> str:
    """A cell quoted for a message, cut short: a 400-digit number is not repeated whole."""
    return repr(text if len(text) <= width else text[:width] + "…")


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
    "money": "an amount of money",
    "percent": "a percentage",
    "points": "percentage points (个百分点, a difference of two percentages)",
    "area": "an area",
    "mass": "a mass",
    "coal": "energy as standard coal (标准煤)",
    "power": "a generating capacity",
    "electricity": "an amount of electricity",
    "people": "a number of people",
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
        raise ValueError(f"units {from_unit!r} and {to_unit!r} {_refusal(from_unit, to_unit)}")
    if not math.isfinite(value):
        raise ValueError(f"cannot convert {value!r}")
    return float(Decimal(repr(float(value))) * source[1] / target[1])


def _refusal(from_unit: str, to_unit: str) -> str:
    """Why two units do not convert, in words."""
    keys = unit_key(from_unit), unit_key(to_unit)
    if set(keys) <= _COUNTS:
        return "count different things"
    unknown = [unit for unit, key in zip((from_unit, to_unit), keys, strict=True) if key not in _UNITS]
    if unknown:
        named = " and ".join(repr(u) for u in unknown)
        return f"do not convert: {named} {'is not a unit' if len(unknown) == 1 else 'are not units'} the monitor knows"
    (dim_a, _), (dim_b, _) = _UNITS[keys[0]], _UNITS[keys[1]]
    return f"do not convert: {from_unit!r} is {_DIMENSIONS[dim_a]}, {to_unit!r} is {_DIMENSIONS[dim_b]}"


# What each header of a submitted file may be called, before folding.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "region": ("地区", "区县", "行政区划代码", "区域", "region", "region_code"),
    "indicator": ("指标", "指标名称", "统计指标", "indicator", "indicator_id"),
    "period": ("期间", "时期", "报告期", "年份", "period", "year"),
    "value": ("数值", "实际值", "完成值", "值", "value"),
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
