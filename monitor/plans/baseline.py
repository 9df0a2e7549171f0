"""`monitor plans check` against the reported figures: each plan's baseline beside the baseline-year value.

The rule for a baseline (docs/plan-format.md): a stated baseline is compared with the value reported for the
baseline year; an unknown one ("/", `baseline: null`) is that value, failing that the first value of a period after
the baseline year, never a value from before it.

Pure: takes plans and a frame of current values (monitor.storage.baseline_values), returns findings in Chinese.
"""

from __future__ import annotations

import pandas as pd

from monitor.plans.check import INFO, WARNING, Finding, _agree, _fmt
from monitor.plans.model import Indicator, Kind, Plan


def baseline_findings(plans: list[Plan], values: pd.DataFrame) -> list[Finding]:
    """Findings for every level and growth-rate indicator with reported values; ``values`` has the columns
    region_code, indicator_id, period (canonical label), year_end (bool) and value, oldest period first."""
    if values.empty:
        return []
    frame = values.assign(year=values["period"].astype(str).str[:4].astype(int))  # labels: 2024, 2024Q1, 2024-01
    groups = {key: part for key, part in frame.groupby(["region_code", "indicator_id"], sort=False)}
    findings: list[Finding] = []
    for plan in plans:
        for ind in plan.indicators:
            part = groups.get((plan.region.code, ind.id))
            if part is None or ind.kind is Kind.cumulative:
                continue  # a cumulative indicator counts from 0 at the plan start
            message = _finding(plan, ind, part)
            if message:
                level, text = message
                findings.append(Finding(level, plan.id, ind.id, f"{ind.name}：{text}"))
    return findings


def _finding(plan: Plan, ind: Indicator, part: pd.DataFrame) -> tuple[str, str] | None:
    year = plan.baseline_year
    at_year = part[(part["year"] == year) & part["year_end"].astype(bool)]
    if not at_year.empty:
        annual = at_year[at_year["period"] == str(year)]
        value = float((annual if not annual.empty else at_year)["value"].iloc[-1])
        if ind.baseline is None:
            return INFO, f"基期值取{year}年报送值{_fmt(value)}{ind.unit}"
        if not _agree(value, ind.baseline):
            return WARNING, (f"基期值与统计数据不一致：规划为{_fmt(ind.baseline)}{ind.unit}，"
                             f"{year}年报送值为{_fmt(value)}{ind.unit}")
        return None
    if ind.baseline is not None:
        return None
    if (part["year"] > year).any():
        return None  # the first value after the baseline year becomes the baseline, as the rule says
    before = part[part["year"] < year]
    if not before.empty:
        last = before.iloc[-1]
        return WARNING, (f"基期值未知，且只有基期年（{year}年）之前的报送值（最近为{_period(last['period'])}"
                         f"{_fmt(float(last['value']))}{ind.unit}），不能作为基期；请报送{year}年数据")
    return None


def _period(label: str) -> str:
    return f"{label}年" if label.isdigit() else label
