"""The quick paths of a national run give what the plain code gives: silences indexed by label, Jinja2's ``a.key``
on dicts, md_escape's shortcut, message views, and receivers files read by LibYAML."""

import math
import random
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import jinja2
import pytest

from monitor.alerts.model import Alert, fingerprint
from monitor.alerts.receivers import ReceiversFile, load_receivers
from monitor.alerts.silences import Silence, SilenceIndex, silenced_by
from monitor.errors import DataError
from monitor.messages.context import full_assessment, item_view, worst_first
from monitor.messages.filters import FLAVOURS, md_escape
from monitor.messages.model import AlertItem
from monitor.messages.render import Renderer
from monitor.yamlfile import load_model

CST = timezone(timedelta(hours=8), "Asia/Shanghai")
T0 = datetime(2025, 7, 1, 9, 0, tzinfo=CST)
REGIONS = [("500229", "城口县"), ("500241", "秀山县"), ("500101", "万州区"), ("500118", "永川区")]


def alert(code: str, region: str, indicator: str, severity: str = "warning", **labels: str) -> Alert:
    base = {"plan": f"plan-{code}", "region": region, "region_code": code, "indicator": indicator, "kind": "level",
            "binding": "", "status": "behind", "severity": severity, "rule": "behind-pace", **labels}
    return Alert(fingerprint(f"plan-{code}", code, indicator, "behind-pace"), "behind-pace", severity, "s", base)


# ---- silences -------------------------------------------------------------------------------------------------

def test_indexed_silences_mute_exactly_what_silenced_by_mutes():
    rng = random.Random(3)
    matchers_pool = ([f"region={name}" for _, name in REGIONS] + [f"region_code={code}" for code, _ in REGIONS]
                     + ["severity=critical", "indicator=~rd_.*", "region!=城口县", "team=", "indicator!~gdp|hitech",
                        "severity=warning", "region=~.*县"])
    silences = []
    for n in range(60):
        starts = T0 + timedelta(hours=rng.randint(-48, 24))
        silences.append(Silence(id=n, matchers=tuple(rng.sample(matchers_pool, rng.randint(1, 3))), starts_at=starts,
                                ends_at=starts + timedelta(hours=rng.choice([1, 24, 72, 72, 240])), author="张三",
                                comment="核对", created_at=starts))
    alerts = [alert(code, name, indicator, severity, **extra)
              for code, name in REGIONS for indicator in ("rd_spend", "gdp", "hitech", "patents")
              for severity in ("warning", "critical") for extra in ({}, {"team": "规划科"})]
    for now in (T0 - timedelta(days=3), T0, T0 + timedelta(hours=30)):
        index = SilenceIndex(silences, now)
        for item in alerts:
            assert index.silenced_by(item) is silenced_by(item, silences, now)
            assert index.silenced_by(item.labels) is silenced_by(item.labels, silences, now)
    assert SilenceIndex([], T0).silenced_by(alerts[0]) is None


def test_of_several_silences_that_end_together_the_first_given_is_reported_by_both():
    same_end = [Silence(id=n, matchers=(m,), starts_at=T0, ends_at=T0 + timedelta(days=1), author="a", comment="c",
                        created_at=T0) for n, m in enumerate(["severity=warning", "region=城口县", "indicator=~.*"])]
    item = alert("500229", "城口县", "gdp")
    assert SilenceIndex(same_end, T0).silenced_by(item) is silenced_by(item, same_end, T0) is same_end[0]


# ---- Jinja2 a.key on dicts ------------------------------------------------------------------------------------

class Thing:
    status = "from an attribute"


@pytest.mark.parametrize("obj,name", [
    ({"status": "behind"}, "status"),
    ({"items": "a key named items"}, "items"),  # a dict's own attribute wins, as in Jinja2
    ({"status": "behind"}, "missing"),
    ({1: "x"}, "status"),
    (Thing(), "status"),
    (Thing(), "missing"),
    (["a"], "append"),
])
def test_the_renderers_attribute_lookup_is_jinja2s(obj, name):
    ours, theirs = Renderer(None).env, jinja2.Environment(undefined=jinja2.StrictUndefined)
    got, expected = ours.getattr(obj, name), theirs.getattr(obj, name)
    if isinstance(expected, jinja2.Undefined):
        assert type(got) is type(expected)
        for value in (got, expected):
            with pytest.raises(jinja2.UndefinedError) as caught:
                str(value)
            assert caught.value.args == (theirs.getattr(obj, name)._undefined_message,)
    else:
        assert got == expected


