"""A rule's summary for its alerts: the rule's ``summary`` template filled in from each alert's assessment.

:func:`format_summary` is ``template.format_map(record)`` made forgiving (a missing value shows as —, a number
without a format spec as :func:`plain_number` writes it, a spec that does not suit the value is ignored);
:func:`format_summaries` does the same for many records given column by column, the template parsed once, as
:mod:`monitor.alerts.build` makes the alerts of a rule.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Mapping
from typing import Any

from monitor.alerts.rules import SUMMARY_LABELS
from monitor.core import columns as c
from monitor.core.status import PHASE_LABEL, STATUS_LABEL, final_label

MISSING = "—"  # what a summary shows for a missing number


def format_summary(template: str, record: Mapping[str, Any]) -> str:
    """The rule's summary for one assessment record, as ``template.format_map(record)`` would write it, except:

    a missing value shows as —, whatever its format spec; a number without a spec as :func:`plain_number` writes
    it; a spec that does not suit the value (``{region_name:.0%}``) is ignored rather than failing.
    """
    return format_summaries(template, {name: [value] for name, value in record.items()}, 1)[0]


def format_summaries(template: str, view: Mapping[str, list[Any]], count: int) -> list[str]:
    """:func:`format_summary` for ``count`` records given column by column (field → one value per record; a
    field that is not there is missing in every record)."""
    texts, fields = [], []
    for literal, name, spec, conversion in _parsed(template):
        texts.append(literal.replace("{", "{{").replace("}", "}}"))
        if name is None:
            continue
        texts.append("{}")
        values = summary_labels(name, view, count) if name in _LABELS else view_column(view, name, count)
        fields.append(_fields(values, spec or "", conversion))
    pattern = "".join(texts)
    if not fields:
        return [pattern.format()] * count
    return list(map(pattern.format, *fields))


_CONVERSIONS = {"r": repr, "s": str, "a": ascii}
_LABELS = SUMMARY_LABELS


def view_column(view: Mapping[str, list[Any]], name: str, count: int) -> list[Any]:
    """The values of the field ``name`` for ``count`` records given column by column; None in every record when
    the field is not there."""
    values = view.get(name)
    return [None] * count if values is None else values


def summary_labels(name: str, view: Mapping[str, list[Any]], count: int) -> list[str]:
    """{status_label}, {phase_label}, {final_label} (超额完成 when the attainment is above 1), {last_status_label},
    {due_period_text} (2025年, 2025Q2, 2025-06), for ``count`` records given column by column."""
    if name == "due_period_text":
        periods = [str(period or "") for period in view_column(view, c.DUE_PERIOD, count)]
        return [f"{period}年" if len(period) == 4 else period for period in periods]
    if name == "phase_label":
        return [PHASE_LABEL.get(phase or "", "") for phase in view_column(view, c.PHASE, count)]
    if name == "final_label":
        return [final_label(status, attainment is not None and attainment > 1) for status, attainment
                in zip(view_column(view, c.FINAL_STATUS, count), view_column(view, c.ATTAINMENT, count))]
    if name == "last_status_label":
        return [STATUS_LABEL.get(status or "", "") for status in view_column(view, c.LAST_STATUS, count)]
    return [STATUS_LABEL.get(status or "", "") for status in view_column(view, c.STATUS, count)]


@functools.lru_cache(maxsize=256)
def _parsed(template: str) -> list[tuple[str, str | None, str | None, str | None]]:
    """The template split once into (literal, field, spec, conversion) parts; formatting then costs little."""
    return list(string.Formatter().parse(template))


def _fields(values: list[Any], spec: str, conversion: str | None) -> list[str]:
    """One placeholder's text for every record (see :func:`format_summary`)."""
    if conversion:
        convert = _CONVERSIONS[conversion]
        values = [value if value is None else convert(value) for value in values]
    if spec:
        return [MISSING if value is None else _formatted(value, spec) for value in values]
    return [value if type(value) is str else plain_number(value) if type(value) is float else _field(value, "")
            for value in values]  # text is itself, a number plain


def _field(value: Any, spec: str) -> str:
    if value is None:
        return MISSING
    if isinstance(value, float) and not spec:
        return plain_number(value)
    return _formatted(value, spec)


def _formatted(value: Any, spec: str) -> str:
    try:
        return format(value, spec)
    except (TypeError, ValueError):
        return str(value)


def plain_number(value: float) -> str:
    """A number for a sentence: 60000, 1464.1, 0.2378, 0.00012 (4 decimals or 3 significant digits)."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if abs(value) < 0.01:
        return f"{value:.3g}"  # 0.00012, not 0.0001
    return f"{value:.4f}".rstrip("0").rstrip(".")
