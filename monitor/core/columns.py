"""Column names shared by the frames that flow between storage, the pure core and the reports.

Key columns (plan, region, indicator, frequency) arrive from the storage layer as categoricals numbered by the
database; the core takes text as well, and its results hold text.
"""

from __future__ import annotations

# keys
PLAN_ID = "plan_id"
REGION_CODE = "region_code"
REGION_NAME = "region_name"
INDICATOR_ID = "indicator_id"
INDICATOR_NAME = "indicator_name"

# indicator definition (one row per plan × indicator: a "series")
UNIT = "unit"
DIRECTION = "direction"
KIND = "kind"
TRAJECTORY = "trajectory"
BINDING = "binding"
BASELINE_YEAR = "baseline_year"
BASELINE = "baseline"
GROWTH_PERCENT = "growth_percent"
PLAN_END_YEAR = "plan_end_year"
FREQUENCY = "frequency"
DUE_DAYS = "due_days"

SERIES_COLUMNS = [
    PLAN_ID, REGION_CODE, REGION_NAME, INDICATOR_ID, INDICATOR_NAME, UNIT, DIRECTION, KIND, TRAJECTORY,
    BINDING, BASELINE_YEAR, BASELINE, GROWTH_PERCENT, PLAN_END_YEAR, FREQUENCY, DUE_DAYS,
]

# milestones (long: one row per plan × indicator × year)
YEAR = "year"
VALUE = "value"
MILESTONE_COLUMNS = [PLAN_ID, INDICATOR_ID, YEAR, VALUE]

# observations (one row per region × indicator × period, the revision that counts)
PERIOD = "period"
FREQ = "freq"
PERIOD_END = "period_end"
OBSERVATION_COLUMNS = [REGION_CODE, INDICATOR_ID, PERIOD, FREQ, PERIOD_END, VALUE]

# assessment results
T = "t"
BASELINE_ESTIMATED = "baseline_estimated"
TARGET = "target"
TARGET_YEAR = "target_year"
EXPECTED = "expected"
ACTUAL = "actual"
GAP = "gap"
SHORTFALL = "shortfall"
PACE = "pace"
PROGRESS = "progress"
PROJECTED = "projected"
REQUIRED_RATE = "required_rate"
STATUS = "status"
SEVERITY = "severity"
NOTE = "note"

ASSESSMENT_COLUMNS = [
    PLAN_ID, REGION_CODE, REGION_NAME, INDICATOR_ID, INDICATOR_NAME, UNIT, DIRECTION, KIND, TRAJECTORY, BINDING,
    PERIOD, T, BASELINE, BASELINE_ESTIMATED, TARGET, TARGET_YEAR, EXPECTED, ACTUAL, GAP, SHORTFALL, PACE,
    PROGRESS, PROJECTED, REQUIRED_RATE, STATUS, SEVERITY, NOTE,
]