def test_a_template_mistake_names_the_same_missing_key(tmp_path):
    (tmp_path / "wecom").mkdir()
    (tmp_path / "wecom" / "firing.md.j2").write_text("{% for i in firing %}{{ i.a.no_such_key }}{% endfor %}")
    from monitor.errors import ConfigError
    from monitor.messages.samples import sample_notification

    with pytest.raises(ConfigError, match="'dict object' has no attribute 'no_such_key'"):
        Renderer(tmp_path).render(sample_notification("firing"), "wecom")


# ---- md_escape ------------------------------------------------------------------------------------------------

class Text(str):
    """A str subclass: md_escape takes its long way for it, the reference for the shortcut."""


def test_md_escape_gives_the_same_text_by_its_shortcut_as_by_its_long_way():
    rng = random.Random(5)
    alphabet = ("城口县研发经费投入强度 abcXYZ0123456789.,;，。（）()-+%/" + "*_`~[]<>#|@&:" + "\n\r\t\v\f\x85\u2028\u2029"
                "\x00\x07\x1b\x7f" + "\u3000\xa0 ")
    samples = ["", " ", "城口县", "研发经费投入强度（%）", "a  b", " leading", "trailing ", "http://x.y", "a:b", "&amp;",
               "2025-06", "<font>", "\u3000全角空格"]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(3000)]
    for text in samples:
        for flavour in FLAVOURS:
            assert md_escape(text, flavour) == md_escape(Text(text), flavour), (text, flavour)


# ---- message views --------------------------------------------------------------------------------------------

def test_a_full_assessment_keeps_the_documented_keys_first_and_turns_nan_into_none():
    view = full_assessment({"pace": math.nan, "extra": 1, "status": "behind", "actual": 3.5})
    plain = full_assessment({"status": "behind", "actual": 3.5})
    assert list(view)[:-1] == list(plain) and list(view)[-1] == "extra"
    assert view["pace"] is None and view["actual"] == 3.5 and view["extra"] == 1
    assert full_assessment(None) == full_assessment({})


