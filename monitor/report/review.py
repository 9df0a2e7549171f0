"""The final review (终期评估) of ended plans: each indicator's verdict and the counts per region × plan.

Pure aggregation over the assessment frame (:data:`monitor.core.columns.ASSESSMENT_COLUMNS`). Only rows whose plan's
last milestone is settled count: phase ``final`` or ``continuing``. The arithmetic is in docs/method.md, "Final
verdict of a milestone":

- each indicator: target, final value, verdict (已完成 / 超额完成 / 未完成 / 终期值未报送), 完成率 and shortfall;
- per region × plan: 完成 n / 未完成 m / 未报送 k, and 指标完成率 = 完成 ÷ 已评判, where 已评判 = 完成 + 未完成
  (an indicator whose final figure was not reported is counted apart, not as missed);
- the same for the 约束性 (binding) indicators alone.

Fractions stay fractions in JSON and CSV (``attainment`` 0.525, ``completion_rate`` 0.75); the table prints percents.
"""

from __future__ import annotations

import io
import math
from typing import Any

import orjson
import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text

from monitor.core import columns as c
from monitor.core import status as st
from monitor.report.check import _number, records
from monitor.report.check import _percent as percent

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


def to_csv(frame: pd.DataFrame) -> str:
    """One row per indicator, with its region and plan."""
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
        table = Table(title=title, title_justify="left")
        for header, justify in (("统计指标", "left"), ("单位", "left"), ("目标", "right"), ("终期值", "right"),
                                ("完成情况", "left"), ("完成率", "right"), ("差距", "right")):
            table.add_column(header, justify=justify, overflow="fold")
        for r in part.to_dict("records"):
            name = r[c.INDICATOR_NAME] + ("（约束性）" if r[IS_BINDING] else "")
            table.add_row(name, r[c.UNIT] or "", _number(r[c.FINAL_TARGET]), _number(r[c.FINAL_VALUE]),
                          Text(r[VERDICT], style=_COLOURS.get(r[c.FINAL_STATUS], "")), percent(r[c.ATTAINMENT]),
                          _number(r[c.FINAL_SHORTFALL]))
        console.print(table)
        console.print(f"共 {summary['total']} 项：{counts_line(summary)}。")
        console.print(f"{binding_line(summary)}。")
        console.print("差距：终期值距目标还差的量，单位同指标（正数为未达到，负数为超出目标）。\n")
