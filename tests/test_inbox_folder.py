"""The inbox folder rules without a database: which names are candidates, the settle rule, names that never
overwrite."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from monitor.inbox.folder import (
    Seen,
    Sightings,
    UnsafeFolderError,
    candidates,
    destination_problem,
    fit_name,
    free_name,
    is_candidate,
    is_utf8,
    move,
    safe_name,
    sight,
    write_atomically,
)

NOW = datetime(2025, 7, 1, 2, 0, tzinfo=timezone.utc)
SETTLE = timedelta(seconds=5)


@pytest.mark.parametrize("name,taken", [
    ("城口县2024年报.csv", True), ("城口县2024年报.XLSX", True), ("report.xlsm", True), ("old.xls", True),
    ("~$城口县2024年报.xlsx", False), ("~WRL0001.tmp", False), (".城口县.csv", False), (".~lock.a.xlsx#", False),
    ("a.csv.part", False), ("a.csv.tmp", False), ("a.xlsx.crdownload", False), ("a.csv.partial", False),
    ("a.tmp", False), ("说明.txt", False), ("a.pdf", False), ("csv", False),
])
def test_candidate_names(name, taken):
    assert is_candidate(name) is taken


def seen(size: int = 100, age: float = 60.0) -> Seen:
    mtime = NOW - timedelta(seconds=age)
    return Seen(Path("a.csv"), size, int(mtime.timestamp() * 1e9))


def test_a_file_seen_for_the_first_time_is_not_settled_even_with_an_old_mtime():
    sighting, ok = sight(None, seen(age=3600), NOW, SETTLE)
    assert not ok and sighting.since == NOW


def test_a_file_seen_unchanged_for_the_settle_time_with_an_old_mtime_is_settled():
    first, _ = sight(None, seen(), NOW - SETTLE, SETTLE)
    assert sight(first, seen(), NOW, SETTLE) == (first, True)


def test_a_file_seen_unchanged_for_less_than_the_settle_time_is_not_settled():
    first, _ = sight(None, seen(), NOW - SETTLE + timedelta(milliseconds=1), SETTLE)
    assert sight(first, seen(), NOW, SETTLE)[1] is False


def test_a_file_whose_size_changed_starts_its_watch_again():
    first, _ = sight(None, seen(size=100), NOW - timedelta(minutes=10), SETTLE)
    again, ok = sight(first, seen(size=200), NOW, SETTLE)
    assert not ok and again.since == NOW


def test_a_file_whose_mtime_is_recent_is_not_settled_however_long_it_was_watched():
    first, _ = sight(None, seen(age=1), NOW - timedelta(minutes=10), SETTLE)  # mtime after the first sighting
    assert sight(first, seen(age=1), NOW, SETTLE)[1] is False


def test_with_no_settle_time_a_file_is_taken_at_first_sight():
    assert sight(None, seen(age=0), NOW, timedelta(0))[1] is True


def write(folder: Path, name: str, age: float = 60.0) -> None:
    (folder / name).write_text(name)
    stamp = int((NOW.timestamp() - age) * 1e9)
    os.utime(folder / name, ns=(stamp, stamp))


def test_sightings_survive_in_the_hidden_state_file(tmp_path):
    write(tmp_path, "a.csv")
    files = candidates(tmp_path)
    first = Sightings(tmp_path)
    assert first.settled(files, NOW, SETTLE) == ([], files)
    first.save()
    assert (tmp_path / ".monitor-inbox.json").exists() and candidates(tmp_path) == files
    later = Sightings(tmp_path)  # another process, e.g. the next cron run
    assert later.settled(files, NOW + timedelta(seconds=6), SETTLE) == (files, [])


def test_a_damaged_state_file_only_delays(tmp_path):
    (tmp_path / ".monitor-inbox.json").write_text("{not json")
    write(tmp_path, "a.csv")
    files = candidates(tmp_path)
    assert Sightings(tmp_path).settled(files, NOW, SETTLE) == ([], files)


def test_candidates_are_oldest_first_and_skip_links_and_folders(tmp_path):
    for name, age in (("b.csv", 30), ("a.csv", 10), ("c.xlsx", 20)):
        write(tmp_path, name, age)
    (tmp_path / "link.csv").symlink_to(tmp_path / "a.csv")
    (tmp_path / "folder.csv").mkdir()
    assert [s.path.name for s in candidates(tmp_path)] == ["b.csv", "c.xlsx", "a.csv"]


def test_a_taken_name_gets_a_timestamp_and_then_a_counter(tmp_path):
    stamp = datetime(2025, 7, 1, 10, 0, 5)
    assert free_name(tmp_path, "城口县.csv", stamp) == tmp_path / "城口县.csv"
    (tmp_path / "城口县.csv").write_text("1")
    assert free_name(tmp_path, "城口县.csv", stamp) == tmp_path / "城口县-20250701-100005.csv"
    (tmp_path / "城口县-20250701-100005.csv").write_text("2")
    assert free_name(tmp_path, "城口县.csv", stamp) == tmp_path / "城口县-20250701-100005-2.csv"


def test_move_never_overwrites(tmp_path):
    (tmp_path / "a.csv").write_text("new")
    (tmp_path / "processed").mkdir()
    (tmp_path / "processed" / "a.csv").write_text("old")
    with pytest.raises(FileExistsError):
        move(tmp_path / "a.csv", tmp_path / "processed" / "a.csv")
    assert (tmp_path / "processed" / "a.csv").read_text() == "old"


# names that are not UTF-8, names too long, destination folders that are links -----------------------------------


def test_sightings_of_a_name_that_is_not_utf8_are_saved_and_read_back(tmp_path):
    path = tmp_path / os.fsdecode("城口县.csv".encode("gbk"))
    path.write_bytes(b"1")
    stamp = int((NOW.timestamp() - 60) * 1e9)
    os.utime(path, ns=(stamp, stamp))
    files = candidates(tmp_path)
    first = Sightings(tmp_path)
    assert first.settled(files, NOW, SETTLE) == ([], files)
    first.save()  # once raised UnicodeEncodeError, every scan, so no file ever settled
    assert Sightings(tmp_path).settled(files, NOW + timedelta(seconds=6), SETTLE) == (files, [])


def test_a_name_that_is_not_utf8_is_shown_as_gbk_or_with_its_bytes_escaped():
    assert safe_name("城口县.csv") == "城口县.csv"
    assert safe_name(os.fsdecode("城口县（2024）.xlsx".encode("gbk"))) == "城口县（2024）.xlsx"
    assert safe_name(os.fsdecode(b"\xff\xfe\x80.csv")) == "%FF%FE%80.csv"
    assert is_utf8(safe_name(os.fsdecode(b"a\x81\x30.csv")))  # a GB18030 sequence cut short


@pytest.mark.parametrize("room", [0, len(".errors.txt"), len(".duplicate.txt")])
def test_a_long_name_is_shortened_to_fit_with_its_extension_and_kept_apart(tmp_path, room):
    stamp = datetime(2025, 7, 1, 10, 0, 5)
    names = ["城口县" * 28 + "甲.csv", "城口县" * 28 + "乙.csv"]  # 259 bytes each, alike but for the end
    targets = []
    for name in names * 3:  # each name three times: then with a timestamp, then with a counter
        target = free_name(tmp_path, name, stamp, room=room)
        assert len(os.fsencode(target.name)) + room <= 255 and target.suffix == ".csv"
        assert target.name.startswith("城口县城口县")
        target.write_text("taken")
        targets.append(target)
    assert len(set(targets)) == 6


def test_a_name_that_fits_is_not_changed():
    name = "城口县" * 27 + ".csv"  # 247 bytes
    assert fit_name(name) == name
    assert len(os.fsencode(fit_name(name, 236))) <= 236 and fit_name(name, 236).endswith(".csv")


def test_a_report_beside_a_long_name_is_written(tmp_path):
    path = tmp_path / ("城" * 81 + ".csv.errors.txt")  # 258 bytes: its temporary name would be longer still
    path = path.with_name(fit_name(path.name))
    write_atomically(path, "报告")
    assert path.read_text(encoding="utf-8-sig") == "报告"


@pytest.mark.parametrize("sub", ["rejected", "processed"])
def test_a_destination_folder_that_is_a_link_is_refused(tmp_path, sub):
    inbox, outside = tmp_path / "inbox", tmp_path / "outside"
    inbox.mkdir()
    outside.mkdir()
    assert destination_problem(inbox, inbox / sub) is None  # not there yet: made when needed
    (inbox / sub).symlink_to(outside, target_is_directory=True)
    assert "是符号链接" in str(destination_problem(inbox, inbox / sub))
    (inbox / "a.csv").write_text("a")
    with pytest.raises(UnsafeFolderError):
        move(inbox / "a.csv", inbox / sub / "a.csv")
    with pytest.raises(UnsafeFolderError):
        write_atomically(inbox / sub / "a.csv.errors.txt", "report", destination=True)
    assert list(outside.iterdir()) == [] and (inbox / "a.csv").exists()


def test_an_inbox_that_is_itself_a_link_keeps_its_sightings(tmp_path):
    """Only processed/ and rejected/ must be real folders; the inbox may be a link to a mounted share."""
    share = tmp_path / "share"
    share.mkdir()
    (tmp_path / "inbox").symlink_to(share, target_is_directory=True)
    write(tmp_path / "inbox", "a.csv")
    files = candidates(tmp_path / "inbox")
    first = Sightings(tmp_path / "inbox")
    first.settled(files, NOW, SETTLE)
    first.save()
    assert Sightings(tmp_path / "inbox").settled(files, NOW + timedelta(seconds=6), SETTLE) == (files, [])
    assert destination_problem(tmp_path / "inbox", tmp_path / "inbox" / "rejected") is None


def test_a_destination_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "rejected").write_text("not a folder")
    assert "不是文件夹" in str(destination_problem(tmp_path, tmp_path / "rejected"))


def test_a_temporary_file_that_is_a_link_is_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    (tmp_path / "rejected").mkdir()
    (tmp_path / "rejected" / ".a.csv.errors.txt.tmp").symlink_to(victim)
    with pytest.raises(OSError):
        write_atomically(tmp_path / "rejected" / "a.csv.errors.txt", "report")
    assert victim.read_text() == "keep"