def test_views_of_a_message_are_those_of_each_item_alone():
    now = datetime(2025, 7, 20, 1, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    started = [datetime(2025, 7, 1, 1, 0, tzinfo=timezone.utc), datetime(2025, 7, 1, 9, 0, tzinfo=CST),
               datetime(2025, 7, 1, 1, 0), None]  # the same moment thrice (a naive time counts as UTC), and none
    items = [AlertItem(alert(code, name, f"i{n}"), "firing" if n % 3 else "resolved", started[n % 4],
                       None if n % 3 else now - timedelta(days=n), bool(n % 2))
             for n, (code, name) in enumerate(REGIONS * 3)]
    items = [i for i in items if i.starts_at is not None or i.state == "firing"]
    views = worst_first(items, now)
    assert sorted(views, key=lambda v: items.index(v.item)) == [item_view(i, now) for i in items]


# ---- receivers files ------------------------------------------------------------------------------------------

RECEIVERS = """\
receivers:
  - name: chengkou-wecom
    wecom: {url_env: CHENGKOU_WECOM_URL, mention_mobiles: ["13800000000"]}
  - name: cq-dingtalk
    dingtalk: {url_env: CQ_DINGTALK_URL, secret_env: CQ_DINGTALK_SECRET}
route:
  receiver: cq-dingtalk
  group_by: [region]
  repeat_interval: 7d
  routes:
    - matchers: {region: 城口县, region_code: 500229}
      receiver: chengkou-wecom
      continue: true
    - matchers: ["severity=critical", 'plan="xiushan-14th"', "indicator=~rd_.*"]
      receiver: cq-dingtalk
inhibit_rules:
  - source_matchers: ["severity=critical"]
    target_matchers: ["severity=warning"]
    equal: [plan, region_code, indicator]
digest_receivers: [cq-dingtalk]
"""


def test_a_receivers_file_reads_as_the_pure_python_loader_reads_it(tmp_path):
    path = tmp_path / "receivers.yaml"
    path.write_text(RECEIVERS, encoding="utf-8")
    before = load_model(path, ReceiversFile, "receivers file")
    before._source = path  # load_receivers remembers where the file is, for its error messages
    assert load_receivers(path) == before


@pytest.mark.parametrize("text", [
    RECEIVERS.replace("wecom: {url_env", "wecom: {url_envv"),  # does not validate: every problem with its line
    RECEIVERS.replace("group_by: [region]", "group_by: [region"),  # not YAML
    "",  # empty
    "- a list\n",
    RECEIVERS.replace("城口县", "城口县\x07"),  # a character the YAML reader refuses
])
def test_a_faulty_receivers_file_is_refused_with_the_same_problems_as_before(tmp_path, text):
    path = tmp_path / "receivers.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as ours:
        load_receivers(path)
    with pytest.raises(DataError) as before:
        load_model(path, ReceiversFile, "receivers file")
    assert str(ours.value) == str(before.value) and ours.value.problems == before.value.problems


def test_receivers_are_found_by_name_even_after_the_list_changes(tmp_path):
    path = tmp_path / "receivers.yaml"
    path.write_text(RECEIVERS, encoding="utf-8")
    config = load_receivers(path)
    assert config.receiver("cq-dingtalk").kind == "dingtalk"
    config.receivers.reverse()
    assert config.receiver("cq-dingtalk") is config.receivers[0]
    copy = config.model_copy(update={"receivers": config.receivers[1:]})
    assert copy.receiver("chengkou-wecom").kind == "wecom"
    from monitor.errors import ConfigError

    with pytest.raises(ConfigError, match="no receiver named 'cq-dingtalk'"):
        copy.receiver("cq-dingtalk")
    assert config == load_receivers(path).model_copy(update={"receivers": config.receivers})


def test_full_assessment_turns_exactly_the_float_nans_into_none():
    import numpy as np
    import pandas as pd
    from decimal import Decimal

    from monitor.messages.context import DIGITS
    from monitor.report.figures import row_digits
    from monitor.report.wording import JUDGEMENT, judgement

    def reference(assessment):  # full_assessment before the shortcut
        out = dict.fromkeys((*full_assessment({}).keys(),))
        for key, value in (assessment or {}).items():
            out[key] = None if isinstance(value, float) and math.isnan(value) else value
        out[JUDGEMENT] = judgement(out) or None
        out[DIGITS] = row_digits(out)
        return out

    samples = [{"pace": 0.5, "status": "behind"}, {"pace": math.nan}, {"pace": np.float64("nan"), "t": 2025.5},
               {"note": pd.NA, "pace": math.nan}, {"x": np.array([1.0, math.nan])}, {"d": Decimal("NaN")},
               {"pace": None, "actual": float("inf")}]
    for sample in samples:
        got, expected = full_assessment(sample), reference(sample)
        assert list(got) == list(expected)
        assert all(got[k] is expected[k] or got[k] == expected[k] for k in got if k not in ("x",)), sample


def test_plans_are_named_for_the_regions_the_whole_assessment_says_have_several():
    from monitor.messages.context import name_plans

    def rows():
        return [{"region_code": "500229", "plan_id": "p14"}, {"region_code": "500241", "plan_id": "x14"},
                {"region_code": 500101, "plan_id": "w14"}]

    extra = {"plan_names": {"p14": "城口县十四五规划"}, "multi_plan_regions": ["500229"]}
    named = rows()
    name_plans(named, extra)
    assert [r.get("plan_name") for r in named] == ["城口县十四五规划", None, None]
    extra["multi_plan_regions"].append(500241)  # the same list, grown: read again
    named = rows()
    name_plans(named, extra)
    assert [r.get("plan_name") for r in named] == ["城口县十四五规划", "x14", None]
    named = rows()
    name_plans(named, {"multi_plan_regions": ["500101"]})  # another list
    assert [r.get("plan_name") for r in named] == [None, None, "w14"]
    named = rows()
    name_plans(named, {})
    assert [r.get("plan_name") for r in named] == [None, None, None]
