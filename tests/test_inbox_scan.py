"""The inbox job end to end on SQLite and PostgreSQL: a tmp_path folder, the real plans and sample files, log
channels that record what each receiver was sent, and a clock the tests move (nothing sleeps)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from monitor import service
from monitor.core import columns as c
from monitor.delivery.deliver import deliver_due
from monitor.errors import ConfigError, MonitorError
from monitor.plans.loader import plan_files_in
from monitor.storage import actual_store
from monitor.storage.tables import inbox_files, observations, submissions
from tests.conftest import PLANS_DIR, SAMPLES_DIR
from tests.inbox_helpers import AS_OF, HEADER, START, Clock, Inbox, count, recorded

CHENGKOU = SAMPLES_DIR / "chengkou-sample-actuals.csv"
XIUSHAN_PLAN = PLANS_DIR / "xiushan-14th-sti.yaml"
GOOD_ROWS = ("城口县,rd_expenditure,2024,2000,万元\n"
             "城口县,科技型企业数,2024,98,家\n"
             "城口县,国家高新技术企业数,2024,9,家\n")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def plans(engine):  # type: ignore[no-untyped-def]
    service.load_plans(engine, plan_files_in(PLANS_DIR), START)
    return engine


@pytest.fixture
def inbox(plans, tmp_path, clock) -> Inbox:  # type: ignore[no-untyped-def]
    folder = tmp_path / "报送"
    folder.mkdir()
    return Inbox(plans, folder, clock)


def stored(engine, region: str = "500229"):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return actual_store.current_values(conn, [region])


def test_a_good_file_is_imported_whole_and_moved_to_processed(inbox):
    sample = CHENGKOU.read_bytes()
    inbox.drop("城口县2024年报.csv", sample)
    assert inbox.scan_settled() == "处理 1 个文件：导入 1 个，退回 0 个"
    assert inbox.names() == []
    assert inbox.names("processed") == ["城口县2024年报.csv"]
    assert (inbox.folder / "processed" / "城口县2024年报.csv").read_bytes() == sample
    assert len(stored(inbox.ctx.engine)) == len(sample.decode("utf-8-sig").strip().splitlines()) - 1
    assert recorded(inbox.ctx.engine) == [("城口县2024年报.csv", "imported")]
    assert inbox.outbox_rows() == []  # a good file sends nothing


def test_one_bad_row_refuses_the_whole_file_and_tells_its_county(inbox):
    inbox.drop("城口县2024年报.csv", HEADER + GOOD_ROWS + "城口县,科技创新人才数,2024,很多,人\n")
    assert inbox.scan_settled() == "处理 1 个文件：导入 0 个，退回 1 个"
    engine = inbox.ctx.engine
    assert count(engine, observations) == 0 and count(engine, submissions) == 0
    assert inbox.names() == []
    assert inbox.names("rejected") == ["城口县2024年报.csv", "城口县2024年报.csv.errors.txt"]
    report = (inbox.folder / "rejected" / "城口县2024年报.csv.errors.txt").read_text(encoding="utf-8-sig")
    assert "第 5 行，「数值」列" in report  # the header is line 1, so the fourth data row is row 5
    assert "第 5 行，「数值」列：“很多”不是数值" in report
    assert recorded(engine) == [("城口县2024年报.csv", "rejected")]
    rows = inbox.outbox_rows()
    assert [(r["receiver"], r["kind"], r["title"], r["status"]) for r in rows] == [
        ("chengkou", "inbox", "【报送文件未导入】城口县 城口县2024年报.csv", "pending")]
    report_sent = deliver_due(engine, inbox.channels, inbox.clock)
    assert report_sent.sent == 1
    text = inbox.streams["chengkou"].getvalue()
    assert "第 5 行，「数值」列" in text and "重新放入报送文件夹" in text
    assert inbox.streams["city"].getvalue() == ""


def test_a_file_whose_mtime_is_too_recent_waits_for_a_later_scan(inbox, clock):
    inbox.drop("城口县.csv", HEADER + GOOD_ROWS, age=0)
    assert inbox.scan() == "处理 0 个文件：导入 0 个，退回 0 个；1 个文件等待写完"
    clock.advance(3)
    assert inbox.scan().endswith("1 个文件等待写完")
    assert inbox.names() == ["城口县.csv"] and count(inbox.ctx.engine, observations) == 0
    clock.advance(3)  # six seconds since it was written and since it was first seen
    assert inbox.scan() == "处理 1 个文件：导入 1 个，退回 0 个"
    assert count(inbox.ctx.engine, observations) == 3


def test_a_file_with_a_future_mtime_waits_even_when_seen_before(inbox, clock):
    path = inbox.drop("城口县.csv", HEADER + GOOD_ROWS, age=-8)  # a share whose clock runs ahead
    inbox.scan()
    clock.advance(6)
    assert inbox.scan().endswith("1 个文件等待写完")
    clock.advance(7)
    assert inbox.scan() == "处理 1 个文件：导入 1 个，退回 0 个"
    assert not path.exists()


def test_a_file_that_grows_between_scans_is_not_taken_until_it_stops(inbox, clock):
    sample = CHENGKOU.read_bytes()
    half = sample[: sample.index(b"\n", len(sample) // 2) + 1]
    path = inbox.drop("城口县.csv", half, age=3600)  # a copy that keeps the source's old mtime
    assert inbox.scan().endswith("1 个文件等待写完")
    clock.advance(10)
    path.write_bytes(sample)
    inbox.set_mtime(path, 3600 + 10)  # the same old mtime, a larger size
    assert inbox.scan().endswith("1 个文件等待写完")
    assert count(inbox.ctx.engine, observations) == 0
    clock.advance(10)
    assert inbox.scan() == "处理 1 个文件：导入 1 个，退回 0 个"
    assert len(stored(inbox.ctx.engine)) == len(sample.decode("utf-8-sig").strip().splitlines()) - 1


def test_the_same_content_dropped_twice_is_imported_once(inbox):
    content = HEADER + GOOD_ROWS
    inbox.drop("城口县.csv", content, age=60)
    inbox.drop("城口县-副本.csv", content, age=30)  # later, and first by name
    assert inbox.scan_settled() == "处理 2 个文件：导入 1 个，退回 0 个，重复 1 个"
    engine = inbox.ctx.engine
    assert count(engine, submissions) == 1 and count(engine, inbox_files) == 1
    assert inbox.names("processed") == ["城口县-副本.csv", "城口县-副本.csv.duplicate.txt", "城口县.csv"]
    note = (inbox.folder / "processed" / "城口县-副本.csv.duplicate.txt").read_text(encoding="utf-8-sig")
    assert "城口县.csv" in note and "未再次导入" in note


def test_files_are_taken_oldest_first_so_a_correction_becomes_the_current_value(inbox):
    inbox.drop("b-原报.csv", HEADER + GOOD_ROWS, age=60)
    inbox.drop("a-更正.csv", HEADER + "城口县,rd_expenditure,2024,2100,万元\n", age=30)
    assert inbox.scan_settled() == "处理 2 个文件：导入 2 个，退回 0 个"
    frame = stored(inbox.ctx.engine)  # values are stored in the plan's unit: 2100 万元 = 0.21 亿元
    assert dict(zip(frame["indicator_id"], frame["value"]))["rd_expenditure"] == pytest.approx(0.21)


def test_a_file_dropped_again_under_the_same_name_keeps_both_copies(inbox, clock):
    inbox.drop("城口县.csv", HEADER + GOOD_ROWS)
    inbox.scan_settled()
    inbox.drop("城口县.csv", HEADER + "城口县,rd_expenditure,2024,2100,万元\n")
    assert inbox.scan_settled() == "处理 1 个文件：导入 1 个，退回 0 个"
    assert inbox.names("processed") == ["城口县-20250701-100020.csv", "城口县.csv"]
    assert "2100" in (inbox.folder / "processed" / "城口县-20250701-100020.csv").read_text(encoding="utf-8")
    assert "2000" in (inbox.folder / "processed" / "城口县.csv").read_text(encoding="utf-8")


def test_a_gb18030_csv_is_imported(inbox):
    inbox.drop("城口县（GB18030）.csv", HEADER + GOOD_ROWS + "城口,科技创新人才数,2024,320,人\n",
               encoding="gb18030")
    assert inbox.scan_settled() == "处理 1 个文件：导入 1 个，退回 0 个"
    frame = stored(inbox.ctx.engine)
    assert dict(zip(frame["indicator_id"], frame["value"]))["rd_expenditure"] == pytest.approx(0.2)


def test_temporary_hidden_and_foreign_files_and_subfolders_are_left_alone(inbox):
    ignored = ["~$城口县.xlsx", ".城口县.csv", "城口县.csv.part", "城口县.tmp", "城口县.csv.crdownload",
               "说明.txt", "城口县.xlsx.tmp"]
    for name in ignored:
        inbox.drop(name, HEADER + GOOD_ROWS)
    (inbox.folder / "processed").mkdir()
    inbox.drop("processed/old.csv", HEADER + GOOD_ROWS)
    assert inbox.scan_settled() == "处理 0 个文件：导入 0 个，退回 0 个"
    assert inbox.names() == sorted(n for n in ignored if not n.startswith("."))
    assert (inbox.folder / ".城口县.csv").exists() and inbox.names("processed") == ["old.csv"]
    assert count(inbox.ctx.engine, observations) == 0


def test_the_assessment_after_the_import_shows_the_new_value(inbox):
    engine = inbox.ctx.engine
    before = service.run_check(engine, AS_OF, plan_id="chengkou-14th-sti", region="城口县",
                               indicator_id="high_tech_enterprises")
    assert before[c.STATUS].tolist() == ["no_data"]
    inbox.drop("城口县.csv", HEADER + GOOD_ROWS)
    inbox.scan_settled()
    after = service.run_check(engine, AS_OF, plan_id="chengkou-14th-sti", region="城口县",
                              indicator_id="high_tech_enterprises")
    assert after[c.ACTUAL].tolist() == [9.0] and after[c.PERIOD].tolist() == ["2024"]
    assert after[c.STATUS].tolist() != ["no_data"]


def test_an_unreadable_file_is_rejected_and_the_digest_receivers_are_told(inbox):
    inbox.drop("城口县.xlsx", b"PK\x03\x04 this is not a workbook")
    assert inbox.scan_settled() == "处理 1 个文件：导入 0 个，退回 1 个"
    report = (inbox.folder / "rejected" / "城口县.xlsx.errors.txt").read_text(encoding="utf-8-sig")
    assert "不是能读取的 Excel 工作簿" in report
    assert [(r["receiver"], r["title"]) for r in inbox.outbox_rows()] == [("city", "【报送文件未导入】城口县.xlsx")]


def test_a_file_rejected_for_an_unknown_region_is_imported_when_dropped_again_after_its_plan_is_loaded(
        engine, tmp_path, clock):
    service.load_plans(engine, [PLANS_DIR / "chengkou-14th-sti.yaml"], START)
    folder = tmp_path / "inbox"
    folder.mkdir()
    inbox = Inbox(engine, folder, clock)
    content = HEADER + "秀山县,科技进步综合水平位次,2024,33,位\n"
    inbox.drop("秀山.csv", content)
    assert inbox.scan_settled() == "处理 1 个文件：导入 0 个，退回 1 个"
    service.load_plans(engine, [XIUSHAN_PLAN], START)
    inbox.drop("秀山-重发.csv", content)
    assert inbox.scan_settled() == "处理 1 个文件：导入 1 个，退回 0 个"
    assert recorded(engine) == [("秀山-重发.csv", "imported")]
    assert len(stored(engine, "500241")) == 1


def test_a_crash_between_the_import_and_the_move_never_imports_twice(inbox, monkeypatch):
    from monitor.inbox import scan

    def crash(path, target):  # type: ignore[no-untyped-def]
        raise OSError("power cut")

    inbox.drop("城口县.csv", HEADER + GOOD_ROWS)
    inbox.scan()
    inbox.clock.advance(10)
    with monkeypatch.context() as patch:
        patch.setattr(scan, "move", crash)
        with pytest.raises(MonitorError, match="出错 1 个"):
            inbox.scan()
    assert inbox.names() == ["城口县.csv"] and count(inbox.ctx.engine, submissions) == 1
    assert inbox.scan() == "处理 1 个文件：导入 0 个，退回 0 个，重复 1 个"
    assert count(inbox.ctx.engine, submissions) == 1 and count(inbox.ctx.engine, observations) == 3
    assert inbox.names("processed") == ["城口县.csv", "城口县.csv.duplicate.txt"]


def test_without_an_inbox_folder_the_job_does_nothing(engine, clock):
    inbox = Inbox(engine, None, clock)  # type: ignore[arg-type]
    assert inbox.scan() == "未配置收件箱文件夹"


def test_a_missing_inbox_folder_is_a_configuration_error(engine, tmp_path, clock):
    with pytest.raises(ConfigError, match="MONITOR_INBOX__PATH"):
        Inbox(engine, tmp_path / "nowhere", clock).scan()


def test_without_plans_a_settled_file_is_not_judged(engine, tmp_path, clock):
    (tmp_path / "inbox").mkdir()
    inbox = Inbox(engine, tmp_path / "inbox", clock)
    inbox.drop("城口县.csv", HEADER + GOOD_ROWS)
    inbox.scan()
    clock.advance(10)
    with pytest.raises(ConfigError, match="还没有载入任何规划"):
        inbox.scan()
    assert inbox.names() == ["城口县.csv"]
    with engine.connect() as conn:
        assert list(conn.execute(select(inbox_files))) == []


# names that are not UTF-8, names too long to move, destination folders that are links -----------------------------

GBK_NAME = os.fsdecode("城口县2024年报.csv".encode("gbk"))  # as a Windows zip or FTP client leaves it on the disk


def test_a_file_named_in_gbk_is_refused_under_a_readable_name_and_the_other_files_are_taken(inbox):
    inbox.drop(GBK_NAME, HEADER + GOOD_ROWS)
    inbox.drop(os.fsdecode(b"\xff\xfe-report.csv"), HEADER + GOOD_ROWS[:-1])  # neither UTF-8 nor GBK
    inbox.drop("秀山县.csv", HEADER + "秀山县,科技进步综合水平位次,2024,33,位\n", age=30)
    assert inbox.scan_settled() == "处理 3 个文件：导入 1 个，退回 2 个"
    assert inbox.names() == []
    assert inbox.names("processed") == ["秀山县.csv"]
    assert inbox.names("rejected") == ["%FF%FE-report.csv", "%FF%FE-report.csv.errors.txt", "城口县2024年报.csv",
                                       "城口县2024年报.csv.errors.txt"]
    report = (inbox.folder / "rejected" / "城口县2024年报.csv.errors.txt").read_text(encoding="utf-8-sig")
    assert "文件名不是 UTF-8 编码（看来是 GBK 编码，读作“城口县2024年报.csv”）" in report
    engine = inbox.ctx.engine
    assert recorded(engine) == [("%FF%FE-report.csv", "rejected"), ("城口县2024年报.csv", "rejected"),
                                ("秀山县.csv", "imported")]
    assert stored(engine).empty  # the content was good; the name alone refuses it
    titles = sorted((r["receiver"], r["title"]) for r in inbox.outbox_rows())
    assert titles == [("chengkou", "【报送文件未导入】城口县 %FF%FE-report.csv"),
                      ("chengkou", "【报送文件未导入】城口县 城口县2024年报.csv")]
    assert inbox.scan() == "处理 0 个文件：导入 0 个，退回 0 个"  # nothing left that fails every run


def test_a_name_too_long_to_move_with_a_suffix_is_shortened_and_the_next_scan_is_clean(inbox, clock):
    long_name = "城口县" * 27 + ".csv"  # 85 characters, 247 bytes: with .errors.txt added, more than 255
    bad = HEADER + "城口县,科技创新人才数,2024,很多,人\n"
    inbox.drop(long_name, bad)
    assert inbox.scan_settled() == "处理 1 个文件：导入 0 个，退回 1 个"
    inbox.drop(long_name, bad + "城口县,rd_expenditure,2024,x,万元\n")  # the same name again: kept apart
    assert inbox.scan_settled() == "处理 1 个文件：导入 0 个，退回 1 个"
    rejected = inbox.names("rejected")
    assert len(rejected) == 4 and all(len(os.fsencode(name)) <= 255 for name in rejected)
    moved = [name for name in rejected if not name.endswith(".errors.txt")]
    assert len(set(moved)) == 2 and all(name.endswith(".csv") and name.startswith("城口县城口县") for name in moved)
    assert {f"{name}.errors.txt" for name in moved} == set(rejected) - set(moved)
    report = (inbox.folder / "rejected" / f"{moved[0]}.errors.txt").read_text(encoding="utf-8-sig")
    assert f"报送文件未导入：{long_name}" in report  # the report and the record keep the whole name
    assert recorded(inbox.ctx.engine) == [(long_name, "rejected"), (long_name, "rejected")]
    assert inbox.scan() == "处理 0 个文件：导入 0 个，退回 0 个"


def test_a_long_name_imported_twice_keeps_both_copies_within_the_name_limit(inbox):
    long_name = "城口县科技创新报表" * 9 + ".csv"  # 247 bytes
    inbox.drop(long_name, HEADER + GOOD_ROWS)
    assert inbox.scan_settled() == "处理 1 个文件：导入 1 个，退回 0 个"
    inbox.drop(long_name, HEADER + "城口县,rd_expenditure,2024,2100,万元\n")
    assert inbox.scan_settled() == "处理 1 个文件：导入 1 个，退回 0 个"
    inbox.drop(long_name, HEADER + "城口县,rd_expenditure,2024,2100,万元\n")  # the same content again
    assert inbox.scan_settled() == "处理 1 个文件：导入 0 个，退回 0 个，重复 1 个"
    processed = inbox.names("processed")
    assert len(processed) == 4 and all(len(os.fsencode(name)) <= 255 for name in processed)
    assert long_name in processed and sum(name.endswith(".duplicate.txt") for name in processed) == 1


@pytest.mark.parametrize("sub", ["rejected", "processed"])
def test_a_destination_folder_that_is_a_link_is_refused_and_nothing_moves_through_it(inbox, tmp_path, sub):
    outside = tmp_path / "outside"
    outside.mkdir()
    (inbox.folder / sub).symlink_to(outside, target_is_directory=True)
    inbox.drop("城口县.csv", HEADER + GOOD_ROWS)
    inbox.drop("坏.csv", HEADER + "城口县,科技创新人才数,2024,很多,人\n")
    with pytest.raises(ConfigError, match=f"{sub} 是符号链接"):
        inbox.scan_settled()
    assert list(outside.iterdir()) == []
    assert inbox.names() == ["坏.csv", "城口县.csv"]
    assert recorded(inbox.ctx.engine) == [] and count(inbox.ctx.engine, observations) == 0
    (inbox.folder / sub).unlink()  # replaced by a real folder: the files are taken
    assert inbox.scan_settled() == "处理 2 个文件：导入 1 个，退回 1 个"
    assert list(outside.iterdir()) == []
