"""Jinja2 filters for message templates: escaping per markdown flavour, numbers as the check table shows them.

Escaping. Values that came from plan files or submitted files (indicator and region names, periods, notes, alert
summaries) must not be able to mention people, add links or change the formatting of a robot message. Instead of
backslash escapes, which the robots' markdown dialects do not reliably honour, ``md_escape`` replaces the
characters that carry meaning with their full-width look-alikes (``*`` → ``＊``, ``<`` → ``＜``, ``@`` → ``＠``,
``[`` → ``［`` …). They read naturally in Chinese text and no client interprets them. It also collapses line breaks
into spaces (so a value cannot start a heading, quote or list) and defangs URL schemes (``http://`` →
``http：//``) so that clients do not turn them into links.

Numbers follow ``monitor/report/cells.py`` exactly: up to four decimals with trailing zeros dropped and thousands
separators (``num``), one decimal for percentages (``pct``: 0.9512 → ``95.1%``), and the yearly rate still needed
as ``+4家/年`` on a linear path or ``+17.1%/年`` on a compound one (``rate``). A missing value shows as ``—``.
A difference of a percentage indicator (unit ``%``) is in 个百分点, never %: a signed ``qty`` (a gap) and a linear
``rate`` say ``-0.2个百分点``, ``+0.05个百分点/年`` (:mod:`monitor.report.wording`, whose ``number`` ``num`` is).
The bundled templates pass each row's precision (``a.digits``: the decimals its plan prints) to ``qty``, say the
shortfall with ``lag`` (落后0.38个百分点 / 领先2家) and the yearly need with ``need`` (每年提高0.5个百分点 /
年均增长17.1%).

Titles. ``title_escape(value, channel_kind)`` makes a value inert for a channel's title field (a file name in an
inbox notice, a region name in a headline): :data:`TITLE_FLAVOURS`.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any, Callable

from markupsafe import Markup, escape

from monitor.core.periods import ANNUAL, QUARTERLY, parse_period
from monitor.core.status import PHASE_LABEL, SEVERITY_LABEL, STATUS_LABEL, final_label
from monitor.report.figures import behind_ahead, difference_unit, number, row_digits, yearly_need

MISSING = "—"

FLAVOURS = ("wecom", "dingtalk", "feishu", "text", "html")

_MARKDOWN = str.maketrans({
    "*": "＊", "_": "＿", "`": "｀", "~": "～", "[": "［", "]": "］", "<": "＜", ">": "＞",
    "#": "＃", "|": "｜", "@": "＠",
})
# the robots' markdown (and Feishu post "md" elements) all treat the same characters specially, so the three
# flavours share one table today; keeping them apart lets one change without touching the others
_TABLES = {"wecom": _MARKDOWN, "dingtalk": _MARKDOWN, "feishu": _MARKDOWN, "text": None, "html": None}

_LINE_BREAKS = re.compile(r"[\r\n\t\v\f\x85\u2028\u2029]+")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_SPACES = re.compile(r" {2,}")
_URL_SCHEME = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*):(?=//)")
_ENTITY = re.compile(r"&(?=#?[0-9a-z]+;)", re.IGNORECASE)

# a character some step of md_escape changes (line breaks, control characters, markdown, entities, URL schemes)
# or a run of spaces; text without any (and without surrounding whitespace) comes out of md_escape as it went in
_INERT_NOT = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029*_`~\[\]<>#|@&:]| {2}")

# text, not emoji: a county office's PC or an old phone may have no emoji font, and 【】 is in every CJK font
SEVERITY_MARKER = {"critical": "【严重】", "warning": "【预警】", "ok": "【正常】", "resolved": "【已恢复】"}

# how each channel's title field is made inert: the robots show it as plain text but notify, link or format some
# of it (a DingTalk preview, a Feishu post title, the WeCom text message naming it); email, webhook and log titles
# are plain text (the email subject is a header: one line, nothing else)
TITLE_FLAVOURS = {"wecom": "wecom", "dingtalk": "dingtalk", "feishu": "feishu", "email": "text", "webhook": "text",
                  "log": "text"}


def oneline(value: Any) -> str:
    """The value as one line of plain text: line breaks and control characters become single spaces."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        value = value.unescape()
    text = _CONTROL.sub("", _LINE_BREAKS.sub(" ", str(value)))
    return _SPACES.sub(" ", text).strip()


