"""Plans in the database: save a validated plan (keeping every version) and read plans and series back."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Integer, cast, delete, func, insert, select, update

from monitor.core import columns as c
from monitor.storage.frames import categories, check_unchanged, fetch_plain_frame, numbered, texts_to_categorical
from monitor.storage.tables import milestones, plan_indicators, plan_points, plan_revisions, plans

if TYPE_CHECKING:
    from monitor.plans.model import Plan

# The plan model (pydantic) is imported where plans are saved or read whole: `monitor check` reads only frames.

NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"
_FLAGS = (c.STRICT, c.ABOUT, c.BASELINE_IS_ESTIMATE)


@dataclass(frozen=True)
class SaveResult:
    plan_id: str
    outcome: str  # new, changed or unchanged
    changes: list[str] = field(default_factory=list)


def canonical_json(plan: Plan) -> str:
    return json.dumps(plan.model_dump(mode="json"), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def save_plan(conn: Connection, plan: Plan, source_file: str | None, now: datetime) -> SaveResult:
    """Store a plan. Saving the same content again changes nothing; an edit is stored as a new version."""
    from monitor.plans.diff import describe_changes
    from monitor.plans.model import Plan

    definition = canonical_json(plan)
    digest = hashlib.sha256(definition.encode("utf-8")).hexdigest()
    row = conn.execute(select(plans.c.definition, plans.c.sha256).where(plans.c.plan_id == plan.id)).first()
    if row is not None and row.sha256 == digest:
        return SaveResult(plan.id, UNCHANGED)
    changes = describe_changes(Plan.model_validate_json(row.definition), plan) if row is not None else []
    values = {
        "region_code": plan.region.code,
        "region_name": plan.region.name,
        "title": plan.title,
        "period_start": plan.period.start,
        "period_end": plan.period.end,
        "baseline_year": plan.baseline_year,
        "succeeds": plan.succeeds,
        "definition": definition,
        "sha256": digest,
        "source_file": source_file,
        "loaded_at": now,
    }
    if row is None:
        conn.execute(insert(plans).values(plan_id=plan.id, **values))
    else:
        conn.execute(update(plans).where(plans.c.plan_id == plan.id).values(**values))
        conn.execute(delete(plan_indicators).where(plan_indicators.c.plan_id == plan.id))
        conn.execute(delete(milestones).where(milestones.c.plan_id == plan.id))
        conn.execute(delete(plan_points).where(plan_points.c.plan_id == plan.id))
    conn.execute(
        insert(plan_revisions).values(
            plan_id=plan.id, sha256=digest, definition=definition, source_file=source_file, loaded_at=now
        )
    )
    conn.execute(insert(plan_indicators), _indicator_rows(plan))
    milestone_rows = [
        {"plan_id": plan.id, "indicator_id": ind.id, "year": year, "value": value}
        for ind in plan.indicators
        for year, value in ind.milestones.items()
    ]
    if milestone_rows:
        conn.execute(insert(milestones), milestone_rows)
    point_rows = [
        {"plan_id": plan.id, "indicator_id": ind.id, "role": c.ANNUAL, "year": year, "value": value}
        for ind in plan.indicators
        for year, value in ind.annual_targets.items()
    ] + [
        {"plan_id": plan.id, "indicator_id": ind.id, "role": c.REBASE, "year": r.year, "value": r.baseline}
        for ind in plan.indicators
        for r in ind.rebases
    ]
    if point_rows:
        conn.execute(insert(plan_points), point_rows)
    return SaveResult(plan.id, NEW if row is None else CHANGED, changes)


def _indicator_rows(plan: Plan) -> list[dict]:
    from monitor.plans import target_forms
    from monitor.plans.model import Kind

    names = {ind.id: ind.name for ind in plan.indicators}
    return [
        {
            "plan_id": plan.id,
            "indicator_id": ind.id,
            "position": position,
            "name": ind.name,
            "unit": ind.unit,
            "direction": ind.direction.value,
            "kind": ind.kind.value,
            "trajectory": ind.trajectory.value,
            "binding": ind.binding.value if ind.binding else None,
            "baseline": 0.0 if ind.kind is Kind.cumulative else ind.baseline,
            "growth_percent": ind.annual_growth.percent if ind.annual_growth else None,
            "frequency": ind.reporting.frequency.value,
            "due_days": ind.reporting.due_days,
            "form": ind.form.value,
            "strict": ind.strict,
            "judged": ind.judged.value,
            "range_low": ind.range.low if ind.range else None,
            "range_high": ind.range.high if ind.range else None,
            "about": ind.about,
            "tolerance": ind.tolerance,
            "change_by": ind.change.by if ind.change else None,
            "change_times": ind.change.times if ind.change else None,
            "change_year": target_forms.change_year(ind, plan.period.end),
            "relative_to": ind.relative_to.indicator if ind.relative_to else None,
            "relation": ind.relative_to.relation.value if ind.relative_to else None,
            "relative_tolerance": ind.relative_to.tolerance if ind.relative_to else None,
            "baseline_is_estimate": ind.baseline_estimated,
            "target_text": target_forms.printed(ind, names, end=plan.period.end),
        }
        for position, ind in enumerate(plan.indicators)
    ]


def stored_plans(conn: Connection) -> list[Plan]:
    from monitor.plans.model import Plan

    rows = conn.execute(select(plans.c.definition).order_by(plans.c.plan_id)).scalars()
    return [Plan.model_validate_json(text) for text in rows]


def stored_plan(conn: Connection, plan_id: str) -> Plan | None:
    from monitor.plans.model import Plan

    text = conn.execute(select(plans.c.definition).where(plans.c.plan_id == plan_id)).scalar()
    return Plan.model_validate_json(text) if text else None


def plan_summaries(conn: Connection) -> list[dict]:
    query = select(
        plans.c.plan_id, plans.c.region_code, plans.c.region_name, plans.c.title, plans.c.period_start,
        plans.c.period_end, plans.c.loaded_at, plans.c.source_file,
    ).order_by(plans.c.plan_id)
    counts = dict(
        conn.execute(
            select(plan_indicators.c.plan_id, func.count()).group_by(
                plan_indicators.c.plan_id
            )
        ).all()
    )
    return [{**row._asdict(), "indicators": counts.get(row.plan_id, 0)} for row in conn.execute(query)]


def _successors():  # type: ignore[no-untyped-def]
    """For each plan × indicator id another plan of the same region takes over: the earliest such plan.

    A plan takes over the indicators it shares with the plan it names in ``succeeds`` (docs/method.md,
    "Succession").
    """
    new, old, shared = plans.alias("successor"), plans.alias("succeeded"), plan_indicators.alias("shared")
    return (
        select(old.c.plan_id, shared.c.indicator_id, func.min(new.c.plan_id).label("successor"),
               func.min(new.c.period_start).label("start"))
        .select_from(new.join(old, (old.c.plan_id == new.c.succeeds) & (old.c.region_code == new.c.region_code))
                     .join(shared, shared.c.plan_id == new.c.plan_id))
        .group_by(old.c.plan_id, shared.c.indicator_id)
        .subquery("successors")
    )


def series_frames(
    conn: Connection,
    plan_id: str | None = None,
    region_codes: list[str] | None = None,
    indicator_id: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The series (plan × indicator) and milestone frames the assessment core takes.

    Plan, region and indicator come as categorical columns, numbered by the database (see
    :func:`monitor.storage.frames.numbered`), so the core matches series, milestones and observations by number.
    Read inside :func:`monitor.storage.db.read_snapshot` together with the observations.
    """
    pi = plan_indicators
    successors = _successors()
    plan_numbers = numbered(plans.c.plan_id, "plan_numbers")
    region_numbers = numbered(plans.c.region_code, "region_numbers")
    indicator_numbers = numbered(pi.c.indicator_id, "indicator_numbers")
    query = (
        select(
            pi.c.plan_id.label(c.PLAN_ID),
            plans.c.region_code.label(c.REGION_CODE),
            plans.c.region_name.label(c.REGION_NAME),
            pi.c.indicator_id.label(c.INDICATOR_ID),
            pi.c.name.label(c.INDICATOR_NAME),
            pi.c.unit.label(c.UNIT),
            pi.c.direction.label(c.DIRECTION),
            pi.c.kind.label(c.KIND),
            pi.c.trajectory.label(c.TRAJECTORY),
            pi.c.binding.label(c.BINDING),
            plans.c.baseline_year.label(c.BASELINE_YEAR),
            pi.c.baseline.label(c.BASELINE),
            pi.c.growth_percent.label(c.GROWTH_PERCENT),
            plans.c.period_start.label(c.PLAN_START_YEAR),
            plans.c.period_end.label(c.PLAN_END_YEAR),
            pi.c.frequency.label(c.FREQUENCY),
            pi.c.due_days.label(c.DUE_DAYS),
            successors.c.successor.label(c.SUCCESSOR_ID),
            successors.c.start.label(c.SUCCESSOR_START_YEAR),
            pi.c.target_text.label(c.TARGET_TEXT),  # text: a national database has 113,760 distinct ones
        )
        .select_from(pi.join(plans, plans.c.plan_id == pi.c.plan_id)
                     .outerjoin(successors, (successors.c.plan_id == pi.c.plan_id)
                                & (successors.c.indicator_id == pi.c.indicator_id)))
        .order_by(plans.c.region_code, pi.c.plan_id, pi.c.position)
    )
    # the target form of the few series that are not a plain path: a national run of paths reads no form column
    forms = select(pi.c.plan_id, pi.c.indicator_id, *[
        (cast(pi.c[name], Integer) if name in _FLAGS else pi.c[name]).label(name) for name in _FORM_FIELDS
    ]).select_from(pi.join(plans, plans.c.plan_id == pi.c.plan_id)).where(
        (pi.c.form != "path") | (pi.c.judged != "each_year") | (pi.c.strict == True)  # noqa: E712
        | (pi.c.about == True) | (pi.c.baseline_is_estimate == True)  # noqa: E712
        | pi.c.range_low.isnot(None) | pi.c.range_high.isnot(None) | pi.c.change_by.isnot(None)
        | pi.c.change_times.isnot(None) | pi.c.relative_to.isnot(None))
    m = milestones
    ms = select(m.c.plan_id, m.c.indicator_id, m.c.year, m.c.value)
    if plan_id:
        query, forms = query.where(pi.c.plan_id == plan_id), forms.where(pi.c.plan_id == plan_id)
        ms = ms.where(m.c.plan_id == plan_id)
    if region_codes is not None:
        query = query.where(plans.c.region_code.in_(region_codes))
        forms = forms.where(plans.c.region_code.in_(region_codes))
    if indicator_id:
        query, forms = query.where(pi.c.indicator_id == indicator_id), forms.where(pi.c.indicator_id == indicator_id)
        ms = ms.where(m.c.indicator_id == indicator_id)
    numbering = {numbers: categories(conn, numbers)
                 for numbers in (plan_numbers, region_numbers, indicator_numbers)}
    main_columns = [name for name in c.SERIES_COLUMNS if name not in _FORM_FIELDS]
    series = fetch_plain_frame(conn, query, main_columns)
    form_rows = fetch_plain_frame(conn, forms, [c.PLAN_ID, c.INDICATOR_ID, *_FORM_FIELDS])
    frame = fetch_plain_frame(conn, ms, c.MILESTONE_COLUMNS)
    check_unchanged(conn, numbering)
    plan_ids, indicator_ids = numbering[plan_numbers], numbering[indicator_numbers]
    # the keys come as text and take the database's numbering here: joining the numbering CTEs row by row lets
    # SQLite, once a user has run ANALYZE, scan a 2,844-row CTE for each of 113,760 series (30 s instead of 0.3)
    series = texts_to_categorical(series, {c.PLAN_ID: plan_ids, c.REGION_CODE: numbering[region_numbers],
                                           c.INDICATOR_ID: indicator_ids})
    # numbered here rather than by the database: nearly every text is distinct, and a numbering CTE of them cost
    # SQLite and PostgreSQL 0.7 s a national run (sorting them twice); -1: no text stored (a plan loaded before 0006)
    codes, texts = pd.factorize(series[c.TARGET_TEXT].to_numpy(dtype=object))
    series[c.TARGET_TEXT] = pd.Categorical.from_codes(codes, categories=texts)
    for col in (c.BASELINE, c.GROWTH_PERCENT, c.SUCCESSOR_START_YEAR):
        series[col] = pd.to_numeric(series[col], errors="coerce").astype(float)
    series = _with_forms(series, form_rows)
    return series, texts_to_categorical(frame, {c.PLAN_ID: plan_ids, c.INDICATOR_ID: indicator_ids})


