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

# the target form (docs/method.md, "Target forms"); all optional in the series frame: a path when absent
FORM = "form"  # path, bound, range, relative, annual
STRICT = "strict"  # targets and bounds beaten strictly (>22, <27, 高于)
JUDGED = "judged"  # a bound or range judged on each_year, the average, or the final value
RANGE_LOW = "range_low"
RANGE_HIGH = "range_high"
ABOUT = "about"  # 左右: the target holds within a tolerance
TOLERANCE = "tolerance"  # that tolerance in the unit; NaN: 2 % of the target
CHANGE_BY = "change_by"  # target = baseline + change_by (提高1岁)
CHANGE_TIMES = "change_times"  # target = baseline × change_times (翻一番)
CHANGE_YEAR = "change_year"  # the year that change is due
RELATIVE_TO = "relative_to"  # the other indicator's id (same plan and region)
RELATION = "relation"  # above (高于) or in_step (同步)
RELATIVE_TOLERANCE = "relative_tolerance"  # in_step: how far apart, in the unit
BASELINE_IS_ESTIMATE = "baseline_is_estimate"  # the printed baseline is 预计; the reported figure replaces it
TARGET_TEXT = "target_text"  # the target in plan language

FORM_COLUMNS = [FORM, STRICT, JUDGED, RANGE_LOW, RANGE_HIGH, ABOUT, TOLERANCE, CHANGE_BY, CHANGE_TIMES, CHANGE_YEAR,
                RELATIVE_TO, RELATION, RELATIVE_TOLERANCE, BASELINE_IS_ESTIMATE, TARGET_TEXT]

SERIES_COLUMNS = [
    PLAN_ID, REGION_CODE, REGION_NAME, INDICATOR_ID, INDICATOR_NAME, UNIT, DIRECTION, KIND, TRAJECTORY,
    BINDING, BASELINE_YEAR, BASELINE, GROWTH_PERCENT, PLAN_START_YEAR, PLAN_END_YEAR, FREQUENCY, DUE_DAYS,
    SUCCESSOR_ID, SUCCESSOR_START_YEAR, *FORM_COLUMNS,
]
# optional in the series frame given to the core (older callers and tests leave them out)
OPTIONAL_SERIES_COLUMNS = (PLAN_START_YEAR, SUCCESSOR_ID, SUCCESSOR_START_YEAR, *FORM_COLUMNS)

# milestones (long: one row per plan × indicator × year)
YEAR = "year"
VALUE = "value"
MILESTONE_COLUMNS = [PLAN_ID, INDICATOR_ID, YEAR, VALUE]

# annual targets and rebases (long: one row per plan × indicator × role × year); optional for the core
ROLE = "role"
ANNUAL, REBASE = "annual", "rebase"  # 年度目标; from that data year on, the baseline is the value
POINT_COLUMNS = [PLAN_ID, INDICATOR_ID, ROLE, YEAR, VALUE]

# observations (one row per region × indicator × period, the revision that counts)
PERIOD = "period"
FREQ = "freq"
PERIOD_END = "period_end"
OBSERVATION_COLUMNS = [REGION_CODE, INDICATOR_ID, PERIOD, FREQ, PERIOD_END, VALUE]
RESTATED = "restated"  # optional: the value is an officially restated cumulative figure since the plan start

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
ELAPSED = "elapsed"  # 时间进度: the share of the judged stretch of path whose time has passed
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

# target forms (docs/method.md, "Target forms")
BAND_LOW = "band_low"  # the band a bound, range or 左右 target is judged against (NaN: open)
BAND_HIGH = "band_high"
EXCEEDED = "exceeded"  # achieved beyond the target's tolerance: 超额完成
REFERENCE_ID = "reference_id"  # a relative target: the other indicator
REFERENCE_NAME = "reference_name"
REFERENCE_VALUE = "reference_value"  # its value for the same year (the plan-years average in a final verdict)
ANNUAL_YEAR = "annual_year"  # the year whose annual target (年度目标) the latest value is judged against
ANNUAL_TARGET = "annual_target"
ANNUAL_STATUS = "annual_status"  # achieved or missed
YEARS_MET = "years_met"  # years within their bound, range, reference or annual target
YEARS_JUDGED = "years_judged"
STATED_BASELINE = "stated_baseline"  # the printed baseline, where a reported figure or a rebase replaced it

ASSESSMENT_COLUMNS = [
    PLAN_ID, REGION_CODE, REGION_NAME, INDICATOR_ID, INDICATOR_NAME, UNIT, DIRECTION, KIND, TRAJECTORY, BINDING,
    PHASE, PERIOD, T, BASELINE, BASELINE_ESTIMATED, TARGET, TARGET_YEAR, EXPECTED, ACTUAL, GAP, SHORTFALL, PACE,
    PROGRESS, ELAPSED, PROJECTED, REQUIRED_RATE, STATUS, SEVERITY, NOTE,
    FINAL_PERIOD, FINAL_YEAR, FINAL_TARGET, FINAL_VALUE, FINAL_STATUS, ATTAINMENT, FINAL_SHORTFALL,
    DUE_PERIOD, DUE_DATE, LAST_PERIOD, LAST_VALUE, LAST_PACE, LAST_STATUS, SUCCEEDED_BY,
    FORM, TARGET_TEXT, BAND_LOW, BAND_HIGH, EXCEEDED, REFERENCE_ID, REFERENCE_NAME, REFERENCE_VALUE,
    ANNUAL_YEAR, ANNUAL_TARGET, ANNUAL_STATUS, YEARS_MET, YEARS_JUDGED, STATED_BASELINE,
]
