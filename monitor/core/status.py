"""Statuses, severities and the cut-offs of the status ladder (docs/method.md, "Status ladder")."""

from __future__ import annotations

from dataclasses import dataclass

ACHIEVED = "achieved"
ON_TRACK = "on_track"
BEHIND = "behind"
OFF_TRACK = "off_track"
REGRESSING = "regressing"
MISSED = "missed"
NO_DATA = "no_data"
NOT_ASSESSABLE = "not_assessable"

STATUSES = (ACHIEVED, ON_TRACK, BEHIND, OFF_TRACK, REGRESSING, MISSED, NO_DATA, NOT_ASSESSABLE)

OK, WARNING, CRITICAL = "ok", "warning", "critical"
SEVERITIES = (OK, WARNING, CRITICAL)
SEVERITY_RANK = {OK: 0, WARNING: 1, CRITICAL: 2}

SEVERITY_OF = {
    ACHIEVED: OK,
    ON_TRACK: OK,
    NOT_ASSESSABLE: OK,
    BEHIND: WARNING,
    NO_DATA: WARNING,
    OFF_TRACK: CRITICAL,
    REGRESSING: CRITICAL,
    MISSED: CRITICAL,
}

# the plan-language labels of the Chongqing mid-term review, for reports
STATUS_LABEL = {
    ACHIEVED: "已完成",
    ON_TRACK: "达到时序进度",
    BEHIND: "基本达到，需加快",
    OFF_TRACK: "明显滞后",
    REGRESSING: "倒退",
    MISSED: "未完成",
    NO_DATA: "未报送",
    NOT_ASSESSABLE: "无法评估",
}
SEVERITY_LABEL = {OK: "正常", WARNING: "预警", CRITICAL: "严重"}


@dataclass(frozen=True)
class Thresholds:
    """Pace cut-offs: on_track at or above ``on_track``, behind at or above ``behind``, off_track at or above 0."""

    on_track: float = 0.95
    behind: float = 0.60

    def __post_init__(self) -> None:
        if not 0 <= self.behind <= self.on_track:
            raise ValueError("thresholds must satisfy 0 <= behind <= on_track")


# phases of a plan as of a date (docs/method.md, "Phases of a plan")
NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
AWAITING_FINAL = "awaiting_final"
FINAL = "final"
CONTINUING = "continuing"
PHASES = (NOT_STARTED, IN_PROGRESS, AWAITING_FINAL, FINAL, CONTINUING)
PHASE_LABEL = {
    NOT_STARTED: "尚未开始",
    IN_PROGRESS: "执行中",
    AWAITING_FINAL: "待终期数据",
    FINAL: "已结束",
    CONTINUING: "远景目标继续监测",
}

# final verdicts of a milestone (docs/method.md, "Final verdict of a milestone"); status values, other words
FINAL_STATUSES = (ACHIEVED, MISSED, NO_DATA)
FINAL_LABEL = {ACHIEVED: "已完成", MISSED: "未完成", NO_DATA: "终期值未报送"}
EXCEEDED_LABEL = "超额完成"


def final_label(final_status: str | None, exceeded: bool) -> str:
    """The verdict as a Chinese review prints it: 超额完成 when achieved beyond the target, else 已完成 …"""
    if final_status == ACHIEVED and exceeded:
        return EXCEEDED_LABEL
    return FINAL_LABEL.get(final_status or "", "")
