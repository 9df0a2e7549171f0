"""`monitor check --format json` is written in parts (monitor.report.check.json_parts): the same bytes as one
indented array of every object, whatever the number of objects and the size of a part."""

import json

import orjson
import pytest

from monitor.report.check import json_parts, output_records, to_json
from tests.cli_runner import loaded_monitor


@pytest.fixture
def checked(capsys, monkeypatch, sqlite_url, tmp_path):
    return loaded_monitor(capsys, monkeypatch, sqlite_url, tmp_path)


@pytest.fixture
def frame(checked, sqlite_url):
    from datetime import date

    from monitor import service
    from monitor.settings import Settings

    return service.run_check(service.open_database(Settings(database_url=sqlite_url)), date(2025, 7, 1))


@pytest.mark.parametrize("rows", [1, 2, 7, 1_000])
def test_the_parts_join_to_one_indented_array(frame, rows):
    whole = orjson.dumps(output_records(frame), option=orjson.OPT_INDENT_2)
    for size in (0, 1, rows, len(frame) - 1, len(frame)):
        part = frame.iloc[:max(size, 0)]
        expected = orjson.dumps(output_records(part), option=orjson.OPT_INDENT_2)
        assert b"".join(json_parts(part, rows=rows)) == expected
    assert b"".join(json_parts(frame, rows=rows)) == whole == to_json(frame)
    assert len(json.loads(whole)) == len(frame) > 7


def test_the_command_writes_the_parts_then_a_line_end(checked, frame):
    result = checked("check", "--as-of", "2025-07-01", "--format", "json", "--fail-on", "never")
    assert result.code == 0
    assert result.out == to_json(frame).decode("utf-8") + "\n"
    assert json.loads(result.out)[0] == json.loads(orjson.dumps(output_records(frame.iloc[:1])))[0]


def test_no_series_is_an_empty_array(frame):
    assert b"".join(json_parts(frame.iloc[:0])) == to_json(frame.iloc[:0]) == b"[]"
