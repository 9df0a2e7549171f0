"""The final review (终期评估) of ended plans: each indicator's verdict and the counts per region × plan.

Pure aggregation over the assessment frame (:data:`monitor.core.columns.ASSESSMENT_COLUMNS`). Only rows whose plan's
last milestone is settled count: phase ``final`` or ``continuing``. The arithmetic is in docs/method.md, "Final
verdict of a milestone":

- each indicator: target, final value, verdict (已完成 / 超额完成 / 未完成 / 终期值未报送), 完成率 and shortfall;
- per region × plan: 完成 n / 未完成 m / 未报送 k, and 指标完成率 = 完成 ÷ 已评判, where 已评判 = 完成 + 未完成
  (an indicator whose final figure was not reported is counted apart, not as missed);
- the same for the 约束性 (binding) indicators alone.

Fractions stay fractions in JSON and the raw CSV (``attainment`` 0.525, ``completion_rate`` 0.75); the table and
the planner's CSV (BOM, Chinese headers) print percents, figures at the plan's precision and 落后 / 领先.
"""

from __future__ import annotations

import io
import math
from typing import Any

import orjson
import pandas as pd
from rich.console import Console

from monitor.core import columns as c
from monitor.core import status as st
from monitor.report.cells import percent
from monitor.report.check import planner_csv, records
from monitor.report.figures import MISSING, behind_ahead, frame_digits, number
from monitor.report.table import fitted_table

SETTLED_PHASES = (st.FINAL, st.CONTINUING)
GROUP = [c.REGION_CODE, c.PLAN_ID]

# derived columns of the per-indicator frame
VERDICT = "verdict"  # the Chinese label: 已完成, 超额完成, 未完成, 终期值未报送
EXCEEDED = c.EXCEEDED  # achieved beyond the target (and beyond a 左右 target's tolerance)
IS_BINDING = "is_binding"

INDICATOR_FIELDS = [
    c.INDICATOR_ID, c.INDICATOR_NAME, c.UNIT, c.BINDING, c.PHASE, c.FINAL_PERIOD, c.FINAL_TARGET, c.FINAL_VALUE,
    c.FINAL_STATUS, VERDICT, EXCEEDED, c.ATTAINMENT, c.FINAL_SHORTFALL, c.SUCCEEDED_BY,
]
CSV_COLUMNS = [c.REGION_CODE, c.REGION_NAME, c.PLAN_ID, *INDICATOR_FIELDS]
COUNTS = ["total", "achieved", "exceeded", "missed", "no_data", "judged", "completion_rate"]
SUMMARY_COLUMNS = [c.REGION_CODE, c.REGION_NAME, c.PLAN_ID, c.FINAL_PERIOD, *COUNTS,
                   *(f"binding_{name}" for name in COUNTS)]

# (key, header, justify, priority) of the table; see monitor.report.table.fitted_table
TABLE_COLUMNS = (("name", "统计指标", "left", 0), ("unit", "单位", "left", 3), ("target", "目标", "right", 2),
                 ("value", "终期值", "right", 1), ("verdict", "完成情况", "left", 0), ("attainment", "完成率", "right", 2),
                 ("lag", "落后/领先", "right", 1))
_COLOURS = {st.ACHIEVED: "green", st.MISSED: "bold red", st.NO_DATA: "yellow"}


