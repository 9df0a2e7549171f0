"""The plain webhook body: Prometheus Alertmanager's webhook payload (version 4), or the user's own template."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from monitor.errors import ConfigError
from monitor.messages.render import Renderer
from monitor.messages.webhook_body import ZERO_TIME, group_key, rfc3339
from tests.message_factory import (
    NOW, STARTED, chengkou_firing, digest_extra, firing, high_tech, not_reported, notification, rd_expenditure,
    resolved,
)

ALERTMANAGER_KEYS = {"version", "groupKey", "truncatedAlerts", "status", "receiver", "groupLabels", "commonLabels",
                     "commonAnnotations", "externalURL", "alerts"}
ALERT_KEYS = {"status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"}
RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(external_url="https://monitor.example.gov.cn")


def body_of(renderer: Renderer, notification_) -> dict:
    body = renderer.render(notification_, "webhook").body
    assert body is not None
    return body


def test_the_body_has_every_key_of_an_alertmanager_payload(renderer):
    body = body_of(renderer, chengkou_firing())

    assert ALERTMANAGER_KEYS <= set(body)
    assert body["version"] == "4" and body["status"] == "firing" and body["receiver"] == "城口县科技局"
    assert body["groupLabels"] == {"region": "城口县"}
    assert body["externalURL"] == "https://monitor.example.gov.cn"
    assert all(ALERT_KEYS <= set(alert) for alert in body["alerts"])


def test_alerts_in_the_body_are_worst_first_with_chinese_summary_and_description(renderer):
    body = body_of(renderer, chengkou_firing())

    assert [a["labels"]["indicator"] for a in body["alerts"]] == ["high_tech_enterprises", "rd_expenditure"]
    annotations = body["alerts"][1]["annotations"]
    assert annotations["summary"] == "全社会研究与试验发展经费支出落后于序时进度"
    assert "序时完成率 78.9%" in annotations["description"]
    assert body["title"] == "【预警】城口县 2 项指标落后于序时进度（严重 1 项）"


def test_times_are_rfc3339_in_utc_and_an_alert_that_has_not_ended_has_the_zero_time(renderer):
    alert = body_of(renderer, chengkou_firing())["alerts"][0]

    assert RFC3339_UTC.match(alert["startsAt"])
    assert datetime.fromisoformat(alert["startsAt"].replace("Z", "+00:00")) == STARTED
    assert alert["endsAt"] == ZERO_TIME == "0001-01-01T00:00:00Z"


def test_a_resolved_alert_carries_its_end_time_and_the_body_is_resolved(renderer):
    ended = NOW - timedelta(minutes=5)
    body = body_of(renderer, notification("resolved", [resolved(rd_expenditure(status="on_track"), ends_at=ended)]))

    assert body["status"] == "resolved"
    assert body["alerts"][0]["status"] == "resolved"
    assert body["alerts"][0]["endsAt"] == "2025-07-01T00:55:00Z"
    assert body["alerts"][0]["annotations"]["description"].startswith("全社会研究与试验发展经费支出（2024）：已恢复")


def test_the_body_is_firing_while_any_alert_of_the_group_still_fires(renderer):
    body = body_of(renderer, notification("firing", [firing(high_tech()), resolved(rd_expenditure())]))

    assert body["status"] == "firing"
    assert sorted(a["status"] for a in body["alerts"]) == ["firing", "resolved"]


def test_common_labels_are_the_pairs_every_alert_shares(renderer):
    body = body_of(renderer, notification("firing", [firing(high_tech()), firing(not_reported())]))

    assert body["commonLabels"] == {"plan": "chengkou-14th-sti", "region": "城口县", "region_code": "500229",
                                    "kind": "level", "binding": "", "rule": "pace"}
    assert body["commonAnnotations"] == {}


def test_labels_and_annotations_are_strings_only_as_alertmanager_consumers_expect(renderer):
    for alert in body_of(renderer, chengkou_firing())["alerts"]:
        for mapping in (alert["labels"], alert["annotations"]):
            assert all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items())


def test_each_alert_also_carries_its_assessment_record(renderer):
    alert = body_of(renderer, chengkou_firing())["alerts"][1]

    assert alert["assessment"]["pace"] == pytest.approx(0.788662192)
    assert alert["assessment"]["unit"] == "亿元"


def test_a_digest_body_carries_the_digest_as_json(renderer):
    body = body_of(renderer, notification("digest", [], region=None, extra=digest_extra()))

    assert body["kind"] == "digest" and body["alerts"] == []
    assert body["digest"]["as_of"] == "2025-07-01"
    json.dumps(body)  # nothing in it that JSON cannot carry


def test_the_group_key_names_the_receiver_and_the_group_labels():
    assert group_key("城口县科技局", {"region": "城口县", "plan": 'a"b'}) == \
        '城口县科技局:{plan="a\\"b",region="城口县"}'


@pytest.mark.parametrize("moment,expected", [
    (datetime(2025, 7, 1, 9, 0, tzinfo=timezone(timedelta(hours=8))), "2025-07-01T01:00:00Z"),
    (datetime(2025, 7, 1, 1, 0, 0, 250000, tzinfo=timezone.utc), "2025-07-01T01:00:00.250000Z"),
    (datetime(2025, 7, 1, 1, 0), "2025-07-01T01:00:00Z"),  # naive means UTC
    (None, "0001-01-01T00:00:00Z"),
])
def test_rfc3339_writes_utc_with_a_z(moment, expected):
    assert rfc3339(moment) == expected


def test_a_user_body_template_replaces_the_body_and_can_start_from_the_default(tmp_path: Path):
    (tmp_path / "webhook").mkdir()
    (tmp_path / "webhook" / "body.json.j2").write_text(
        '{"msgtype": "text", "title": {{ title|tojson }}, "count": {{ body.alerts|length }}, '
        '"first": {{ (items[0].a.indicator_name if items else none)|tojson }}}', encoding="utf-8")
    renderer = Renderer(tmp_path)

    body = body_of(renderer, chengkou_firing())
    assert body == {"msgtype": "text", "title": "【预警】城口县 2 项指标落后于序时进度（严重 1 项）", "count": 2,
                    "first": "高新技术企业"}
    assert "webhook/body.json.j2" in renderer.validate_templates()


def test_a_user_body_template_that_is_not_json_is_an_error_naming_it(tmp_path: Path):
    (tmp_path / "webhook").mkdir()
    (tmp_path / "webhook" / "body.json.j2").write_text('{"title": "{{ title }}",}', encoding="utf-8")

    with pytest.raises(ConfigError, match=r"webhook/body\.json\.j2 .*did not produce valid JSON"):
        Renderer(tmp_path).validate_templates()
