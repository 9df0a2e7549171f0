"""Statuses, severities and the cut-offs of the status ladder (pace-method.md, "Status ladder")."""

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
