"""The words of the inbox: the message to the county on each channel, and the region found in a refused file."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from monitor.actuals.catalogue import Catalogue, RegionRef
from monitor.actuals.reader import RawRow, RawTable
from monitor.errors import DataError, Problem
from monitor.inbox.report import MAX_LISTED, errors_text, problem_line, regions_named, rejection_message
from monitor.plans.loader import plan_files_in, read_plan_files
from tests.conftest import PLANS_DIR

WHEN = datetime(2025, 7, 1, 10, 0, tzinfo=timezone(timedelta(hours=8)))
CHENGKOU = RegionRef("500229", "城口县")
NAME = "城口县<@all>**[链接](http://x.cn).csv"


def refused(n: int = 1) -> DataError:
    problems = [Problem(NAME, 2 + i, "数值", f"“@所有人 **{i}**”不是数值", "数值") for i in range(n)]
    return DataError(f"{NAME}：{n} 行数据中有 {n} 行有错，整个文件未导入", problems)


def message(kind: str, error: DataError | None = None):  # type: ignore[no-untyped-def]
    return rejection_message(error or refused(), channel_kind=kind, receiver="r", file_name=NAME, region=CHENGKOU,
                             report_name=NAME + ".errors.txt", when=WHEN,
                             labels={"region": "城口县", "kind": "submission"})


@pytest.mark.parametrize("kind", ["wecom", "dingtalk", "feishu"])
def test_values_from_the_file_cannot_mention_link_or_format_in_robot_messages(kind):
    sent = message(kind)
    body = sent.text.replace("**报送文件未导入**", "")
    assert "@" not in body and "**" not in body and "[" not in body and "http://" not in body
    assert "＠所有人" in body and "第 2 行，「数值」列" in body
    assert sent.title.startswith("【报送文件未导入】城口县 ")


@pytest.mark.parametrize("kind", ["wecom", "dingtalk", "feishu"])
def test_a_hostile_file_name_cannot_mention_link_format_or_break_the_title_of_a_robot_message(kind):
    hostile = "<@zhangsan> **加急** [点此](http://e.vil)\n@all.csv"
    sent = rejection_message(refused(), channel_kind=kind, receiver="r", file_name=hostile, region=CHENGKOU,
                             report_name="x.errors.txt", when=WHEN, labels={"region": "城口县", "kind": "submission"})
    for bad in ("<@", "@", "**", "](", "http://", "\n"):
        assert bad not in sent.title, (bad, sent.title)
    assert "加急" in sent.title and "点此" in sent.title


def test_email_gets_plain_text_and_escaped_html():
    sent = message("email")
    assert "<@all>" in sent.text  # plain text is shown as written
    assert "&lt;@all&gt;" in sent.html and "<@all>" not in sent.html


def test_a_webhook_gets_the_problems_as_data():
    body = message("webhook").body
    assert body["kind"] == "inbox" and body["commonLabels"]["region"] == "城口县"
    assert body["problems"][0] == {"file": NAME, "row": 2, "field": "数值", "message": "“@所有人 **0**”不是数值",
                                   "expected": "数值"}


def test_a_long_list_is_cut_and_points_to_the_report():
    sent = message("log", refused(MAX_LISTED + 5))
    assert f"第 {MAX_LISTED + 1} 行" in sent.text and f"第 {MAX_LISTED + 2} 行" not in sent.text
    assert "另有 5 处问题未列出" in sent.text


def test_the_report_lists_every_problem_in_chinese_only():
    error = refused(MAX_LISTED + 5)
    text = errors_text(error, file_name="x.csv", original_name=NAME, sha256="ab" * 32, when=WHEN)
    assert f"{MAX_LISTED + 5}. 第 {MAX_LISTED + 6} 行，「数值」列：“@所有人 **{MAX_LISTED + 4}**”不是数值；应为：数值" in text
    assert "（UTC+0800）" in text
    words = set(re.findall(r"[A-Za-z]{3,}", text.replace(NAME, "").replace("ab" * 32, "")))
    assert words <= {"SHA", "UTC", "rejected", "csv"}, words  # the folder's name and the file's, nothing else


def test_a_problem_without_a_row_speaks_of_the_whole_file():
    assert problem_line(Problem("a.csv", None, None, "文件是空的", "一行列名和若干数据行")) == \
        "整个文件：文件是空的；应为：一行列名和若干数据行"


def test_the_region_is_found_by_any_label_in_any_region_column():
    catalogue = Catalogue.from_plans([f.plan for f in read_plan_files(plan_files_in(PLANS_DIR))])
    rows = [RawRow(2, {"区县": "城口", "指标": "x"}), RawRow(3, {"区县": "500229", "指标": "y"}),
            RawRow(4, {"区县": "不存在县", "指标": "z"})]
    table = RawTable("a.csv", "0" * 64, ["区县", "指标"], rows)
    assert regions_named(table, catalogue) == [CHENGKOU]
    both = RawTable("a.csv", "0" * 64, ["区县"], [*rows, RawRow(5, {"区县": "秀山县"})])
    assert [r.code for r in regions_named(both, catalogue)] == ["500229", "500241"]
    assert regions_named(None, catalogue) == []


def test_a_file_without_a_region_column_is_told_to_the_region_its_name_names():
    catalogue = Catalogue.from_plans([f.plan for f in read_plan_files(plan_files_in(PLANS_DIR))])
    table = RawTable("城口县_2025年.xlsx", "0" * 64, ["指标", "期间", "数值"], [RawRow(2, {"指标": "x"})])
    assert regions_named(table, catalogue) == [CHENGKOU]
    assert regions_named(RawTable("报送表.xlsx", "0" * 64, ["指标"], []), catalogue) == []