def settled(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of plans whose last milestone is settled, by region and plan, with the verdict label added."""
    rows = frame.loc[frame[c.PHASE].isin(SETTLED_PHASES)]
    rows = rows.sort_values(GROUP, kind="stable").reset_index(drop=True)
    achieved = (rows[c.FINAL_STATUS] == st.ACHIEVED).to_numpy()
    if c.EXCEEDED in rows:  # the core's: beyond the target's tolerance (a 左右 target inside it is 完成, not 超额)
        exceeded = achieved & rows[c.EXCEEDED].fillna(False).to_numpy(dtype=bool)
    else:
        exceeded = achieved & (pd.to_numeric(rows[c.ATTAINMENT], errors="coerce") > 1.0 + 1e-9).to_numpy()
    labels = [st.final_label(status, bool(more)) for status, more in zip(rows[c.FINAL_STATUS], exceeded)]
    return rows.assign(**{VERDICT: labels, EXCEEDED: exceeded, IS_BINDING: (rows[c.BINDING] == "binding").to_numpy()})


def summaries(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per region × plan of :func:`settled` rows: the counts, for all indicators and for binding ones."""
    if rows.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    flags = pd.DataFrame({
        "total": True,
        "achieved": rows[c.FINAL_STATUS] == st.ACHIEVED,
        "exceeded": rows[EXCEEDED],
        "missed": rows[c.FINAL_STATUS] == st.MISSED,
        "no_data": rows[c.FINAL_STATUS] == st.NO_DATA,
    }).astype(int)
    binding = flags.mul(rows[IS_BINDING].astype(int), axis=0).add_prefix("binding_")
    keys = rows[GROUP]
    counts = pd.concat([keys, flags, binding], axis=1).groupby(GROUP, sort=False).sum()
    first = rows.groupby(GROUP, sort=False)[[c.REGION_NAME, c.FINAL_PERIOD]].first()
    out = first.join(counts)
    for prefix in ("", "binding_"):
        judged = out[f"{prefix}achieved"] + out[f"{prefix}missed"]
        out[f"{prefix}judged"] = judged
        out[f"{prefix}completion_rate"] = (out[f"{prefix}achieved"] / judged.where(judged > 0)).astype(float)
    return out.reset_index()[SUMMARY_COLUMNS]


def review_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready objects, one per region × plan: the counts and the ``indicators`` list."""
    rows = settled(frame)
    indicators: dict[tuple, list[dict[str, Any]]] = {}
    for record in _indicator_records(rows):
        indicators.setdefault((record[c.REGION_CODE], record[c.PLAN_ID]), []).append(
            {name: record[name] for name in INDICATOR_FIELDS})
    out = []
    for summary in summaries(rows).to_dict("records"):
        key = (summary[c.REGION_CODE], summary[c.PLAN_ID])
        item: dict[str, Any] = {name: summary[name] for name in (c.REGION_CODE, c.REGION_NAME, c.PLAN_ID)}
        item[c.FINAL_PERIOD] = summary[c.FINAL_PERIOD]
        item |= {name: _plain(summary[name]) for name in COUNTS}
        item["binding"] = {name: _plain(summary[f"binding_{name}"]) for name in COUNTS}
        item["indicators"] = indicators[key]
        out.append(item)
    return out


def to_json(frame: pd.DataFrame) -> bytes:
    return orjson.dumps(review_records(frame), option=orjson.OPT_INDENT_2)


BINDING_LABEL = {"binding": "约束性", "expected": "预期性"}
PLANNER_HEADERS = ["地区代码", "地区", "规划", "指标代码", "统计指标", "单位", "指标属性", "终期", "目标", "终期值",
                   "完成情况", "完成率", "落后/领先", "接续规划"]


def to_csv(frame: pd.DataFrame) -> str:
    """The planner's CSV (`--format csv`): BOM, Chinese headers and verdicts, one row per indicator, figures at the
    precision the plan prints and the shortfall as 落后 / 领先, as the table shows them."""
    rows = settled(frame)
    out = []
    for r, d in zip(rows.to_dict("records"), frame_digits(rows)):
        out.append([r[c.REGION_CODE], r[c.REGION_NAME], r[c.PLAN_ID], r[c.INDICATOR_ID], r[c.INDICATOR_NAME],
                    r[c.UNIT], BINDING_LABEL.get(r[c.BINDING], MISSING), r[c.FINAL_PERIOD],
                    number(r[c.FINAL_TARGET], d).replace(",", ""), number(r[c.FINAL_VALUE], d).replace(",", ""),
                    r[VERDICT], percent(r[c.ATTAINMENT]), behind_ahead(r[c.FINAL_SHORTFALL], r[c.UNIT], int(d)),
                    _text(r.get(c.SUCCEEDED_BY))])
    return planner_csv(PLANNER_HEADERS, out)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def to_csv_raw(frame: pd.DataFrame) -> str:
    """The machine-readable CSV (`--format csv-raw`): one row per indicator, with its region and plan, English
    headers, UTF-8 without BOM."""
    buffer = io.StringIO()
    pd.DataFrame(_indicator_records(settled(frame)), columns=CSV_COLUMNS).to_csv(
        buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def _indicator_records(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """The settled rows as plain dicts (NaN as None, floats rounded as in `monitor check`), with the label."""
    plain = records(rows)
    for record, verdict, exceeded in zip(plain, rows[VERDICT], rows[EXCEEDED]):
        record[VERDICT] = verdict or None
        record[EXCEEDED] = bool(exceeded)
    return plain


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 10)
    return value.item() if hasattr(value, "item") else value


def counts_line(summary: dict[str, Any]) -> str:
    """完成 n 项（其中超额完成 x 项）/ 未完成 m 项 / 未报送 k 项；指标完成率 …"""
    done = f"完成 {summary['achieved']} 项"
    if summary["exceeded"]:
        done += f"（其中超额完成 {summary['exceeded']} 项）"
    rate = percent(summary["completion_rate"])
    return (f"{done} / 未完成 {summary['missed']} 项 / 未报送 {summary['no_data']} 项；"
            f"指标完成率 {rate}（完成 {summary['achieved']} ÷ 已评判 {summary['judged']}；"
            f"已评判 = 完成 + 未完成，终期值未报送的不计入）")


def binding_line(summary: dict[str, Any]) -> str:
    """约束性指标 7 项全部完成, or the counts of the binding indicators."""
    total = summary["binding_total"]
    if not total:
        return "本规划未标注约束性指标"
    if summary["binding_achieved"] == total:
        return f"约束性指标 {total} 项全部完成"
    return (f"约束性指标 {total} 项：完成 {summary['binding_achieved']} 项 / 未完成 {summary['binding_missed']} 项 / "
            f"未报送 {summary['binding_no_data']} 项；完成率 {percent(summary['binding_completion_rate'])}")


def to_table(frame: pd.DataFrame, console: Console) -> None:
    """One table per region × plan, then its counts and the binding indicators' counts."""
    rows = settled(frame)
    parts = rows.groupby(GROUP, sort=False)
    for summary, (_, part) in zip(summaries(rows).to_dict("records"), parts):
        title = (f"{summary[c.REGION_NAME]}（{summary[c.REGION_CODE]}）  {summary[c.PLAN_ID]}  "
                 f"终期评估（{summary[c.FINAL_PERIOD]} 年）")
        cells, styles = [], []
        for r, d in zip(part.to_dict("records"), frame_digits(part)):
            cells.append({
                "name": r[c.INDICATOR_NAME] + ("（约束性）" if r[IS_BINDING] else ""), "unit": r[c.UNIT] or "",
                "target": number(r[c.FINAL_TARGET], d), "value": number(r[c.FINAL_VALUE], d),
                "verdict": r[VERDICT], "attainment": percent(r[c.ATTAINMENT]),
                "lag": behind_ahead(r[c.FINAL_SHORTFALL], r[c.UNIT], int(d)),
            })
            styles.append(_COLOURS.get(r[c.FINAL_STATUS], ""))
        table, left_out = fitted_table(title, cells, console.width, columns=TABLE_COLUMNS,
                                       text_columns={"name": 10}, styles=styles, style_key="verdict")
        console.print(table)
        console.print(f"共 {summary['total']} 项：{counts_line(summary)}。")
        console.print(f"{binding_line(summary)}。")
        if left_out:
            console.print(f"终端宽度不足，未显示：{'、'.join(left_out)}（加宽终端，或用 --format csv 查看全部列）。")
        console.print("落后/领先：终期值距目标的差，单位同指标（百分比指标为个百分点）；位次等越低越好的指标同样以落后表示"
                      "未达到目标。\n")
