"""The points of an indicator's chart, from the assessment row and the frames it was made from. Pure.

The x axis is the year a figure belongs to: a yearly figure for 2023 sits at 2023 (the end of that year), the
baseline at the baseline year, a 2025 target at 2025; a quarter or month sits where it ends (2023Q2 at 2023.5).
Each chart has up to six lines (:data:`ROLES`):

- ``path`` (规划路径): the baseline through the milestones, a point a year, linear or compound per ``trajectory``
  (docs/method.md, "Trajectory"); once a plan has ended and its 2035 goals continue, the next segment starts from the
  value reported for the plan's last year (docs/method.md, "After a milestone"). A bound or range judged every year
  draws its limits instead (上限 / 下限); a target given only as annual targets has no path.
- ``annual`` (年度目标): the annual targets, markers only.
- ``actual`` (实际值): the reported values in the measure the row is judged in: the value itself, the running total
  of a cumulative indicator's plan years, the compounded reduction of yearly declines; the yearly rates of a
  ``yearly_rate`` indicator as reported (the target line beside them is the average rate required).
- ``projection`` (预计): from the latest value to the value projected at the active milestone.
- ``reference``: a relative target's other indicator, as reported.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from monitor.charts.frames import Reported, by_key, finite, integer, reported_values
from monitor.report.figures import optional_number as num
from monitor.report.figures import optional_text as text
from monitor.core import columns as c

PATH, BOUND, ANNUAL, ACTUAL, PROJECTION, REFERENCE = "path", "bound", "annual", "actual", "projection", "reference"
ROLES = (PATH, BOUND, ANNUAL, ACTUAL, PROJECTION, REFERENCE)
NAMES = {PATH: "规划路径", ANNUAL: "年度目标", ACTUAL: "实际值", PROJECTION: "预计"}

Point = tuple[float, float]
Key = tuple[str, str, str]  # plan id, region code, indicator id


@dataclass(frozen=True)
class Line:
    """One series of a chart: its role (how it is drawn), its legend name and its points in x order."""

    role: str
    name: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class Chart:
    """The chart of one plan × region × indicator."""

    key: Key
    title: str
    unit: str
    lines: tuple[Line, ...]

    @property
    def has_data(self) -> bool:
        """Something to draw: a path, a target or a reported value."""
        return any(line.points for line in self.lines)

    def line(self, role: str) -> Line | None:
        return next((line for line in self.lines if line.role == role), None)

    def x_range(self) -> tuple[float, float]:
        xs = [x for line in self.lines for x, _ in line.points]
        return (min(xs), max(xs)) if xs else (0.0, 1.0)

    def y_range(self) -> tuple[float, float]:
        ys = [y for line in self.lines for _, y in line.points]
        return (min(ys), max(ys)) if ys else (0.0, 1.0)


def chart_key(row: Mapping[str, Any]) -> Key:
    return (str(row[c.PLAN_ID]), str(row[c.REGION_CODE]), str(row[c.INDICATOR_ID]))


def build_charts(assessment: pd.DataFrame, series: pd.DataFrame, milestones: pd.DataFrame,
                 observations: pd.DataFrame, points: pd.DataFrame | None = None) -> dict[Key, Chart]:
    """One chart per assessed row. Key columns must hold text (:func:`monitor.report.inputs.read_inputs`).

    A loop over the rows of a report: a region's few dozen indicators, not a national run.
    """
    defs = {(str(r[c.PLAN_ID]), str(r[c.INDICATOR_ID])): r for r in series.to_dict("records")}
    targets = by_key(milestones, (c.PLAN_ID, c.INDICATOR_ID))
    annual = by_key(points[points[c.ROLE] == c.ANNUAL], (c.PLAN_ID, c.INDICATOR_ID)) if points is not None \
        and len(points) else {}
    reported = reported_values(observations)
    charts = {}
    for row in assessment.to_dict("records"):
        key = chart_key(row)
        definition = defs.get((key[0], key[2]), {})
        values = reported.get((key[1], key[2]), [])
        reference = reported.get((key[1], str(row.get(c.REFERENCE_ID))), []) if text(row.get(c.REFERENCE_ID)) \
            else []
        charts[key] = chart_for(row, definition, targets.get((key[0], key[2]), {}),
                                annual.get((key[0], key[2]), {}), values, reference)
    return charts


def chart_for(row: Mapping[str, Any], definition: Mapping[str, Any], milestones: Mapping[int, float],
              annual: Mapping[int, float], values: list[Reported],
              reference: list[Reported] = ()) -> Chart:  # type: ignore[assignment]
    """The chart of one row. ``values``: (x, value, freq, restated) of the reported values, in time order."""
    kind = text(row.get(c.KIND)) or "level"
    form = text(row.get(c.FORM)) or "path"
    start, end = integer(definition.get(c.PLAN_START_YEAR)), integer(definition.get(c.PLAN_END_YEAR))
    base_year = integer(definition.get(c.BASELINE_YEAR))
    if start is None and base_year is not None:
        start = base_year + 1
    lines = []
    lines.extend(_limits(row, definition, form, kind, base_year, start, end))
    if not any(line.role == BOUND for line in lines) and form != "annual":
        path = _path(row, definition, milestones, kind, base_year, start, end, values)
        if path:
            lines.append(Line(PATH, NAMES[PATH], path))
    if annual:
        lines.append(Line(ANNUAL, NAMES[ANNUAL], tuple(sorted((float(y), float(v)) for y, v in annual.items()))))
    if base_year is not None:  # the values before the plan's baseline year belong to an earlier plan
        values = [v for v in values if v[0] >= base_year - 1e-6]
    actual = _actual(row, kind, values, start, end)
    if actual:
        lines.append(Line(ACTUAL, "各年增长率" if kind == "yearly_rate" else NAMES[ACTUAL], actual))
    projection = _projection(row)
    if projection:
        lines.append(Line(PROJECTION, NAMES[PROJECTION], projection))
    if reference:
        name = text(row.get(c.REFERENCE_NAME)) or text(row.get(c.REFERENCE_ID)) or "对比指标"
        lines.append(Line(REFERENCE, name, tuple((x, v) for x, v, _, _ in reference)))
    return Chart(chart_key(row), str(row.get(c.INDICATOR_NAME) or ""), text(row.get(c.UNIT)) or "", tuple(lines))


# ---- the lines ----

def _path(row: Mapping[str, Any], definition: Mapping[str, Any], milestones: Mapping[int, float], kind: str,
          base_year: int | None, start: int | None, end: int | None,
          values: list[Reported] = ()) -> tuple[Point, ...]:  # type: ignore[assignment]
    """Baseline → milestones, a point a year; the next segment from the reported value once a plan has ended."""
    if kind == "yearly_rate":  # the target is an average rate: a flat line at it over the plan years
        target = num(row.get(c.TARGET))
        if target is None or start is None or end is None:
            return ()
        return ((float(start), target), (float(end), target))
    marks = {int(y): float(v) for y, v in milestones.items() if finite(v)}
    target, target_year = num(row.get(c.TARGET)), integer(row.get(c.TARGET_YEAR))
    if target is not None and target_year is not None and target_year not in marks:
        marks[target_year] = target  # a growth rate's target is its path at the plan's end
    if kind in ("cumulative", "reduction"):
        base: float | None = 0.0
    else:
        base = num(definition.get(c.BASELINE))
        if base is None:  # a reported figure stands in for a baseline the plan left open: it starts the path
            base = num(row.get(c.BASELINE))
            first = next((x for x, v, _, _ in values if base is not None and abs(v - base) <= 1e-9 * max(1, abs(v))),
                         None)
            base_year = int(first) if first is not None else base_year
    anchors: list[Point] = []
    if base is not None and base_year is not None:
        anchors.append((float(base_year), base))
    anchors.extend((float(y), v) for y, v in sorted(marks.items()) if base_year is None or y > base_year)
    compound = (text(row.get(c.TRAJECTORY)) == "compound" or kind == "growth_rate") and kind not in (
        "cumulative", "reduction")
    final_year, final_value = integer(row.get(c.FINAL_YEAR)), num(row.get(c.FINAL_VALUE))
    restart = text(row.get(c.PHASE)) == "continuing" and final_year is not None and final_value is not None
    out: list[Point] = []
    for (x0, v0), (x1, v1) in zip(anchors, anchors[1:]):
        if restart and x0 == final_year:
            v0 = final_value  # type: ignore[assignment]
            out.append((x0, v0))
        out.extend(_segment(x0, v0, x1, v1, compound, first=not out))
    if len(anchors) == 1:
        out.append(anchors[0])
    return tuple(out)


def _segment(x0: float, v0: float, x1: float, v1: float, compound: bool, first: bool) -> list[Point]:
    """The yearly points of one segment (its start only when it is the first)."""
    if x1 <= x0:
        return []
    xs = np.arange(math.ceil(x0), math.floor(x1) + 1, dtype=float)
    xs = np.unique(np.concatenate([[x0], xs[(xs > x0) & (xs < x1)], [x1]]))
    frac = (xs - x0) / (x1 - x0)
    if compound and v0 > 0 and v1 > 0:
        values = v0 * np.power(v1 / v0, frac)
    else:
        values = v0 + (v1 - v0) * frac
    pts = list(zip(xs.tolist(), values.tolist()))
    return pts if first else pts[1:]


def _limits(row: Mapping[str, Any], definition: Mapping[str, Any], form: str, kind: str, base_year: int | None,
            start: int | None, end: int | None) -> list[Line]:
    """A bound's or range's limits over the plan years, where they hold every year (or on average)."""
    if form not in ("bound", "range") or text(definition.get(c.JUDGED)) == "final" or kind == "yearly_rate":
        return []
    if start is None or end is None:
        return []
    out = []
    for name, value in (("上限", num(row.get(c.BAND_HIGH))), ("下限", num(row.get(c.BAND_LOW)))):
        if value is not None:
            out.append(Line(BOUND, name, ((float(start), value), (float(end), value))))
    return out


def _actual(row: Mapping[str, Any], kind: str, values: list[Reported],
            start: int | None, end: int | None) -> tuple[Point, ...]:
    """The reported values in the measure the row is judged in; the row's own latest value wins at its time."""
    if kind == "cumulative":
        pts = _running_total(values, start, end)
    elif kind == "reduction":
        pts = _compounded(values, start, end)
    else:
        pts = [(x, v) for x, v, _, _ in values]
    if kind != "yearly_rate":
        t, actual = num(row.get(c.T)), num(row.get(c.ACTUAL))
        if t is not None and actual is not None:
            x = round(t - 1, 6)
            pts = [p for p in pts if abs(p[0] - x) > 1e-6] + [(x, actual)]
    return tuple(sorted(pts))


