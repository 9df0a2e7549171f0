"""Hand-built assessment frames with the contract columns of issue 9 (phase, final verdicts, late figures,
succession), one row per plan × region × indicator, shaped as ``monitor.core.assess.assess`` returns them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from monitor.core import columns as c

CHENGKOU = {c.PLAN_ID: "chengkou-14th-sti", c.REGION_CODE: "500229", c.REGION_NAME: "城口县"}
CHENGKOU_15 = {c.PLAN_ID: "chengkou-15th-sti-example", c.REGION_CODE: "500229", c.REGION_NAME: "城口县"}
XIUSHAN = {c.PLAN_ID: "xiushan-14th-sti", c.REGION_CODE: "500241", c.REGION_NAME: "秀山土家族苗族自治县"}

_BASE: dict[str, Any] = {
    **CHENGKOU, c.INDICATOR_ID: "rd_intensity", c.INDICATOR_NAME: "研究与试验发展经费投入强度", c.UNIT: "%",
    c.DIRECTION: "higher", c.KIND: "level", c.TRAJECTORY: "linear", c.BINDING: None, c.BASELINE: 0.19,
    c.BASELINE_ESTIMATED: False, c.TARGET: 0.8, c.TARGET_YEAR: 2025,
}


def in_progress(**overrides: Any) -> dict[str, Any]:
    """2024 figure 0.42 against an expected 0.68: behind at 38.5 % of the way? No: pace as given (0.8 → behind)."""
    return {**_BASE, c.PHASE: "in_progress", c.PERIOD: "2024", c.T: 2025.0, c.EXPECTED: 0.678, c.ACTUAL: 0.6,
            c.GAP: -0.078, c.SHORTFALL: 0.078, c.PACE: 0.84, c.PROGRESS: 0.67, c.PROJECTED: 0.72,
            c.REQUIRED_RATE: 0.2, c.STATUS: "behind", c.SEVERITY: "warning", **overrides}


def not_started(**overrides: Any) -> dict[str, Any]:
    return {**_BASE, **CHENGKOU_15, c.TARGET: 1.2, c.TARGET_YEAR: 2030, c.PHASE: "not_started",
            c.STATUS: "not_assessable", c.SEVERITY: "ok", c.NOTE: "尚无规划期内数据", **overrides}


def awaiting_final(**overrides: Any) -> dict[str, Any]:
    return {**in_progress(), c.PHASE: "awaiting_final", c.PACE: 0.4, c.STATUS: "off_track",
            c.SEVERITY: "critical", c.NOTE: "终期数据尚未到报送期限（应于 2026-06-30 前报送）", **overrides}


def final(verdict: str = "missed", **overrides: Any) -> dict[str, Any]:
    """The frozen verdict of 2025 (docs/method.md: 0.42 against 0.8, 完成率 52.5 %)."""
    value = {"missed": 0.42, "achieved": 0.84, "no_data": None}[verdict]
    attainment = None if value is None else value / 0.8
    row = {**_BASE, c.PHASE: "final", c.PERIOD: None if value is None else "2025", c.ACTUAL: value,
           c.STATUS: verdict, c.SEVERITY: {"missed": "critical", "achieved": "ok", "no_data": "warning"}[verdict],
           c.FINAL_PERIOD: "2025", c.FINAL_YEAR: 2025, c.FINAL_TARGET: 0.8, c.FINAL_VALUE: value,
           c.FINAL_STATUS: verdict, c.ATTAINMENT: attainment,
           c.FINAL_SHORTFALL: None if value is None else 0.8 - value}
    if verdict == "no_data":
        row.update({c.DUE_PERIOD: "2025", c.DUE_DATE: "2026-06-30", c.LAST_PERIOD: "2024", c.LAST_VALUE: 0.6,
                    c.LAST_PACE: 0.84, c.LAST_STATUS: "behind"})
    return {**row, **overrides}


def continuing(verdict: str = "missed", **overrides: Any) -> dict[str, Any]:
    """Final, with a 2035 goal: until a 2026 figure counts, the row shows the 2025 verdict."""
    return {**final(verdict), c.PHASE: "continuing", c.TARGET: 2.0, c.TARGET_YEAR: 2035, **overrides}


def continuing_on(status: str = "behind", **overrides: Any) -> dict[str, Any]:
    """Continuing, judged on the 2035 segment from the 2025 value: the 2026 figure counts."""
    return continuing("missed", **{c.PERIOD: "2026", c.ACTUAL: 0.5, c.EXPECTED: 0.578, c.PACE: 0.5,
                                   c.STATUS: status, c.SEVERITY: "warning", **overrides})


def late(**overrides: Any) -> dict[str, Any]:
    """A running plan whose 2025 figure is overdue; the 2024 value was behind pace."""
    return {**_BASE, c.PHASE: "in_progress", c.STATUS: "no_data", c.SEVERITY: "warning", c.DUE_PERIOD: "2025",
            c.DUE_DATE: "2026-06-30", c.LAST_PERIOD: "2024", c.LAST_VALUE: 0.6, c.LAST_PACE: 0.84,
            c.LAST_STATUS: "behind", **overrides}


def frame(*rows: dict[str, Any]) -> pd.DataFrame:
    """An assessment frame of these rows, every column of ASSESSMENT_COLUMNS present (NaN / None when unset)."""
    data = pd.DataFrame([{name: row.get(name) for name in c.ASSESSMENT_COLUMNS} for row in rows],
                        columns=c.ASSESSMENT_COLUMNS)
    for name in (c.T, c.BASELINE, c.TARGET, c.EXPECTED, c.ACTUAL, c.GAP, c.SHORTFALL, c.PACE, c.PROGRESS,
                 c.PROJECTED, c.REQUIRED_RATE, c.FINAL_TARGET, c.FINAL_VALUE, c.ATTAINMENT, c.FINAL_SHORTFALL,
                 c.LAST_VALUE, c.LAST_PACE):
        data[name] = pd.to_numeric(data[name], errors="coerce").astype(float)
    data[c.TARGET_YEAR] = pd.array(data[c.TARGET_YEAR], dtype="Int64")
    data[c.FINAL_YEAR] = pd.array([np.nan if v is None else v for v in data[c.FINAL_YEAR]], dtype="Int64")
    return data
