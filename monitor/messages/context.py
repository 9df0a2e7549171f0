"""The variables a message template sees, built from a :class:`Notification` (no Jinja2 here).

Templates get alerts worst first (critical before warning, then by pace ascending, unknown pace last), each
assessment with every documented key present (``None`` when unknown), times in the timezone of
``notification.now``, and the digest's ``extra`` normalised so that a missing key shows as "nothing to report"
rather than a template error. Each assessment also carries ``judgement``: its target form said in plan language
(控制在5.5%以内：实际5.6%，超出0.1个百分点; ``None`` for a plain path; :mod:`monitor.report.wording`), worded here so
that alerts stored before the form columns existed read as well, and ``digits``: the decimals its plan prints. ``docs/templates.md`` lists every variable.
"""

from __future__ import annotations

import math
import operator
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from monitor.core import columns as c
from monitor.core.status import SEVERITY_OF, STATUSES
from monitor.messages.model import AlertItem, Notification
from monitor.messages.review import reviews
from monitor.report.figures import row_digits
from monitor.report.wording import JUDGEMENT, judgement

SEVERITY_RANK = {"critical": 2, "warning": 1, "ok": 0}

# keys of each entry of extra["missing"], with what stands in when a key is absent
MISSING_KEYS = {"region_name": None, "indicator_name": None, "period": None, "due_date": None,
                "days_overdue": None, "last_period": None, "last_status": None}
PLAN_NAME = "plan_name"  # added to each assessment: the plan's title when its region has several plans, else None
CONDENSE_UNREPORTED = 2  # from this many no_data alerts on, a message names them in one line
DIGITS = "digits"  # added to each assessment: the decimals its plan prints (monitor.report.figures.row_digits)
# JUDGEMENT ("judgement") is added to each assessment too: the target form in plan language, None for a plain path


@dataclass(frozen=True)
class ItemView:
    """One alert as a template sees it."""

    item: AlertItem
    a: dict[str, Any]  # the assessment, every key of ASSESSMENT_COLUMNS present
    starts_at: datetime
    ends_at: datetime | None
    days: int  # whole days it has been firing (until it resolved, for resolved alerts)
    # the item's and its alert's own, kept here rather than looked up through them: templates and build_context
    # read them several times for every alert of a national run
    state: str
    new: bool
    severity: str
    summary: str

    @property
    def alert(self):
        return self.item.alert

    @property
    def status(self) -> str | None:
        return self.a[c.STATUS]

    @property
    def labels(self) -> dict[str, str]:
        return self.item.alert.labels


@dataclass(frozen=True)
class DigestView:
    """``notification.extra`` of a digest, normalised (see docs/templates.md, "Digest")."""

    as_of: Any = None
    regions: list[tuple[str, list[tuple[str, int]]]] = field(default_factory=list)  # region, [(status, n)]
    totals: list[tuple[str, int]] = field(default_factory=list)  # [(status, n)] over all regions
    by_severity: dict[str, int] = field(default_factory=dict)  # critical / warning / ok → n
    total: int = 0
    worst: list[dict[str, Any]] = field(default_factory=list)  # assessments, worst first
    missing: list[dict[str, Any]] = field(default_factory=list)  # who has not reported


def full_assessment(assessment: dict[str, Any] | None) -> dict[str, Any]:
    """Every documented assessment key, ``None`` where absent; NaN becomes ``None``; extra keys are kept; and the
    row's ``judgement`` (None where there is nothing to add to its figures)."""
    if assessment.__class__ is dict and tuple(assessment) == _COLUMNS:
        # a row as the assessment's records are (most views): its copy, then the keys added here, in the order
        # the blank has them, is the same dict in a fraction of the time it takes to fill the blank with it
        out = dict(assessment)
        out[PLAN_NAME] = None
    else:
        out = _BLANK.copy()
        if assessment:
            out.update(assessment)
    if assessment and _may_hold_nan(assessment):
        for key, value in assessment.items():
            if isinstance(value, float) and math.isnan(value):
                out[key] = None
    digits = row_digits(out)
    out[JUDGEMENT] = judgement(out, digits) or None
    out[DIGITS] = digits
    return out


_VIEW_KEYS = (*c.ASSESSMENT_COLUMNS, PLAN_NAME, JUDGEMENT, DIGITS)
_BLANK = dict.fromkeys(_VIEW_KEYS)  # copied for each view: quicker than making it again
_COLUMNS = tuple(c.ASSESSMENT_COLUMNS)


