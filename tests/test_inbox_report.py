"""The words of the inbox: the message to the county on each channel, and the region found in a refused file."""

from __future__ import annotations

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
    problems = [Problem(NAME, 2 + i, "数值", f"'@所有人 **{i}**' is not a number", "a number") for i in range(n)]
    return DataError(f"{NAME}: {n} of {n} rows refused; nothing was imported", problems)


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


def test_email_gets_plain_text_and_escaped_html():
    sent = message("email")
    assert "<@all>" in sent.text  # plain text is shown as written
    assert "&lt;@all&gt;" in sent.html and "<@all>" not in sent.html


def test_a_webhook_gets_the_problems_as_data():
    body = message("webhook").body
    assert body["kind"] == "inbox" and body["commonLabels"]["region"] == "城口县"
    assert body["problems"][0] == {"file": NAME, "row": 2, "field": "数值", "message": "'@所有人 **0**' is not a number",
                                   "expected": "a number"}


def test_a_long_list_is_cut_and_points_to_the_report():
    sent = message("log", refused(MAX_LISTED + 5))
    assert f"第 {MAX_LISTED + 1} 行" in sent.text and f"第 {MAX_LISTED + 2} 行" not in sent.text
    assert "另有 5 处问题未列出" in sent.text


def test_the_report_lists_every_problem_in_chinese_and_as_the_import_command_prints_it():
    error = refused(MAX_LISTED + 5)
    text = errors_text(error, file_name="x.csv", original_name=NAME, sha256="ab" * 32, when=WHEN)
    assert f"第 {MAX_LISTED + 6} 行" in text and "（UTC+0800）" in text
    assert text.endswith(error.report() + "\n")


def test_a_problem_without_a_row_speaks_of_the_whole_file():
    assert problem_line(Problem("a.csv", None, None, "the file is empty", "a header row")) == \
        "整个文件：the file is empty；应为：a header row"


def test_the_region_is_found_by_any_label_in_any_region_column():
    catalogue = Catalogue.from_plans([f.plan for f in read_plan_files(plan_files_in(PLANS_DIR))])
    rows = [RawRow(2, {"区县": "城口", "指标": "x"}), RawRow(3, {"区县": "500229", "指标": "y"}),
            RawRow(4, {"区县": "不存在县", "指标": "z"})]
    table = RawTable("a.csv", "0" * 64, ["区县", "指标"], rows)
    assert regions_named(table, catalogue) == [CHENGKOU]
    both = RawTable("a.csv", "0" * 64, ["区县"], [*rows, RawRow(5, {"区县": "秀山县"})])
    assert [r.code for r in regions_named(both, catalogue)] == ["500229", "500241"]
    assert regions_named(None, catalogue) == []
