"""The compiled, indexed router gives exactly the destinations of the linear walk (first match, continue, default)."""

import random
from datetime import timedelta

import pytest

from monitor.alerts.lifecycle import Routing
from monitor.alerts.routing import Destination, Route, Router, destinations, destinations_linear, router_for

REGIONS = [("500229", "城口县"), ("500241", "秀山县"), ("500101", "万州区"), ("500118", "永川区"), ("500230", "丰都县")]
INDICATORS = ["rd_intensity", "rd_spend", "patents", "gdp", "hitech"]


def labels(code: str, name: str, indicator: str, severity: str, **more: str) -> dict[str, str]:
    return {"plan": f"plan-{code}", "region": name, "region_code": code, "indicator": indicator, "kind": "level",
            "binding": "", "status": "behind", "severity": severity, "rule": "behind-pace", "phase": "in_progress",
            **more}


ALL_LABELS = [labels(code, name, indicator, severity, **extra)
              for code, name in REGIONS + [("500999", "")]
              for indicator in INDICATORS
              for severity in ("warning", "critical")
              for extra in ({}, {"announce": "final"}, {"team": "规划科"})]


def county_tree() -> Route:
    """A realistic mix: county routes by code and by name, a regex route, a negative route, continue: true,
    a nested route with its own grouping, and a default receiver."""
    return Route.model_validate({
        "receiver": "province", "group_by": ["region"], "repeat_interval": "7d",
        "routes": [
            {"matchers": ["announce=final"], "receiver": "archive", "continue": True, "group_by": ["plan"]},
            {"matchers": ["severity=critical", "indicator=~rd_.*"], "receiver": "bureau", "continue": True},
            {"matchers": {"region_code": "500229"}, "receiver": "chengkou", "repeat_interval": "1d"},
            {"matchers": {"region": "秀山县"}, "receiver": "xiushan", "continue": True},
            {"matchers": ["region_code=500241", "severity=critical"], "receiver": "xiushan-critical"},
            {"matchers": {"region_code": "500101"}, "receiver": "wanzhou", "routes": [
                {"matchers": ["indicator!~rd_.*"], "receiver": "wanzhou-other", "group_by": ["region", "indicator"]},
                {"matchers": {"severity": "critical"}, "receiver": "wanzhou-critical"},
            ]},
            {"matchers": ["team!="], "receiver": "team"},
            {"matchers": ["binding="], "receiver": "unstated", "continue": True},
            {"matchers": {"region_code": "500118"}, "receiver": "yongchuan"},
            {"matchers": {"region_code": "500118"}, "receiver": "never-reached"},
            {"receiver": "catch-rest-critical", "matchers": ["severity=critical"], "continue": True},
        ],
    })


@pytest.mark.parametrize("tree", [county_tree(), Route(receiver="log", group_by=["region"])])
def test_the_indexed_router_agrees_with_the_linear_walk_on_a_mix_of_matchers(tree):
    router = Router(tree)
    for item in ALL_LABELS:
        expected = destinations_linear(tree, item)
        assert router.destinations(item) == expected, item
        assert router.destinations(item) == expected, item  # remembered answers are the same
        assert destinations(tree, item) == expected


def test_first_match_continue_and_default_as_documented():
    tree = county_tree()
    go = Router(tree).destinations
    # 城口县 is taken by its county route (no continue): the default province receiver does not get it
    assert [d.receiver for d in go(labels("500229", "城口县", "gdp", "warning"))] == ["chengkou"]
    assert go(labels("500229", "城口县", "gdp", "warning"))[0].repeat_interval == timedelta(days=1)
    # 秀山县's name route continues; its critical route then takes the alert
    assert [d.receiver for d in go(labels("500241", "秀山县", "gdp", "critical"))] == ["xiushan",
                                                                                     "xiushan-critical"]
    # only continue routes matched: the route's own receiver gets it too
    assert [d.receiver for d in go(labels("500241", "秀山县", "gdp", "warning"))] == ["xiushan", "unstated",
                                                                                    "province"]
    # regex with continue, then the nested routes of 万州区 with their own grouping
    found = go(labels("500101", "万州区", "gdp", "critical"))
    assert [d.receiver for d in found] == ["wanzhou-other"]
    assert found[0].group_by == ("region", "indicator")
    assert [d.receiver for d in go(labels("500101", "万州区", "rd_spend", "critical"))] == ["bureau",
                                                                                         "wanzhou-critical"]
    # a nested route where nothing matched falls back to its own receiver
    assert [d.receiver for d in go(labels("500101", "万州区", "rd_spend", "warning"))] == ["wanzhou"]
    # the first of two identical routes takes the alert
    assert [d.receiver for d in go(labels("500118", "永川区", "gdp", "warning"))] == ["unstated", "yongchuan"]


