"""The weekly digest: every region in one message to the digest receivers — counts by status, the worst
indicators, and who has not reported."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd

from monitor.core import columns as c
from monitor.core.status import SEVERITY_RANK
from monitor.messages.model import Notification
from monitor.report.check import records
from monitor.storage import outbox_store

WORST = 10
MISSING_PER_REGION = 15


def digest_extra(frame: pd.DataFrame, as_of: date, missing: list[dict] | None = None) -> dict:
    """``extra`` for a digest notification (keys documented in docs/templates.md)."""
    counts: dict[str, dict[str, int]] = {}
    for (region, status), n in frame.groupby([c.REGION_NAME, c.STATUS]).size().items():
        counts.setdefault(str(region), {})[str(status)] = int(n)
    ranked = frame.assign(_rank=frame[c.SEVERITY].map(SEVERITY_RANK)).loc[lambda f: f["_rank"] > 0]
    ranked = ranked.sort_values(["_rank", c.PACE], ascending=[False, True], na_position="last").head(WORST)
    if missing is None:
        silent = frame[frame[c.STATUS] == "no_data"]
        missing = [{"region_name": r, "indicator_name": n} for r, n in zip(silent[c.REGION_NAME],
                                                                            silent[c.INDICATOR_NAME])]
    return {"as_of": as_of, "counts": counts, "worst": records(ranked.drop(columns="_rank")), "missing": missing}


def send_digest(ctx, run_check: Callable[..., pd.DataFrame]) -> str:  # type: ignore[no-untyped-def]
    """Render the digest for each digest receiver and queue it (the deliver job sends it)."""
    now = ctx.clock()
    as_of = ctx.today()
    frame = run_check(ctx.engine, as_of)
    extra = digest_extra(frame, as_of, _missing(ctx, as_of))
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
