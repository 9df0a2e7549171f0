"""Silences: a window from starts_at (inclusive) to ends_at (exclusive), matchers, and what they refuse."""

from datetime import datetime, timedelta, timezone

import pytest

from monitor.alerts.matchers import Matcher
from monitor.alerts.model import Alert, fingerprint
from monitor.alerts.silences import Silence, active_silences, silenced_by

CST = timezone(timedelta(hours=8), "Asia/Shanghai")
START = datetime(2025, 7, 1, 9, 0, tzinfo=CST)
END = datetime(2025, 7, 8, 9, 0, tzinfo=CST)
TICK = timedelta(microseconds=1)


def silence(matchers=("region=城口县",), starts=START, ends=END, **kw) -> Silence:
    fields = {"id": "s1", "author": "县科技局 张三", "comment": "年报数据核对中", "created_at": START - timedelta(hours=1),
              **kw}
    made = Silence(matchers=matchers, starts_at=starts, ends_at=ends, **fields)
    made.check()
    return made


def alert(region="城口县", indicator="rd_intensity", severity="warning") -> Alert:
    labels = {"plan": "p", "region": region, "region_code": "500229", "indicator": indicator, "kind": "level",
              "binding": "", "status": "behind", "severity": severity, "rule": "behind-pace"}
    return Alert(fingerprint("p", "500229", indicator, "behind-pace"), "behind-pace", severity, "s", labels)


@pytest.mark.parametrize(
    "now,state",
    [(START - TICK, "pending"), (START, "active"), (END - TICK, "active"), (END, "expired"),
     (END + timedelta(days=30), "expired")],
)
def test_a_silence_is_active_from_its_start_inclusive_until_its_end_exclusive(now, state):
    assert silence().state(now) == state
    assert (silenced_by(alert(), [silence()], now) is not None) is (state == "active")


def test_the_window_is_compared_as_instants_whatever_the_time_zone():
    utc_start = START.astimezone(timezone.utc)
    assert silence().state(utc_start) == "active"
    assert silence().state(utc_start - TICK) == "pending"


def test_a_silence_mutes_only_the_alerts_its_matchers_select():
    muting = silence(["region=城口县", "indicator=~rd_.*"])
    assert silenced_by(alert(), [muting], START) is muting
    assert silenced_by(alert(indicator="tech_enterprises"), [muting], START) is None
    assert silenced_by(alert(region="秀山土家族苗族自治县"), [muting], START) is None


def test_labels_alone_can_be_checked_against_silences():
    assert silenced_by({"region": "城口县"}, [silence()], START) is not None


def test_of_several_active_silences_the_one_that_ends_last_is_reported():
    short = silence(id="short", ends=START + timedelta(days=1))
    long = silence(["severity=warning"], id="long", ends=END + timedelta(days=7))
    later = silence(id="later", starts=START + timedelta(days=2), ends=END + timedelta(days=30))
    assert silenced_by(alert(), [short, long, later], START).id == "long"
    assert silenced_by(alert(), [short, long, later], START + timedelta(days=3)).id == "later"


def test_active_silences_keeps_the_order_given():
    one, two = silence(id="one"), silence(id="two", starts=START - timedelta(days=1))
    expired = silence(id="old", starts=START - timedelta(days=9), ends=START)
    assert [s.id for s in active_silences([one, expired, two], START)] == ["one", "two"]


def test_matchers_may_be_given_in_either_spelling_and_are_stored_parsed():
    assert silence({"region": "城口县"}).matchers == (Matcher("region", "=", "城口县"),)
    assert silence(["region=城口县"]) == silence({"region": "城口县"})


@pytest.mark.parametrize("matchers", [(), ["region=~.*"], ["team="], ["region!=城口县"], ["kind!~level", "team="]])
def test_a_silence_whose_every_matcher_accepts_a_missing_label_is_refused(matchers):
    with pytest.raises(ValueError, match="does not match an empty or missing label"):
        silence(matchers)


def test_one_matcher_that_needs_a_value_is_enough_for_a_silence():
    assert silence(["region!=城口县", "indicator=~rd_.+"]).state(START) == "active"


@pytest.mark.parametrize(
    "change,words",
    [
        ({"ends": START}, "end after it starts"),
        ({"ends": START - timedelta(days=1)}, "end after it starts"),
        ({"author": " "}, "author"),
        ({"comment": ""}, "comment"),
    ],
)
def test_a_new_silence_that_is_incomplete_or_inverted_is_refused(change, words):
    with pytest.raises(ValueError, match=words):
        silence(**change)


@pytest.mark.parametrize(
    "change,words",
    [
        ({"starts_at": datetime(2025, 7, 1, 9, 0)}, "starts_at must be a datetime with a time zone"),
        ({"created_at": datetime(2025, 7, 1)}, "created_at must be a datetime with a time zone"),
        ({"matchers": ["region~城口县"]}, "not a matcher"),
    ],
)
def test_a_silence_without_time_zones_or_with_a_bad_matcher_cannot_even_be_built(change, words):
    fields = {"id": 1, "matchers": ["region=城口县"], "starts_at": START, "ends_at": END, "author": "张三",
              "comment": "核对", "created_at": START, **change}
    with pytest.raises(ValueError, match=words):
        Silence(**fields)


def test_a_stored_silence_expired_before_it_started_still_loads_and_is_never_active():
    # `silence expire` sets ends_at to now, which may be before a scheduled start
    early = Silence(id=7, matchers=("region=城口县",), starts_at=END, ends_at=START, author="张三", comment="取消",
                    created_at=START)
    assert [early.state(t) for t in (START - TICK, START, END - TICK, END)] == ["pending", "expired", "expired",
                                                                               "expired"]
    assert silenced_by(alert(), [early], START + timedelta(days=1)) is None


def test_now_without_a_time_zone_is_refused_rather_than_compared_wrongly():
    with pytest.raises(ValueError, match="now must be a datetime with a time zone"):
        active_silences([silence()], datetime(2025, 7, 2))