_DEFAULTS = {c.FORM: "path", c.JUDGED: "each_year", c.STRICT: False, c.ABOUT: False, c.BASELINE_IS_ESTIMATE: False}
_FORM_FIELDS = [name for name in c.FORM_COLUMNS if name != c.TARGET_TEXT]  # same names in the table


def _with_forms(series: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """The series with their target-form columns: the defaults of a path, and the rows that say otherwise.

    form, judged and relation come as categoricals (a handful of values each), which the core maps without
    scanning 100,000 strings."""
    n = len(series)
    columns: dict[str, np.ndarray] = {}
    for name in _FORM_FIELDS:
        if name in _CHOICES:
            default = _CHOICES[name].index(_DEFAULTS[name]) if name in _DEFAULTS else -1
            columns[name] = np.full(n, default, dtype=np.int64)
        elif name in _FLAGS:
            columns[name] = np.zeros(n, dtype=bool)
        elif name == c.RELATIVE_TO:
            columns[name] = np.full(n, None, dtype=object)
        else:
            columns[name] = np.full(n, np.nan)
    if not rows.empty:
        size = len(series[c.INDICATOR_ID].cat.categories) + 1
        keys = pd.Index(series[c.PLAN_ID].cat.codes.to_numpy(np.int64) * size
                        + series[c.INDICATOR_ID].cat.codes.to_numpy(np.int64))
        plan_codes = series[c.PLAN_ID].cat.categories.get_indexer(rows[c.PLAN_ID].to_numpy(dtype=object))
        indicator_codes = series[c.INDICATOR_ID].cat.categories.get_indexer(
            rows[c.INDICATOR_ID].to_numpy(dtype=object))
        at = keys.get_indexer(np.where((plan_codes < 0) | (indicator_codes < 0), -1,
                                       plan_codes * size + indicator_codes))
        found = at >= 0
        for name in _FORM_FIELDS:
            values = rows[name].to_numpy()[found]
            if name in _CHOICES:
                values = np.asarray([_CHOICES[name].index(v) if v in _CHOICES[name] else -1 for v in values],
                                    dtype=np.int64)
            elif name in _FLAGS:
                values = values.astype(bool)
            elif name != c.RELATIVE_TO:
                values = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
            columns[name][at[found]] = values
    for name, values in columns.items():
        series[name] = pd.Categorical.from_codes(values, categories=_CHOICES[name]) if name in _CHOICES else values
    return series


_CHOICES = {c.FORM: ["path", "bound", "range", "relative", "annual"], c.JUDGED: ["each_year", "average", "final"],
            c.RELATION: ["above", "in_step"]}


def point_frame(conn: Connection, plan_id: str | None = None, indicator_id: str | None = None) -> pd.DataFrame:
    """Annual targets and rebases (:data:`columns.POINT_COLUMNS`) of the selected plans, as text keys."""
    p = plan_points
    query = select(p.c.plan_id, p.c.indicator_id, p.c.role, p.c.year, p.c.value)
    if plan_id:
        query = query.where(p.c.plan_id == plan_id)
    if indicator_id:
        query = query.where(p.c.indicator_id == indicator_id)
    frame = fetch_plain_frame(conn, query, c.POINT_COLUMNS)
    frame[c.VALUE] = frame[c.VALUE].astype(float)
    return frame
