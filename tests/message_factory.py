"""Hand-built alerts and notifications for the message tests: realistic assessment records of 城口县 (500229) and
秀山土家族苗族自治县 (500241), shaped like ``monitor check --format json`` rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from monitor.alerts.model import Alert, fingerprint
from monitor.messages.model import AlertItem, Notification

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 7, 1, 9, 0, tzinfo=SHANGHAI)
STARTED = NOW - timedelta(days=12, hours=3)

CHENGKOU = {"plan_id": "chengkou-14th-sti", "region_code": "500229", "region_name": "城口县"}
XIUSHAN = {"plan_id": "xiushan-14th-sti", "region_code": "500241", "region_name": "秀山土家族苗族自治县"}


def rd_expenditure(**overrides: Any) -> dict[str, Any]:
    """城口县 R&D spending: a compound path, behind (pace 78.9%)."""
    return {**CHENGKOU, "indicator_id": "rd_expenditure", "indicator_name": "全社会研究与试验发展经费支出",
            "unit": "亿元", "direction": "higher", "kind": "level", "trajectory": "compound", "binding": None,
            "period": "2024", "t": 2025.0, "baseline": 0.1, "baseline_estimated": False, "target": 0.3,
            "target_year": 2025, "expected": 0.2408224685, "actual": 0.2, "gap": -0.0408224685,
            "shortfall": 0.0408224685, "pace": 0.788662192, "progress": 0.5, "projected": 0.237841423,
            "required_rate": 0.5, "status": "behind", "severity": "warning", "note": None, **overrides}


def high_tech(**overrides: Any) -> dict[str, Any]:
    """城口县 high-tech enterprises: a linear path, regressing (pace -41.7%)."""
    return {**CHENGKOU, "indicator_id": "high_tech_enterprises", "indicator_name": "高新技术企业", "unit": "家",
            "direction": "higher", "kind": "level", "trajectory": "linear", "binding": None, "period": "2024",
            "t": 2025.0, "baseline": 2.0, "baseline_estimated": False, "target": 5.0, "target_year": 2025,
            "expected": 4.4, "actual": 1.0, "gap": -3.4, "shortfall": 3.4, "pace": -0.4166666667,
            "progress": -0.3333333333, "projected": 0.75, "required_rate": 4.0, "status": "regressing",
            "severity": "critical", "note": None, **overrides}


def patents(**overrides: Any) -> dict[str, Any]:
    """秀山县 invention patents per 10,000 people: linear, behind (pace 70.0%)."""
    return {**XIUSHAN, "indicator_id": "invention_patents_per_10k", "indicator_name": "每万人发明专利拥有量",
            "unit": "件", "direction": "higher", "kind": "level", "trajectory": "linear", "binding": None,
            "period": "2024", "t": 2025.0, "baseline": 0.3, "baseline_estimated": False, "target": 1.3,
            "target_year": 2025, "expected": 1.1, "actual": 0.86, "gap": -0.24, "shortfall": 0.24, "pace": 0.7,
            "progress": 0.56, "projected": 0.93, "required_rate": 0.44, "status": "behind",
            "severity": "warning", "note": None, **overrides}


def xiushan_high_tech(**overrides: Any) -> dict[str, Any]:
    """秀山县 high-tech enterprises: off track (pace 31.2%)."""
    return {**XIUSHAN, "indicator_id": "high_tech_enterprises", "indicator_name": "有效期内高新技术企业",
            "unit": "家", "direction": "higher", "kind": "level", "trajectory": "linear", "binding": None,
            "period": "2024", "t": 2025.0, "baseline": 8.0, "baseline_estimated": False, "target": 100.0,
            "target_year": 2025, "expected": 81.6, "actual": 31.0, "gap": -50.6, "shortfall": 50.6,
            "pace": 0.3125, "progress": 0.25, "projected": 36.75, "required_rate": 69.0, "status": "off_track",
            "severity": "critical", "note": None, **overrides}


def not_reported(**overrides: Any) -> dict[str, Any]:
    """城口县 incubation platforms: nothing reported yet."""
    return {**CHENGKOU, "indicator_id": "incubation_platforms", "indicator_name": "孵化平台数", "unit": "个",
            "direction": "higher", "kind": "level", "trajectory": "linear", "binding": None, "period": None,
            "t": None, "baseline": 1.0, "baseline_estimated": False, "target": 2.0, "target_year": 2025,
            "expected": None, "actual": None, "gap": None, "shortfall": None, "pace": None, "progress": None,
            "projected": None, "required_rate": None, "status": "no_data", "severity": "warning", "note": None,
            **overrides}


def alert(row: dict[str, Any], *, severity: str | None = None, summary: str | None = None) -> Alert:
    severity = severity or row["severity"]
    return Alert(
        fingerprint=fingerprint(row["plan_id"], row["region_code"], row["indicator_id"], "pace"),
        rule_id="pace",
        severity=severity,
        summary=summary if summary is not None else f"{row['indicator_name']}落后于序时进度",
        labels={"plan": row["plan_id"], "region": row["region_name"], "region_code": row["region_code"],
                "indicator": row["indicator_id"], "kind": row["kind"], "binding": row["binding"] or "",
                "status": row["status"], "severity": severity, "rule": "pace"},
        assessment=row,
    )


def firing(row: dict[str, Any], *, new: bool = False, starts_at: datetime = STARTED) -> AlertItem:
    return AlertItem(alert(row), "firing", starts_at, new=new)


def resolved(row: dict[str, Any], *, ends_at: datetime = NOW - timedelta(hours=1),
             was: str = "warning") -> AlertItem:
    return AlertItem(alert(row, severity=was), "resolved", STARTED, ends_at)


def notification(kind: str, items: list[AlertItem], *, region: str | None = "城口县",
                 extra: dict[str, Any] | None = None, now: datetime = NOW) -> Notification:
    return Notification(kind=kind, receiver="城口县科技局", group_labels={"region": region} if region else {},
                        items=items, now=now, extra=extra or {})


def chengkou_firing() -> Notification:
    """The usual case: two 城口县 indicators behind, one of them critical, one new."""
    return notification("firing", [firing(rd_expenditure(), new=True), firing(high_tech())])


def digest_extra() -> dict[str, Any]:
    return {
        "as_of": NOW.date(),
        "counts": {
            "城口县": {"achieved": 4, "on_track": 9, "behind": 5, "off_track": 1, "regressing": 1, "no_data": 6},
            "秀山土家族苗族自治县": {"achieved": 3, "on_track": 8, "behind": 6, "off_track": 2, "no_data": 19},
        },
        "worst": [rd_expenditure(), xiushan_high_tech(), high_tech()],
        "missing": [
            {"region_name": "秀山土家族苗族自治县", "indicator_name": "亩均税收", "period": "2024",
             "due_date": "2025-03-31", "days_overdue": 92},
            {"region_name": "城口县", "indicator_name": "孵化平台数", "period": "2024", "due_date": "2025-03-31",
             "days_overdue": 92},
        ],
    }


def final_verdict(row: dict[str, Any], verdict: str, value: float | None, **overrides: Any) -> dict[str, Any]:
    """``row`` a year after its plan ended: the frozen verdict of its 2025 target (phase final)."""
    target = row["target"]
    attainment = None if value is None else value / target
    return {**row, "phase": "final", "period": None if value is None else "2025", "actual": value,
            "expected": None, "gap": None, "shortfall": None, "pace": None, "projected": None,
            "required_rate": None, "status": verdict, "final_period": "2025", "final_year": 2025,
            "final_target": target, "final_value": value, "final_status": verdict, "attainment": attainment,
            "final_shortfall": None if value is None else target - value, **overrides}


def announced(row: dict[str, Any], *, new: bool = True) -> AlertItem:
    """The final-review announcement of a final row, labelled as ``announce: final`` rules label theirs."""
    base = alert(row, severity="warning", summary=f"{row['indicator_name']}终期评估")
    labels = {**base.labels, "rule": "final-review", "announce": "final", "phase": row.get("phase", "final")}
    verdict = f"final-review:{row['final_status']}"
    item = Alert(fingerprint(row["plan_id"], row["region_code"], row["indicator_id"], verdict), "final-review",
                 "warning", base.summary, labels, row)
    return AlertItem(item, "firing", NOW, new=new)


def chengkou_final() -> Notification:
    """城口县's final review: R&D spending missed (0.25 of 0.3), high-tech enterprises exceeded (6 of 5)."""
    return notification("final", [announced(final_verdict(rd_expenditure(), "missed", 0.25)),
                                  announced(final_verdict(high_tech(binding="binding"), "achieved", 6.0))],
                        extra={"plan_names": {"chengkou-14th-sti": "城口县“十四五”科技创新规划"}},
                        now=NOW.replace(year=2026, month=7, day=15))