def _in_plan(x: float, start: int | None, end: int | None) -> bool:
    year = math.ceil(x - 1e-9)  # the year a period ends in (2023.5 → 2023, 2023.0 → 2023)
    return (start is None or year >= start) and (end is None or year <= end)


def _running_total(values: list[Reported], start: int | None,
                   end: int | None) -> list[Point]:
    """Running totals of the plan years' flows: a yearly figure supersedes the quarters and months of its year."""
    years: dict[int, list[tuple[float, float, str]]] = {}
    for x, v, freq, _ in values:
        if _in_plan(x, start, end):
            years.setdefault(math.ceil(x - 1e-9), []).append((x, v, freq))
    total, out = 0.0, []
    for year in sorted(years):
        flows = years[year]
        yearly = [f for f in flows if f[2] == "Y"]
        chosen = yearly or ([f for f in flows if f[2] == "Q"] or flows)
        for x, v, _ in sorted(chosen):
            total += v
            out.append((x, total))
    return out


def _compounded(values: list[Reported], start: int | None, end: int | None) -> list[Point]:
    """C = 1 − Π(1 − dᵢ) in percent over the plan years; an officially restated figure replaces C."""
    remaining, out = 1.0, []
    for x, v, _, restated in sorted(values):
        if not _in_plan(x, start, end):
            continue
        remaining = 1 - v / 100 if restated else remaining * (1 - v / 100)
        out.append((x, (1 - remaining) * 100))
    return out


def _projection(row: Mapping[str, Any]) -> tuple[Point, ...]:
    t, actual = num(row.get(c.T)), num(row.get(c.ACTUAL))
    projected, year = num(row.get(c.PROJECTED)), integer(row.get(c.TARGET_YEAR))
    if None in (t, actual, projected, year) or year <= t - 1 + 1e-6:  # type: ignore[operator]
        return ()
    return ((round(t - 1, 6), actual), (float(year), projected))  # type: ignore[operator]