def md_escape(value: Any, flavour: str) -> str:
    """``value`` made inert for ``flavour``: wecom, dingtalk or feishu (markdown and mentions), text (one line of
    plain text) or html (one line, HTML-escaped and marked safe).

    The html flavour matters in macros shared with ``.html`` templates: Jinja2 marks a macro's output safe when
    an autoescaping template calls it, even when the macro itself lives in a non-HTML file, so such macros must
    escape their values themselves.

    Short texts are remembered per flavour: a national run escapes the same indicator names, units and periods
    tens of thousands of times (longer texts, alert summaries and notes, are mostly said once).
    """
    if value.__class__ is str and len(value) <= _REMEMBER_LENGTH:
        known = _ESCAPED.get(flavour)
        if known is not None:
            text = known.get(value)
            if text is None:
                if len(known) >= _REMEMBER_COUNT:
                    known.clear()
                text = known[value] = _md_escape(value, flavour)
            return text
    return _md_escape(value, flavour)


_REMEMBER_LENGTH = 64  # characters: md_escape remembers texts up to this long,
_REMEMBER_COUNT = 4096  # this many of them per flavour (then starts again)
_ESCAPED: dict[str, dict[str, str]] = {flavour: {} for flavour in _TABLES}


def _md_escape(value: Any, flavour: str) -> str:
    if flavour not in _TABLES:
        raise ValueError(f"unknown markdown flavour {flavour!r} (expected one of {', '.join(FLAVOURS)})")
    if value.__class__ is str and flavour != "html" and not _INERT_NOT.search(value) and value == value.strip():
        return value  # nothing to collapse, strip, defang or replace: what the steps below would return
    text = oneline(value)
    if flavour == "html":
        return escape(text)
    table = _TABLES[flavour]
    if table is None:
        return text
    text = _ENTITY.sub("＆", text)
    text = _URL_SCHEME.sub(r"\1：", text)
    return text.translate(table)


def _missing(value: Any) -> bool:
    if value.__class__ is float:
        return value - value != 0.0  # inf - inf and nan - nan are nan
    return value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value)))


def num(value: Any, digits: int = 4) -> str:
    """Up to ``digits`` decimals, trailing zeros dropped, thousands separated: 1346.52168 → ``1,346.5217``."""
    return number(value, digits)


def signed(value: Any, digits: int = 4) -> str:
    """Like ``num`` with an explicit ``+`` for positive values: -0.0408 → ``-0.0408``, 3.4 → ``+3.4``."""
    text = num(value, digits)
    if text in (MISSING, "0") or text.startswith("-"):
        return text
    return "+" + text


def pct(value: Any, sign: bool = False) -> str:
    """A fraction as a percentage with one decimal: 0.9512 → ``95.1%`` (``+95.1%`` with ``sign=True``)."""
    if value.__class__ is float:  # most figures: told finite without a call
        if value - value != 0.0:
            return MISSING
    elif _missing(value):
        return MISSING
    text = f"{value * 100:.1f}%"
    if text == "-0.0%":
        text = "0.0%"
    return "+" + text if sign and value > 0 and text != "0.0%" else text


def qty(value: Any, unit: Any = None, sign: bool = False, digits: int = 4) -> str:
    """A number with its unit, no space, as the check table writes rates: ``0.2408亿元``, ``31家``, ``0.678%``.
    With ``sign`` it is a difference (a gap): ``-0.0408亿元``, and ``-0.2个百分点`` for a percentage. ``digits``:
    at most that many decimals (templates pass the row's ``a.digits``, the precision its plan prints)."""
    text = signed(value, digits) if sign else number(value, digits)
    if text == MISSING or not unit:
        return text
    if sign:
        return text + difference_unit(str(unit))
    return text + (unit if unit.__class__ is str else str(unit))


def rate(value: Any, trajectory: Any, unit: Any = None, sign: bool = True) -> str:
    """The yearly change still needed: ``+17.1%/年`` on a compound path, ``+4家/年`` on a linear one."""
    if _missing(value):
        return MISSING
    if trajectory == "compound":
        return pct(value, sign=sign) + "/年"
    return (signed(value) if sign else num(value)) + (difference_unit(str(unit)) if unit else "") + "/年"


