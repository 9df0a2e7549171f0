"""Charts in messages: PNGs of each message's worst indicators, for the receivers that want them.

A receiver's ``charts: N`` (monitor.alerts.receivers; default 3 for email, 0 for the robots) is how many of a
message's indicators, worst first (the order the message lists them in), get a chart. The charts are drawn when
the messages are queued and stored with them (``Message.images``), so a resend sends the same bytes. Nothing is
read or drawn when no receiver of the run wants a chart; when no CJK font is found the monitor warns once and the
messages go out as text only (monitor.charts.png).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import time
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from monitor.alerts.lifecycle import PlannedMessage
from monitor.alerts.receivers import ReceiversFile
from monitor.channels.base import Message
from monitor.charts.png import render_png, usable_font
from monitor.charts.series import Chart, Key, build_charts
from monitor.core import columns as c
from monitor.messages.context import full_assessment, rank_key

if TYPE_CHECKING:
    from sqlalchemy import Engine

log = logging.getLogger(__name__)

KEY_COLUMNS = [c.PLAN_ID, c.REGION_CODE, c.INDICATOR_ID]


def worst_keys(planned: PlannedMessage, count: int) -> list[tuple[Key, dict]]:
    """The first ``count`` distinct indicators of the message, worst first, each with its assessment record."""
    ranked = sorted(((full_assessment(item.alert.assessment), item) for item in planned.items),
                    key=lambda pair: rank_key(pair[1].alert.severity, pair[0]))
    out: dict[Key, dict] = {}
    for assessment, item in ranked:
        key = (item.alert.plan_id, item.alert.region_code, item.alert.indicator_id)
        if key not in out:
            out[key] = assessment
            if len(out) == count:
                break
    return list(out.items())


def with_charts(engine: Engine, receivers: ReceiversFile, messages: list[tuple[PlannedMessage, Message]],
                frame: pd.DataFrame, as_of: date) -> list[tuple[PlannedMessage, Message]]:
    """The messages, those to receivers that want charts carrying them; the others unchanged (the same objects)."""
    wanted = {number: receivers.receiver(planned.receiver).chart_count
              for number, (planned, _) in enumerate(messages)}
    wanted = {number: count for number, count in wanted.items() if count > 0}
    if not wanted or usable_font() is None:
        return messages
    started = time.perf_counter()
    picks = {number: worst_keys(messages[number][0], count) for number, count in wanted.items()}
    keys = {key for chosen in picks.values() for key, _ in chosen}
    charts = read_charts(engine, frame, keys, as_of)
    images: dict[Key, bytes | None] = {}
    for key in sorted(keys):
        chart = charts.get(key)
        images[key] = render_png(chart) if chart is not None else None
    out = list(messages)
    for number, chosen in picks.items():
        planned, message = messages[number]
        drawn_here = [(images[key], assessment) for key, assessment in chosen if images.get(key)]
        attached = tuple(_image(position, data, assessment)
                         for position, (data, assessment) in enumerate(drawn_here, start=1))
        if attached:
            out[number] = (planned, replace(message, images=attached))
    drawn = sum(1 for data in images.values() if data)
    elapsed = time.perf_counter() - started
    log.info("charts: %d drawn for %d messages in %.2f s (%.3f s a chart)", drawn, len(wanted), elapsed,
             elapsed / max(drawn, 1))
    return out


def _image(position: int, data: bytes, assessment: dict) -> dict[str, str]:
    digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
    region = str(assessment.get(c.REGION_NAME) or assessment.get(c.REGION_CODE) or "")
    indicator = str(assessment.get(c.INDICATOR_NAME) or assessment.get(c.INDICATOR_ID) or "")
    return {"cid": f"chart{position}.{digest[:16]}@plan-monitor", "alt": f"{region}{indicator}走势图",
            "png": base64.b64encode(data).decode("ascii")}


def read_charts(engine: Engine, frame: pd.DataFrame, keys: set[Key], as_of: date) -> dict[Key, Chart]:
    """The charts of ``keys`` (plan, region, indicator) from the assessment rows and one read of the frames they
    were made from, for the regions concerned only."""
    from monitor.storage import assessment_reads, plan_store
    from monitor.report.inputs import text_keys
    from monitor.storage.db import read_snapshot

    if not keys:
        return {}
    index = pd.MultiIndex.from_frame(frame[KEY_COLUMNS].astype(str))
    rows = text_keys(frame[index.isin(list(keys))])
    regions = sorted({region for _, region, _ in keys})
    with read_snapshot(engine) as conn:
        series, milestones = plan_store.series_frames(conn, None, regions, None)
        cumulative = sorted(series.loc[series[c.KIND] == "cumulative", c.INDICATOR_ID].astype(str).unique())
        observations = assessment_reads.observations_for_assessment(conn, as_of, regions, None, cumulative)
        points = plan_store.point_frame(conn)
    return build_charts(rows, text_keys(series), text_keys(milestones), text_keys(observations), points)
