"""The JSON body of a plain webhook, in the shape of Prometheus Alertmanager's webhook payload (version 4).

Why code and not a template: a template that writes JSON text breaks on the first quote or backslash in an
indicator name and gives errors far from their cause. This module builds the body as a dict, so it is always valid
JSON; a user who needs another shape provides ``webhook/body.json.j2``, which receives this dict as ``body`` along
with every other template variable and must produce one JSON value (see docs/templates.md).

Standard keys: version, groupKey, truncatedAlerts, status, receiver, groupLabels, commonLabels, commonAnnotations,
externalURL, alerts[] {status, labels, annotations, startsAt, endsAt, generatorURL, fingerprint}. Labels and
annotations are string → string maps, as Alertmanager consumers expect. Extra keys that such consumers ignore:
``kind`` (firing / resolved / reminder / digest / final), ``title`` and ``text`` (the rendered Chinese message, the same
as the email subject and plain text), each alert's ``assessment`` (the JSON record of ``monitor check``) and, for
a digest, ``digest`` (its ``extra``), and for a 终期评估 (kind final) ``review`` (the counts of each plan).
"""

from __future__ import annotations

import math
from datetime import date, datetime, timezone
from typing import Any

from monitor.messages.context import ItemView
from monitor.messages.model import Notification

ZERO_TIME = "0001-01-01T00:00:00Z"  # what Alertmanager writes for an alert that has not ended


def rfc3339(moment: datetime | None) -> str:
    """UTC RFC 3339 with a ``Z``: ``2025-07-01T01:30:00Z`` (microseconds only when there are some); naive times
    are taken as UTC; ``None`` gives Alertmanager's zero time."""
    if moment is None:
        return ZERO_TIME
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    utc = moment.astimezone(timezone.utc)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}"
    return text + "Z"


def group_key(receiver: str, group_labels: dict[str, str]) -> str:
    """``receiver:{label="value",…}`` with labels sorted, like Alertmanager's ``{}:{region="城口县"}``."""
    pairs = ",".join(f'{name}="{_quote(value)}"' for name, value in sorted(group_labels.items()))
    return f"{receiver}:{{{pairs}}}"


def _quote(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"')


def _common(maps: list[dict[str, str]]) -> dict[str, str]:
    """The pairs every map has with the same value (Alertmanager's commonLabels / commonAnnotations)."""
    if not maps:
        return {}
    first, *rest = maps
    return {k: v for k, v in first.items() if all(m.get(k) == v for m in rest)}


def jsonable(value: Any) -> Any:
    """Dates as ISO text, NaN as null, tuples and sets as lists, recursively; everything else unchanged."""
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    return value


def _alert(view: ItemView, description: str) -> dict[str, Any]:
    labels = {str(k): str(v) for k, v in view.labels.items()}
    annotations = {"summary": view.summary, "description": description}
    return {
        "status": view.state,
        "labels": labels,
        "annotations": annotations,
        "startsAt": rfc3339(view.starts_at),
        "endsAt": rfc3339(view.ends_at) if view.state == "resolved" else ZERO_TIME,
        "generatorURL": "",
        "fingerprint": view.alert.fingerprint,
        "assessment": jsonable(view.a),
    }


def alertmanager_body(
    notification: Notification,
    views: list[ItemView],
    descriptions: list[str],
    *,
    title: str,
    text: str,
    external_url: str = "",
    review: list[Any] | None = None,
) -> dict[str, Any]:
    """The webhook body for ``notification``; ``views`` are its alerts worst first and ``descriptions`` the
    rendered ``webhook/description.txt.j2`` of each."""
    alerts = [_alert(view, description) for view, description in zip(views, descriptions, strict=True)]
    firing = any(alert["status"] == "firing" for alert in alerts)
    body: dict[str, Any] = {
        "version": "4",
        "groupKey": group_key(notification.receiver, notification.group_labels),
        "truncatedAlerts": 0,
        "status": "firing" if firing else "resolved",
        "receiver": notification.receiver,
        "groupLabels": {str(k): str(v) for k, v in notification.group_labels.items()},
        "commonLabels": _common([alert["labels"] for alert in alerts]),
        "commonAnnotations": _common([alert["annotations"] for alert in alerts]),
        "externalURL": external_url,
        "alerts": alerts,
        "kind": notification.kind,
        "title": title,
        "text": text,
    }
    if notification.kind == "digest":
        body["digest"] = jsonable(notification.extra)
    if notification.kind == "final":
        body["review"] = [review_json(r) for r in review or []]
    return body


def review_json(review: Any) -> dict[str, Any]:
    """A PlanReview (monitor.messages.review) as JSON: the counts and the rates, the verdicts are in ``alerts``."""
    def tally(t: Any) -> dict[str, Any]:
        return {"total": t.total, "achieved": t.achieved, "exceeded": t.exceeded, "missed": t.missed,
                "no_data": t.no_data, "rate": t.rate}

    return {"plan": review.plan_id, "plan_name": review.plan_name, "region": review.region_name,
            "final_period": review.final_period, "all": tally(review.all), "binding": tally(review.binding)}