def lag(a: Any) -> str:
    """An assessment's shortfall as 落后 / 领先, whose meaning does not flip for a lower-is-better row (a rank):
    ``落后0.38个百分点``, ``领先2家``, ``持平``; ``—`` when unknown."""
    return behind_ahead(a.get("shortfall"), a.get("unit"), _digits(a))


def need(a: Any) -> str:
    """What each remaining year must still bring: ``年均增长17.1%`` (a growth rate, compound path),
    ``每年提高0.5个百分点`` (a percentage indicator), ``每年增加4家``, ``已达到目标``; ``—`` when unknown."""
    return yearly_need(a.get("required_rate"), a.get("trajectory"), a.get("unit"), a.get("direction"), _digits(a))


def _digits(a: Any) -> int:
    digits = a.get("digits")
    return digits if isinstance(digits, int) else row_digits(a)


def title_escape(value: Any, channel_kind: str) -> str:
    """A value (a file name, a region name) made inert for the title field of ``channel_kind``: one line always;
    for the robots also no markdown, mention (``@``, ``<@id>``, ``<at>``) or link (see :func:`md_escape`). Email,
    webhook and log titles are plain text: one line, control characters removed (the email's HTML part escapes
    its own values)."""
    flavour = TITLE_FLAVOURS.get(channel_kind)
    if flavour is None:
        raise ValueError(f"unknown channel kind {channel_kind!r} (expected one of {', '.join(TITLE_FLAVOURS)})")
    return md_escape(value, flavour)


def status_label(status: Any) -> str:
    """The plan-language name of a status: off_track → 明显滞后."""
    return STATUS_LABEL.get(status, str(status) if status else MISSING)


def phase_label(phase: Any) -> str:
    """The phase of a plan in words: final → 已结束, awaiting_final → 待终期数据."""
    return PHASE_LABEL.get(phase, str(phase) if phase else MISSING)


def verdict_label(final_status: Any, attainment: Any = None, exceeded: Any = None) -> str:
    """A final verdict as a review prints it: 已完成, 超额完成, 未完成, 终期值未报送. 超额完成 follows the row's
    ``exceeded`` (beyond the target's tolerance) where given, else an attainment above 1."""
    return final_label(final_status, beyond(attainment, exceeded)) or MISSING


def beyond(attainment: Any = None, exceeded: Any = None) -> bool:
    """Achieved beyond the target: the row's ``exceeded`` flag where known, else 完成率 above 100 %."""
    if exceeded is not None and not _missing(exceeded):
        return bool(exceeded)
    return not _missing(attainment) and float(attainment) > 1


_QUARTERS = "一二三四"


def period_text(label: Any) -> str:
    """A period in words: 2025 → 2025 年, 2025Q2 → 2025 年第二季度, 2025-06 → 2025 年 6 月; other text as it is."""
    if _missing(label):
        return MISSING
    try:
        period = parse_period(label)
    except ValueError:
        return oneline(label)
    if period.freq == ANNUAL:
        return f"{period.year} 年"
    if period.freq == QUARTERLY:
        return f"{period.year} 年第{_QUARTERS[period.number - 1]}季度"
    return f"{period.year} 年 {period.number} 月"


def severity_label(severity: Any) -> str:
    """critical → 严重, warning → 预警, ok → 正常."""
    return SEVERITY_LABEL.get(severity, str(severity) if severity else MISSING)


def marker(severity: Any) -> str:
    """A label that shows the severity at a glance without an emoji font: 【严重】 critical, 【预警】 warning,
    【正常】 ok, 【已恢复】 resolved."""
    return SEVERITY_MARKER.get(severity, "")


def when(value: Any) -> str:
    """A time as ``2025-07-01 09:30`` (already in the notification's timezone), a date as ``2025-07-01``."""
    if value is None:
        return MISSING
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return oneline(value)


def day(value: Any) -> str:
    """The date part only: ``2025-07-01``."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    return when(value)


FILTERS: dict[str, Callable[..., str]] = {
    "md_escape": md_escape,
    "oneline": oneline,
    "num": num,
    "signed": signed,
    "pct": pct,
    "qty": qty,
    "rate": rate,
    "lag": lag,
    "need": need,
    "title_escape": title_escape,
    "status_label": status_label,
    "phase_label": phase_label,
    "verdict_label": verdict_label,
    "period_text": period_text,
    "severity_label": severity_label,
    "marker": marker,
    "when": when,
    "day": day,
}
