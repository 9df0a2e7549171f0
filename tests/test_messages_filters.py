"""Number filters show figures exactly as `monitor check` prints them; the digest's extra is read forgivingly."""

from __future__ import annotations

import math
from datetime import datetime

import pytest

from monitor.messages import filters as f
from monitor.messages.context import build_context, digest_view, rank_key
from monitor.report import cells, figures
from tests.message_factory import NOW, firing, high_tech, not_reported, notification, patents, rd_expenditure

VALUES = [0.9512, 0.2408224685, -0.0408224685, 4.4, 1.0, 0.0, -0.0, 1346.5216812699, 1e-7, -1e-7, -3.4, 100000.0,
          None, math.nan]


@pytest.mark.parametrize("value", VALUES)
def test_num_and_pct_write_numbers_as_the_check_table_does(value):
    assert f.num(value) == figures.number(value)
    ours, table = f.pct(value), cells.percent(value)
    assert ours == table or (ours, table) == ("0.0%", "-0.0%")  # messages never say "-0.0%"


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("trajectory,unit", [("linear", "家"), ("compound", "亿元"), ("linear", "%")])
def test_rate_without_sign_is_the_check_tables_rate(value, trajectory, unit):
    ours, table = f.rate(value, trajectory, unit, sign=False), cells._rate(value, trajectory, unit)
    assert ours == table or (ours, table) == ("0.0%/年", "-0.0%/年")  # messages never say "-0.0%"


@pytest.mark.parametrize("value,expected", [
    (0.9512, "95.1%"), (0.788662192, "78.9%"), (-0.4166666667, "-41.7%"), (1.0, "100.0%"), (None, "—"),
])
def test_pct_shows_pace_with_one_decimal(value, expected):
    assert f.pct(value) == expected


@pytest.mark.parametrize("value,expected", [(3.4, "+3.4"), (-0.0408224685, "-0.0408"), (0.0, "0"), (-1e-9, "0"),
                                            (1346.52168, "+1,346.5217"), (None, "—")])
def test_signed_adds_a_plus_to_positive_numbers_only(value, expected):
    assert f.signed(value) == expected


def test_rate_has_a_sign_and_says_per_year_in_units_or_percent():
    assert f.rate(4.0, "linear", "家") == "+4家/年"
    assert f.rate(0.17128, "compound", "万元") == "+17.1%/年"
    assert f.rate(-3.0, "linear", "位") == "-3位/年"
    assert f.rate(None, "linear", "家") == "—"


def test_qty_puts_the_unit_right_after_the_number():
    assert f.qty(0.2408224685, "亿元") == "0.2408亿元"
    assert f.qty(-3.4, "家", sign=True) == "-3.4家"
    assert f.qty(None, "家") == "—"
    assert f.qty(12.5, None) == "12.5"


def test_labels_are_the_chinese_names_of_statuses_and_severities():
    assert f.status_label("off_track") == "明显滞后"
    assert f.severity_label("critical") == "严重"
    assert f.marker("critical") == "【严重】" and f.marker("warning") == "【预警】"
    assert f.marker("resolved") == "【已恢复】" and f.marker("ok") == "【正常】"


def test_markers_need_no_emoji_font():
    for severity in ("critical", "warning", "ok", "resolved"):
        assert all(ch in "【】" or "\u4e00" <= ch <= "\u9fff" for ch in f.marker(severity)), severity


def test_times_are_written_to_the_minute_and_dates_plainly():
    assert f.when(datetime(2025, 7, 1, 9, 5, 31)) == "2025-07-01 09:05"
    assert f.day(datetime(2025, 7, 1, 9, 5)) == "2025-07-01"
    assert f.when(None) == "—"


def test_worst_first_puts_critical_first_then_lower_pace_then_unknown_pace():
    rows = [patents(pace=0.9), not_reported(), high_tech(pace=0.5), patents(pace=0.61), high_tech()]
    ordered = sorted(rows, key=lambda row: rank_key(row["severity"], row))

    assert [(r["severity"], r["pace"]) for r in ordered] == [
        ("critical", -0.4166666667), ("critical", 0.5), ("warning", 0.61), ("warning", 0.9), ("warning", None)]


def test_the_context_fills_in_assessment_keys_a_rule_left_out():
    item = firing({"plan_id": "p", "region_code": "500229", "region_name": "城口县", "indicator_id": "x",
                   "indicator_name": "科技型企业", "kind": "level", "binding": None, "status": "behind",
                   "severity": "warning", "pace": math.nan})
    view = build_context(notification("firing", [item]))["items"][0]

    assert view.a["pace"] is None and view.a["projected"] is None and view.a["unit"] is None


def test_the_digest_view_totals_counts_across_regions_and_tolerates_missing_keys():
    digest = digest_view({"counts": {"城口县": {"behind": 2, "achieved": 3, "no_data": 0},
                                     "秀山土家族苗族自治县": {"behind": 1, "missed": 1}},
                          "missing": [{"region_name": "城口县", "indicator_name": "孵化平台数"}]})

    assert digest.totals == [("missed", 1), ("behind", 3), ("achieved", 3)]
    assert digest.by_severity == {"critical": 1, "warning": 3, "ok": 3}
    assert digest.total == 7
    assert digest.missing[0]["days_overdue"] is None and digest.worst == []


def test_the_count_and_days_describe_the_listed_alerts():
    context = build_context(notification("firing", [firing(rd_expenditure(), new=True), firing(high_tech())]))

    assert context["count"] == {"total": 2, "critical": 1, "warning": 1, "new": 1}
    assert context["days"] == 12 and context["regions"] == ["城口县"] and context["as_of"] == NOW.date()
