"""Crontab strings of MONITOR_SCHEDULE__* as triggers: 5 and 6 fields, crontab weekday numbers, next fire times."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from monitor.errors import ConfigError
from monitor.jobs import JOB_IDS
from monitor.ops.cron import crontab_weekdays, next_fire_time, parse_cron, schedule_triggers
from monitor.settings import ScheduleSettings

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Saturday 5 July 2025, 08:00 in Shanghai
SATURDAY_8AM = datetime(2025, 7, 5, 0, 0, tzinfo=timezone.utc)


def test_five_fields_fire_at_the_next_weekday_morning_in_shanghai():
    fire = next_fire_time(parse_cron("0 9 * * mon-fri", "Asia/Shanghai"), SATURDAY_8AM)
    assert fire == datetime(2025, 7, 7, 9, 0, tzinfo=SHANGHAI)
    assert fire.utcoffset().total_seconds() == 8 * 3600


def test_six_fields_put_seconds_first():
    trigger = parse_cron("*/30 * * * * *", SHANGHAI)
    assert next_fire_time(trigger, datetime(2025, 7, 1, 1, 0, 10, tzinfo=timezone.utc)) == \
        datetime(2025, 7, 1, 9, 0, 30, tzinfo=SHANGHAI)


def test_five_fields_fire_on_the_minute():
    fire = next_fire_time(parse_cron("*/15 * * * *", SHANGHAI), datetime(2025, 7, 1, 1, 7, 42, tzinfo=timezone.utc))
    assert fire == datetime(2025, 7, 1, 9, 15, 0, tzinfo=SHANGHAI)


def test_numeric_weekdays_are_crontab_numbers_so_1_to_5_is_monday_to_friday():
    trigger = parse_cron("0 9 * * 1-5", SHANGHAI)
    assert next_fire_time(trigger, SATURDAY_8AM) == datetime(2025, 7, 7, 9, 0, tzinfo=SHANGHAI)  # Monday


@pytest.mark.parametrize("number", ["0", "7"])
def test_zero_and_seven_are_sunday(number):
    fire = next_fire_time(parse_cron(f"0 9 * * {number}", SHANGHAI), SATURDAY_8AM)
    assert fire == datetime(2025, 7, 6, 9, 0, tzinfo=SHANGHAI) and fire.weekday() == 6


@pytest.mark.parametrize("field,names", [
    ("1-5", "mon,tue,wed,thu,fri"), ("*/2", "sun,tue,thu,sat"), ("5-7", "fri,sat,sun"), ("sat,0", "sat,sun"),
    ("mon-fri", "mon-fri"), ("*", "*"), ("1-5/2", "mon,wed,fri"),
])
def test_weekday_numbers_become_names(field, names):
    assert crontab_weekdays(field) == names


@pytest.mark.parametrize("text,words", [
    ("0 9 * *", "4 fields"), ("0 9 * * * * *", "7 fields"), ("61 9 * * *", "61"), ("0 9 * * 8", "0-7"),
    ("0 9 * * mon-5", "mix"), ("0 9 * * 5-1", "lower number first"),
])
def test_bad_strings_are_refused_saying_why(text, words):
    with pytest.raises(ValueError, match=words):
        parse_cron(text, SHANGHAI)


def test_schedule_triggers_name_the_setting_that_is_wrong():
    triggers = schedule_triggers(ScheduleSettings(), SHANGHAI, JOB_IDS)
    assert set(triggers) == set(JOB_IDS)
    with pytest.raises(ConfigError, match="MONITOR_SCHEDULE__DIGEST"):
        schedule_triggers(ScheduleSettings(digest="0 9 * *"), SHANGHAI, JOB_IDS)