def random_tree(rng: random.Random, depth: int = 0) -> dict:
    ops = ["=", "=", "=", "!=", "=~", "!~"]
    names = ["region_code", "region", "severity", "indicator", "team", "announce"]
    values = {"region_code": [c for c, _ in REGIONS] + [""], "region": [n for _, n in REGIONS] + [""],
              "severity": ["warning", "critical"], "indicator": INDICATORS + ["rd_.*", ".*"],
              "team": ["规划科", ""], "announce": ["final", ""]}
    children = []
    for _ in range(rng.randint(0, 12 if depth == 0 else 4)):
        child: dict = {}
        if rng.random() < 0.9:
            matchers = []
            for _ in range(rng.randint(1, 3)):
                name = rng.choice(names)
                op = rng.choice(ops)
                value = rng.choice(values[name])
                matchers.append(f"{name}{op}{value}")
            child["matchers"] = matchers if rng.random() < 0.7 else {
                m.split("=")[0].rstrip("!"): m.split("=", 1)[1].lstrip("~") for m in matchers if "=" in m}
        if rng.random() < 0.7:
            child["receiver"] = f"r{rng.randint(0, 9)}"
        if rng.random() < 0.4:
            child["continue"] = True
        if rng.random() < 0.2:
            child["group_by"] = rng.sample(names, rng.randint(0, 2))
        if rng.random() < 0.2:
            child["repeat_interval"] = rng.choice(["1d", "12h", "30d"])
        if depth < 2 and rng.random() < 0.3:
            child["routes"] = random_tree(rng, depth + 1)["routes"]
        children.append(child)
    return {"receiver": "root" if depth == 0 else None, "routes": children}


def test_random_trees_route_every_alert_as_the_linear_walk_does():
    rng = random.Random(11)
    for _ in range(300):
        tree = Route.model_validate(random_tree(rng))
        router = Router(tree)
        for item in rng.sample(ALL_LABELS, 40):
            assert router.destinations(item) == destinations_linear(tree, item)


def test_thousands_of_county_routes_are_indexed_and_answer_as_the_linear_walk():
    codes = [f"{110000 + i:06d}" for i in range(3000)]
    tree = Route.model_validate({
        "receiver": "province",
        "routes": [{"matchers": {"region_code": code} if i % 3 else [f"region=县{i}"], "receiver": f"c{code}"}
                   for i, code in enumerate(codes)]})
    router = Router(tree)
    assert not router.root.scan  # every county route found through the index
    for i in (0, 1, 2, 1500, 2999):
        item = labels(codes[i], f"县{i}", "gdp", "warning")
        assert router.destinations(item) == destinations_linear(tree, item) == [
            Destination(f"c{codes[i]}", ("region",), timedelta(days=7))]
    stranger = labels("999999", "外县", "gdp", "warning")
    assert router.destinations(stranger) == destinations_linear(tree, stranger)


def test_the_router_is_built_once_per_route_and_routing_uses_it():
    tree = county_tree()
    assert router_for(tree) is router_for(tree)
    routing = Routing(tree, rule_group_by={"behind-pace": ("region", "indicator")})
    item = labels("500229", "城口县", "gdp", "warning")
    assert [d.group_by for d in routing.destinations(item)] == [("region", "indicator")]


def test_routing_remembers_answers_per_rule_and_announcement_exactly():
    from dataclasses import replace

    tree = county_tree()
    routing = Routing(tree, rule_group_by={"behind-pace": ("region", "indicator")},
                      rule_repeat={"off-track": timedelta(days=1)})

    def reference(item):
        found = destinations_linear(tree, item)
        rule = item.get("rule", "")
        if rule in routing.rule_group_by:
            found = [replace(d, group_by=routing.rule_group_by[rule]) for d in found]
        if rule in routing.rule_repeat:
            found = [replace(d, repeat_interval=routing.rule_repeat[rule]) for d in found]
        if item.get("announce") == "final":
            found = [d if "plan" in d.group_by else replace(d, group_by=(*d.group_by, "plan")) for d in found]
        return found

    for rule in ("behind-pace", "off-track", "no-data"):
        for item in ALL_LABELS:
            item = {**item, "rule": rule}
            assert routing.destinations(item) == reference(item)
            assert routing.destinations(item) == reference(item)
    first = routing.destinations(ALL_LABELS[0])
    first.clear()  # callers get a list of their own
    assert routing.destinations(ALL_LABELS[0]) == reference(ALL_LABELS[0])
