"""The inbox folder rules without a database: which names are candidates, the settle rule, names that never
overwrite."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from monitor.inbox.folder import Seen, Sightings, candidates, free_name, is_candidate, move, sight

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
