"""The three progress figures a plan office reads side by side (docs/method.md, "时间进度, 完成进度, 序时完成率").

- 时间进度 (`elapsed`): the share of the judged stretch of the path whose time has passed when the reported period
  ends: a 2023 figure on a 2020 → 2025 plan is 60 %.
- 完成进度 (`progress`): the share of the planned change achieved.
- 序时完成率 (`pace`): 完成进度 measured against the time elapsed (1.0, shown 100 %, exactly on the path).

Every table that shows these figures (terminal, CSV, Excel, HTML, messages) labels them from here, so a planner
reads the same figure under the same name everywhere. 序时进度 alone is not used as a column name: many read it as
the time elapsed, others as the pace.
"""

from __future__ import annotations

from monitor.core import columns as c

LABELS = {
    c.ELAPSED: "时间进度",
    c.PROGRESS: "完成进度",
    c.PACE: "序时完成率",
}
