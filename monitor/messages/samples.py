"""Sample notifications that exercise every branch of the templates: ``validate_templates`` renders them at
start-up so a broken user template is found before the first real alert, and docs/templates.md shows them.

The figures are the illustrative sample actuals of config/samples judged as of 1 July 2025, not real statistics.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from monitor.alerts.model import Alert, fingerprint
from monitor.messages.model import AlertItem, Kind, Notification

SHANGHAI = ZoneInfo("Asia/Shanghai")
SAMPLE_NOW = datetime(2025, 7, 1, 9, 0, tzinfo=SHANGHAI)

CHENGKOU = {"plan_id": "chengkou-14th-sti", "region_code": "500229", "region_name": "城口县"}
XIUSHAN = {"plan_id": "xiushan-14th-sti", "region_code": "500241", "region_name": "秀山土家族苗族自治县"}

_ROWS: list[dict[str, Any]] = [
    {**CHENGKOU, "indicator_id": "rd_expenditure", "indicator_name": "全社会研究与试验发展经费支出", "unit": "亿元",
     "direction": "higher", "kind": "level", "trajectory": "compound", "binding": None, "period": "2024",
     "t": 2025.0, "baseline": 0.1, "baseline_estimated": False, "target": 0.3, "target_year": 2025,
     "expected": 0.2408224685, "actual": 0.2, "gap": -0.0408224685, "shortfall": 0.0408224685,
     "pace": 0.788662192, "progress": 0.5, "projected": 0.237841423, "required_rate": 0.5, "status": "behind",
     "severity": "warning", "note": None},
    {**CHENGKOU, "indicator_id": "high_tech_enterprises", "indicator_name": "国家高新技术企业数", "unit": "家",
     "direction": "higher", "kind": "level", "trajectory": "linear", "binding": "expected", "period": "2024",
     "t": 2025.0, "baseline": 2.0, "baseline_estimated": False, "target": 5.0, "target_year": 2025,
     "expected": 4.4, "actual": 1.0, "gap": -3.4, "shortfall": 3.4, "pace": -0.4166666667,
     "progress": -0.3333333333, "projected": 0.75, "required_rate": 4.0, "status": "regressing",
     "severity": "critical", "note": None},
    {**CHENGKOU, "indicator_id": "invention_patents_per_10k", "indicator_name": "万人有效发明专利拥有量",
     "unit": "件", "direction": "higher", "kind": "level", "trajectory": "linear", "binding": None,
     "period": "2024", "t": 2025.0, "baseline": 0.5, "baseline_estimated": True, "target": 1.5,
     "target_year": 2025, "expected": 1.3, "actual": 1.1, "gap": -0.2, "shortfall": 0.2, "pace": 0.75,
     "progress": 0.6, "projected": 1.25, "required_rate": 0.8, "status": "behind", "severity": "warning",
     "note": "基期值未知，以首个报送值为基期"},
    {**CHENGKOU, "indicator_id": "incubation_platforms", "indicator_name": "孵化平台数", "unit": "个",
     "direction": "higher", "kind": "level", "trajectory": "linear", "binding": None, "period": None, "t": None,
     "baseline": 1.0, "baseline_estimated": False, "target": 2.0, "target_year": 2025, "expected": None,
     "actual": None, "gap": None, "shortfall": None, "pace": None, "progress": None, "projected": None,
     "required_rate": None, "status": "no_data", "severity": "warning", "note": None},
    {**XIUSHAN, "indicator_id": "high_tech_enterprises", "indicator_name": "有效期内高新技术企业", "unit": "家",
     "direction": "higher", "kind": "level", "trajectory": "linear", "binding": None, "period": "2024",
     "t": 2025.0, "baseline": 8.0, "baseline_estimated": False, "target": 100.0, "target_year": 2025,
     "expected": 81.6, "actual": 31.0, "gap": -50.6, "shortfall": 50.6, "pace": 0.3125, "progress": 0.25,
     "projected": 36.75, "required_rate": 69.0, "status": "off_track", "severity": "critical", "note": None},
]
# the incubation platforms are late: the 2024 figure was due on 2025-03-31, the 2023 one was behind pace
_ROWS[3].update({"due_period": "2024", "due_date": "2025-03-31", "last_period": "2023", "last_value": 1.4,
                 "last_pace": 0.6666666667, "last_status": "behind"})

# a year after the plan: the final verdicts of 城口县's 十四五 plan (the R&D intensity is the example of docs/method.md)
FINAL_NOW = datetime(2026, 7, 15, 9, 0, tzinfo=SHANGHAI)
_FINAL = {**CHENGKOU, "kind": "level", "direction": "higher", "trajectory": "linear", "phase": "final",
          "period": "2025", "final_period": "2025", "final_year": 2025, "target_year": 2025, "severity": "ok"}
_FINAL_ROWS: list[dict[str, Any]] = [
    {**_FINAL, "indicator_id": "rd_intensity", "indicator_name": "研究与试验发展经费投入强度", "unit": "%",
     "binding": "binding", "phase": "continuing", "baseline": 0.19, "target": 0.8, "final_target": 0.8,
     "actual": 0.42, "final_value": 0.42, "status": "missed", "final_status": "missed", "attainment": 0.525,
     "final_shortfall": 0.38, "severity": "critical"},
    {**_FINAL, "indicator_id": "high_tech_enterprises", "indicator_name": "国家高新技术企业数", "unit": "家",
     "binding": "expected", "baseline": 2.0, "target": 5.0, "final_target": 5.0, "actual": 6.0, "final_value": 6.0,
     "status": "achieved", "final_status": "achieved", "attainment": 1.2, "final_shortfall": -1.0},
    {**_FINAL, "indicator_id": "sti_projects", "indicator_name": "开展科技项目", "unit": "项", "kind": "cumulative",
     "binding": "binding", "baseline": 0.0, "target": 30.0, "final_target": 30.0, "actual": 30.0,
     "final_value": 30.0, "status": "achieved", "final_status": "achieved", "attainment": 1.0,
     "final_shortfall": 0.0},
    {**_FINAL, "indicator_id": "incubation_platforms", "indicator_name": "孵化平台数", "unit": "个", "binding": None,
     "period": None, "baseline": 1.0, "target": 2.0, "final_target": 2.0, "actual": None, "final_value": None,
     "status": "no_data", "final_status": "no_data", "attainment": None, "severity": "warning",
     "due_period": "2025", "due_date": "2026-06-30", "last_period": "2024", "last_value": 1.0,
     "last_status": "behind"},
]

# two 城口县 alerts that cleared: the assessment is the latest one, now on track
_RECOVERED: list[dict[str, Any]] = [
    {**_ROWS[2], "actual": 1.3, "gap": 0.0, "shortfall": 0.0, "pace": 1.0, "progress": 0.8, "projected": 1.5,
     "required_rate": 0.2, "status": "on_track", "severity": "ok", "note": None, "baseline_estimated": False},
    {**CHENGKOU, "indicator_id": "sti_projects", "indicator_name": "开展科技项目", "unit": "项", "direction": "higher",
     "kind": "cumulative", "trajectory": "linear", "binding": None, "period": "2025Q2", "t": 2025.5,
     "baseline": 0.0, "baseline_estimated": False, "target": 30.0, "target_year": 2025, "expected": 27.0,
     "actual": 26.0, "gap": -1.0, "shortfall": 1.0, "pace": 0.962962963, "progress": 0.8666666667,
     "projected": 28.9, "required_rate": 8.0, "status": "on_track", "severity": "ok", "note": None},
]

_SUMMARY = {
    "behind": "{indicator_name}低于序时进度",
    "off_track": "{indicator_name}明显滞后于序时进度",
    "regressing": "{indicator_name}较基期倒退",
    "no_data": "{indicator_name}未按期报送",
}


def sample_final_alert(row: dict[str, Any], rule_id: str = "final-review") -> Alert:
    """A final-verdict announcement for one final row, labelled as ``announce: final`` rules label theirs."""
    alert = sample_alert(row, rule_id, severity="warning")
    verdict = f"{rule_id}:{row['final_status']}"
    return Alert(fingerprint(row["plan_id"], row["region_code"], row["indicator_id"], verdict), rule_id,
                 "warning", f"{row['indicator_name']}终期评估", {**alert.labels, "phase": row["phase"],
                                                                  "announce": "final"}, dict(row))


def sample_alert(row: dict[str, Any], rule_id: str = "pace", severity: str | None = None,
                 status: str | None = None) -> Alert:
    """An alert for one assessment record, labelled as the rules label theirs; ``severity`` and ``status`` are
    the alert's (for a resolved alert: what they were while it fired), the row's own by default."""
    severity = severity or row["severity"]
    status = status or row["status"]
    return Alert(
        fingerprint=fingerprint(row["plan_id"], row["region_code"], row["indicator_id"], rule_id),
        rule_id=rule_id,
        severity=severity,
        summary=_SUMMARY.get(status, "{indicator_name}").format(**row),
        labels={"plan": row["plan_id"], "region": row["region_name"], "region_code": row["region_code"],
                "indicator": row["indicator_id"], "kind": row["kind"], "binding": row["binding"] or "",
                "status": status, "severity": severity, "rule": rule_id},
        assessment=dict(row),
    )


def sample_extra() -> dict[str, Any]:
    """A digest's ``extra`` as docs/templates.md describes it."""
    return {
        "as_of": SAMPLE_NOW.date(),
        "counts": {
            "城口县": {"achieved": 4, "on_track": 9, "behind": 5, "off_track": 1, "regressing": 1, "no_data": 6,
                      "not_assessable": 1},
            "秀山土家族苗族自治县": {"achieved": 3, "on_track": 8, "behind": 6, "off_track": 2, "regressing": 1,
                           "no_data": 19},
        },
        "worst": [_ROWS[1], _ROWS[4], _ROWS[0]],
        "missing": [
            {"region_name": "城口县", "indicator_name": "孵化平台数", "period": "2024", "due_date": "2025-03-31",
             "days_overdue": 92},
            {"region_name": "秀山土家族苗族自治县", "indicator_name": "亩均税收", "period": "2024",
             "due_date": "2025-03-31", "days_overdue": 92},
        ],
    }


