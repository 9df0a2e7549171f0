"""The weekly digest: every region in one message to the digest receivers — counts by status, the worst
indicators, and who has not reported.

The worst indicators are those judged by pace today (monitor.alerts.phases.live): an ended plan's verdicts and an
indicator a successor took over are not "behind". A late figure keeps the latest value's own judgement beside it
(``last_period``, ``last_status``), which the digest prints: 2025（逾期 15 天；最近一次 2024 年基本达到，需加快）."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd

from monitor.alerts.phases import live
from monitor.core import columns as c
from monitor.core.status import SEVERITY_RANK
from monitor.messages.model import Notification
from monitor.report.check import records
from monitor.storage import outbox_store, plan_store

WORST = 10
MISSING_PER_REGION = 15


def digest_extra(frame: pd.DataFrame, as_of: date, missing: list[dict] | None = None) -> dict:
    """``extra`` for a digest notification (keys documented in docs/templates.md)."""
    counts: dict[str, dict[str, int]] = {}
    for (region, status), n in frame.groupby([c.REGION_NAME, c.STATUS]).size().items():
        counts.setdefault(str(region), {})[str(status)] = int(n)
    judged = frame[live(frame)] if c.PHASE in frame.columns else frame
    ranked = judged.assign(_rank=judged[c.SEVERITY].map(SEVERITY_RANK)).loc[lambda f: f["_rank"] > 0]
    ranked = ranked.sort_values(["_rank", c.PACE], ascending=[False, True], na_position="last").head(WORST)
    late = judged[judged[c.STATUS] == "no_data"] if c.LAST_PERIOD in frame.columns else judged.iloc[:0]
    if missing is None:
        missing = [{"region_name": row[c.REGION_NAME], "indicator_name": row[c.INDICATOR_NAME],
                    "period": row.get(c.DUE_PERIOD), "due_date": row.get(c.DUE_DATE)} for row in records(late)]
    return {"as_of": as_of, "counts": counts, "worst": records(ranked.drop(columns="_rank")),
            "missing": with_last_values(missing, late), **plan_extra(frame)}


def with_last_values(missing: list[dict], late: pd.DataFrame) -> list[dict]:
    """Each missing figure with the latest reported value's own judgement, when the assessment has one."""
    if late.empty:
        return missing
    known = {(r[c.REGION_NAME], r[c.INDICATOR_NAME]): r for r in records(late) if r.get(c.LAST_PERIOD)}
    out = []
    for row in missing:
        last = known.get((row.get("region_name"), row.get("indicator_name")))
        extra = {"last_period": last[c.LAST_PERIOD], "last_status": last[c.LAST_STATUS]} if last else {}
        out.append({**row, **extra})
    return out


def plan_extra(frame: pd.DataFrame) -> dict:
    """The regions with more than one plan (their rows in the digest name the plan)."""
    counts = frame.groupby(frame[c.REGION_CODE].astype(str), observed=True)[c.PLAN_ID].nunique()
    return {"multi_plan_regions": sorted(counts.index[counts > 1].tolist())}


def send_digest(ctx, run_check: Callable[..., pd.DataFrame]) -> str:  # type: ignore[no-untyped-def]
    """Render the digest for each digest receiver and queue it (the deliver job sends it)."""
    now = ctx.clock()
    as_of = ctx.today()
    frame = run_check(ctx.engine, as_of)
    extra = digest_extra(frame, as_of, _missing(ctx, as_of))
    with ctx.engine.connect() as conn:
        extra["plan_names"] = {plan.id: plan.title for plan in plan_store.stored_plans(conn)}
    targets = ctx.config.receivers.digest_targets
    parts = 0
    with ctx.engine.begin() as conn:
        for receiver in targets:
            kind = ctx.config.receivers.receiver(receiver).kind
            notification = Notification("digest", receiver, {}, [], now.astimezone(ctx.settings.tz), extra)
            message = ctx.config.renderer.render(notification, kind)
            channel = ctx.channels[receiver]
            payloads = channel.parts(message)
            outbox_store.enqueue(conn, receiver=receiver, channel=channel.kind, target=channel.target(),
                                 kind="digest", group_key=f"{receiver}:digest:{as_of.isoformat()}", message=message,
                                 payloads=payloads, budget=channel.max_bytes, fingerprints=[], now=now)
            parts += len(payloads)
    return f"digest as of {as_of.isoformat()} queued for {len(targets)} receiver(s), {parts} part(s)"


def _missing(ctx, as_of: date) -> list[dict] | None:  # type: ignore[no-untyped-def]
    """Outstanding figures from the reminders module when it can say; None falls back to no_data series."""
    try:
        from monitor.reminders.service import outstanding  # type: ignore[attr-defined]
    except ImportError:
        return None
    return shortlist(outstanding(ctx, as_of))


def shortlist(missing: list[dict]) -> list[dict]:
    """For a readable digest: the latest missing period of each indicator, at most 15 per region."""
    latest: dict[tuple, dict] = {}
    for row in missing:
        key = (row.get("region_name"), row.get("indicator_name"))
        if key not in latest or str(row.get("period") or "") > str(latest[key].get("period") or ""):
            latest[key] = row
    by_region: dict[object, list[dict]] = {}
    for row in latest.values():
        by_region.setdefault(row.get("region_name"), []).append(row)
    out = []
    for rows in by_region.values():
        rows.sort(key=lambda r: -(r.get("days_overdue") or 0))
        out.extend(rows[:MISSING_PER_REGION])
    return out