def _may_hold_nan(assessment: dict[str, Any]) -> bool:
    """False when no value differs from itself, so none is NaN (most assessments: records hold None instead);
    tested without a Python loop, for a national run's tens of thousands of views. Values that are false (None,
    0, "") are left out first, quickly: a NaN is true."""
    try:
        values = [*filter(None, assessment.values())]
        return any(map(operator.ne, values, values))
    except (TypeError, ValueError):  # a value without a plain truth value (NA, an array): look at each
        return True


def name_plans(rows: list[dict[str, Any]], extra: dict[str, Any]) -> None:
    """Set ``plan_name`` on the rows of every region with more than one plan, among these rows or in the whole
    assessment (``extra["multi_plan_regions"]``, region codes); the name is the plan's title from
    ``extra["plan_names"]``, else its id. Rows of single-plan regions keep ``plan_name`` None."""
    titles = extra.get("plan_names") or {}
    plans: dict[str, set[str]] = {}
    for row in rows:
        code = str(row.get(c.REGION_CODE) or "")
        ids = plans.get(code)
        if ids is None:
            ids = plans[code] = set()
        ids.add(str(row.get(c.PLAN_ID) or ""))
    several = {code for code, ids in plans.items() if len(ids) > 1}
    several |= _codes(extra.get("multi_plan_regions") or ())
    if not several:  # the common case: nothing to name
        return
    for row in rows:
        if str(row.get(c.REGION_CODE) or "") in several and row.get(c.PLAN_ID):
            row[PLAN_NAME] = titles.get(row[c.PLAN_ID]) or row[c.PLAN_ID]


_CODES: tuple[Any, int, frozenset[str]] = ((), 0, frozenset())


def _codes(codes: Any) -> frozenset[str]:
    """``{str(code) for code in codes}``, remembered for the last list given: every message of a run gets the
    same ``multi_plan_regions`` list, which in a year when plans overlap names every region (thousands, for each
    of thousands of messages). The list is recognised by identity and length (lists handed to messages are not
    changed afterwards); anything else is worked out again."""
    global _CODES
    remembered = _CODES
    if remembered[0] is not codes or remembered[1] != len(codes):
        remembered = _CODES = (codes, len(codes), frozenset(str(code) for code in codes))
    return remembered[2]


def rank_key(severity: str | None, assessment: dict[str, Any]) -> tuple:
    """Sort key: worst severity first, then the lowest pace, unknown pace last, then region and indicator."""
    pace = assessment.get(c.PACE)
    return (
        -SEVERITY_RANK.get(severity or "", 0),
        (1, 0.0) if pace is None else (0, float(pace)),
        str(assessment.get(c.REGION_CODE) or ""),
        str(assessment.get(c.INDICATOR_NAME) or assessment.get(c.INDICATOR_ID) or ""),
    )


def _local(moment: datetime | None, now: datetime) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # naive times are taken as UTC, as the alert store writes them
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(now.tzinfo) if now.tzinfo is not None else moment


def item_view(item: AlertItem, now: datetime) -> ItemView:
    return _item_view(item, now, _local(now, now) or now, {})


def _item_view(item: AlertItem, now: datetime, local_now: datetime,
               local: dict[datetime | None, datetime | None]) -> ItemView:
    """:func:`item_view` with ``now`` in its own zone worked out once, and the local times of the moments seen
    so far (``local``): the alerts of one message mostly started at the same moment."""
    try:
        starts_at = local[item.starts_at]
    except KeyError:
        starts_at = local[item.starts_at] = _local(item.starts_at, now)
    except TypeError:  # not a moment that can be remembered
        starts_at = _local(item.starts_at, now)
    ends_at = None if item.ends_at is None else _local(item.ends_at, now)
    until = ends_at if ends_at is not None else local_now
    days = max(0, (until - starts_at).days) if starts_at is not None else 0
    alert = item.alert
    return ItemView(item, full_assessment(alert.assessment), starts_at, ends_at, days, item.state, item.new,
                    alert.severity, alert.summary)


def worst_first(items: list[AlertItem], now: datetime) -> list[ItemView]:
    local_now, local = _local(now, now) or now, {}
    views = [_item_view(item, now, local_now, local) for item in items]
    return sorted(views, key=lambda v: rank_key(v.severity, v.a))


