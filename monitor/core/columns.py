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
PLAN_START_YEAR = "plan_start_year"
PLAN_END_YEAR = "plan_end_year"
FREQUENCY = "frequency"
DUE_DAYS = "due_days"
SUCCESSOR_ID = "successor_id"  # the plan that takes this indicator over (same region, same indicator id), if any
SUCCESSOR_START_YEAR = "successor_start_year"  # first year of that plan's period

SERIES_COLUMNS = [
    PLAN_ID, REGION_CODE, REGION_NAME, INDICATOR_ID, INDICATOR_NAME, UNIT, DIRECTION, KIND, TRAJECTORY,
    BINDING, BASELINE_YEAR, BASELINE, GROWTH_PERCENT, PLAN_START_YEAR, PLAN_END_YEAR, FREQUENCY, DUE_DAYS,
    SUCCESSOR_ID, SUCCESSOR_START_YEAR,
]
# optional in the series frame given to the core (older callers and tests leave them out)
OPTIONAL_SERIES_COLUMNS = (PLAN_START_YEAR, SUCCESSOR_ID, SUCCESSOR_START_YEAR)

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

# the life of a plan (docs/method.md, "Phases" and "Final verdicts")
PHASE = "phase"  # not_started, in_progress, awaiting_final, final, continuing
FINAL_PERIOD = "final_period"  # the period that settles the plan's last milestone (2025)
FINAL_YEAR = "final_year"  # that milestone's year
FINAL_TARGET = "final_target"  # that milestone's target
FINAL_VALUE = "final_value"  # the value reported for it (a cumulative indicator: the plan total)
FINAL_STATUS = "final_status"  # achieved, missed or no_data, once the final figure is due
ATTAINMENT = "attainment"  # 完成率: A / T, or T / A when lower is better
FINAL_SHORTFALL = "final_shortfall"  # d·(T − A): how far the final value falls short, in the indicator's unit
# late figures: the latest due figure is missing; the latest value's own judgement is kept beside the row
DUE_PERIOD = "due_period"  # the latest period whose figure is due by the as-of date
DUE_DATE = "due_date"  # the last day on which that figure was on time (ISO date)
LAST_PERIOD = "last_period"
LAST_VALUE = "last_value"
LAST_PACE = "last_pace"
LAST_STATUS = "last_status"
SUCCEEDED_BY = "succeeded_by"  # the successor plan that now judges this indicator

ASSESSMENT_COLUMNS = [
    PLAN_ID, REGION_CODE, REGION_NAME, INDICATOR_ID, INDICATOR_NAME, UNIT, DIRECTION, KIND, TRAJECTORY, BINDING,
    PHASE, PERIOD, T, BASELINE, BASELINE_ESTIMATED, TARGET, TARGET_YEAR, EXPECTED, ACTUAL, GAP, SHORTFALL, PACE,
    PROGRESS, PROJECTED, REQUIRED_RATE, STATUS, SEVERITY, NOTE,
    FINAL_PERIOD, FINAL_YEAR, FINAL_TARGET, FINAL_VALUE, FINAL_STATUS, ATTAINMENT, FINAL_SHORTFALL,
    DUE_PERIOD, DUE_DATE, LAST_PERIOD, LAST_VALUE, LAST_PACE, LAST_STATUS, SUCCEEDED_BY,
]