def sample_notification(kind: Kind, now: datetime = SAMPLE_NOW) -> Notification:
    """A realistic notification of ``kind`` for 城口县 (the digest spans both counties; the final review is of
    城口县's 十四五 plan, as of ``FINAL_NOW`` when ``now`` is left as it is)."""
    if kind == "final":
        now = FINAL_NOW if now == SAMPLE_NOW else now
        items = [AlertItem(sample_final_alert(row), "firing", now, new=True) for row in _FINAL_ROWS]
        return Notification(kind="final", receiver="城口县科技局", group_labels={"region": "城口县", "plan":
                            "chengkou-14th-sti"}, items=items, now=now,
                            extra={"plan_names": {"chengkou-14th-sti": "城口县“十四五”科技创新规划"}})
    started = now - timedelta(days=12, hours=3)
    chengkou = [row for row in _ROWS if row["region_code"] == "500229"]
    cleared = [sample_alert(row, severity="warning", status="behind") for row in _RECOVERED]
    if kind == "resolved":
        items = [AlertItem(alert, "resolved", started, now - timedelta(hours=1)) for alert in cleared]
    elif kind == "digest":
        items = []
    else:
        firing = [row for row in chengkou if row["indicator_id"] != "invention_patents_per_10k"]
        items = [AlertItem(sample_alert(row), "firing", started, new=(kind == "firing" and i == 0))
                 for i, row in enumerate(firing)]
        if kind == "firing":  # a firing message also says what cleared since the last one
            items.append(AlertItem(cleared[0], "resolved", started, now - timedelta(hours=2)))
    group = {} if kind == "digest" else {"region": "城口县"}
    extra = sample_extra() if kind == "digest" else {}
    return Notification(kind=kind, receiver="城口县科技局", group_labels=group, items=items, now=now, extra=extra)