def _regions(views: list[ItemView], group_labels: dict[str, str]) -> list[str]:
    names: list[str] = []
    for view in views:
        name = view.a[c.REGION_NAME] or view.labels.get("region")
        if name and name not in names:
            names.append(name)
    if not names and group_labels.get("region"):
        names.append(group_labels["region"])
    return names


def _status_order(status: str) -> int:
    return STATUSES.index(status) if status in STATUSES else len(STATUSES)


def _digest_rank(status: str) -> tuple[int, int]:
    """Order of status counts in a digest: critical statuses first, then warnings, then the rest."""
    return (-SEVERITY_RANK.get(SEVERITY_OF.get(status, "ok"), 0), _status_order(status))


def digest_view(extra: dict[str, Any]) -> DigestView:
    """Normalise a digest's ``extra``: ``counts`` {region: {status: n}}, ``worst`` [assessment], ``missing``
    [{region_name, indicator_name, period, due_date, days_overdue}], ``as_of`` (date or text)."""
    counts = extra.get("counts") or {}
    regions = []
    totals: Counter[str] = Counter()
    for region, by_status in counts.items():
        cleaned = {str(s): int(n) for s, n in (by_status or {}).items() if n}
        totals.update(cleaned)
        regions.append((str(region), sorted(cleaned.items(), key=lambda kv: _digest_rank(kv[0]))))
    by_severity: Counter[str] = Counter()
    for status, n in totals.items():
        by_severity[SEVERITY_OF.get(status, "ok")] += n
    worst = [full_assessment(row) for row in extra.get("worst") or []]
    name_plans(worst, extra)
    worst.sort(key=lambda row: rank_key(row[c.SEVERITY], row))
    missing = [{**MISSING_KEYS, **row} for row in extra.get("missing") or []]
    missing.sort(key=lambda row: (str(row["region_name"] or ""), -(row["days_overdue"] or 0)))
    return DigestView(
        as_of=extra.get("as_of"),
        regions=regions,
        totals=sorted(totals.items(), key=lambda kv: _digest_rank(kv[0])),
        by_severity={"critical": by_severity["critical"], "warning": by_severity["warning"],
                     "ok": by_severity["ok"]},
        total=sum(totals.values()),
        worst=worst,
        missing=missing,
    )


def build_context(notification: Notification) -> dict[str, Any]:
    """Every variable a template may use (docs/templates.md, "Variables")."""
    now = notification.now
    views = worst_first(notification.items, now)
    if notification.kind != "final":  # a 终期评估 is about one plan and names it in the headline
        name_plans([v.a for v in views], notification.extra)
    firing = [v for v in views if v.state == "firing"]
    resolved = [v for v in views if v.state == "resolved"]
    listed = resolved if notification.kind == "resolved" else firing
    severities = Counter(v.severity for v in listed)
    statuses = Counter(v.status for v in listed if v.status)
    worst = max((v.severity for v in listed), key=lambda s: SEVERITY_RANK.get(s, 0), default="ok")
    unreported = [v for v in firing if v.status == "no_data"]
    if len(unreported) < CONDENSE_UNREPORTED:
        unreported = []
    condensed = {id(v) for v in unreported}
    as_of = notification.extra.get("as_of")
    return {
        "notification": notification,
        "kind": notification.kind,
        "receiver": notification.receiver,
        "group_labels": dict(notification.group_labels),
        "now": now,
        "extra": dict(notification.extra),
        "items": views,
        "firing": firing,
        "resolved": resolved,
        "listed": listed,
        # the firing alerts listed one by one, and those whose figures were not reported (no_data) when there
        # are at least CONDENSE_UNREPORTED of them: a message names these in one line (未报送（3项）：…) to stay
        # short on a phone; a single one is listed with its details like any other alert
        "reported": [v for v in firing if id(v) not in condensed],
        "unreported": unreported,
        "regions": _regions(listed or views, notification.group_labels),
        "severity": worst,
        "count": {"total": len(listed), "critical": severities["critical"], "warning": severities["warning"],
                  "new": sum(1 for v in listed if v.new)},
        "status_counts": dict(sorted(statuses.items(), key=lambda kv: _digest_rank(kv[0]))),
        "days": max((v.days for v in firing), default=0),
        "as_of": as_of if isinstance(as_of, (date, str)) else now.date(),
        "digest": digest_view(notification.extra),
        "review": reviews(listed, notification.extra.get("plan_names") or {}) if notification.kind == "final" else [],
    }
