"""Alert lifecycle decisions: new, repeat, severity rise, resolved, silenced — pure, with time as an argument."""

from datetime import datetime, timedelta, timezone

from monitor.alerts.lifecycle import Current, Routing, plan_messages
from monitor.alerts.model import Alert, fingerprint
from monitor.alerts.routing import Route, destinations

T0 = datetime(2025, 7, 1, 1, 0, tzinfo=timezone.utc)
ROUTE = Route(receiver="cq-dingtalk", group_by=["region"], repeat_interval="7d",
              routes=[Route(matchers={"region": "城口县"}, receiver="chengkou-wecom", **{"continue": True})])
ROUTING = Routing(ROUTE, frozenset({"cq-dingtalk", "chengkou-wecom"}))


def alert(indicator: str, severity: str = "warning", region: str = "城口县", code: str = "500229",
          rule: str = "behind-pace") -> Alert:
    labels = {"plan": f"plan-{code}", "region": region, "region_code": code, "indicator": indicator,
              "kind": "level", "binding": "", "status": "behind", "severity": severity, "rule": rule}
    return Alert(fingerprint(f"plan-{code}", code, indicator, rule), rule, severity, f"{region}{indicator}落后",
                 labels, {"indicator_id": indicator})


def scope(*alerts: Alert) -> set:
    return {(a.plan_id, a.region_code, a.indicator_id) for a in alerts}


class Store:
    """Carries states and notices from one evaluation to the next, as the database does."""

    def __init__(self):
        self.states, self.notices = {}, {}

    def run(self, current, now, in_scope):
        result = plan_messages(current, self.states, self.notices, ROUTING, in_scope, now)
        self.states = {**self.states, **result.states}
        self.notices = {**self.notices, **result.notices}
        return result.messages


def test_a_new_alert_notifies_each_routed_receiver_once_and_then_waits_for_the_repeat_interval():
    store, a = Store(), alert("rd")
    first = store.run([Current(a)], T0, scope(a))
    assert sorted((m.receiver, m.kind) for m in first) == [("chengkou-wecom", "firing"), ("cq-dingtalk", "firing")]
    assert all(item.new for m in first for item in m.items)
    assert store.run([Current(a)], T0 + timedelta(days=6, hours=23), scope(a)) == []
    again = store.run([Current(a)], T0 + timedelta(days=7), scope(a))
    assert sorted((m.receiver, m.kind) for m in again) == [("chengkou-wecom", "reminder"), ("cq-dingtalk", "reminder")]


def test_a_severity_rise_notifies_at_once_and_lists_the_whole_group():
    store, a, b = Store(), alert("rd"), alert("patents")
    store.run([Current(a), Current(b)], T0, scope(a, b))
    worse = alert("rd", severity="critical")
    messages = store.run([Current(worse), Current(b)], T0 + timedelta(hours=1), scope(a, b))
    assert {m.kind for m in messages} == {"firing"}
    assert {item.alert.indicator_id for item in messages[0].items} == {"rd", "patents"}


def test_a_cleared_alert_sends_exactly_one_resolved_message():
    store, a = Store(), alert("rd")
    store.run([Current(a)], T0, scope(a))
    resolved = store.run([], T0 + timedelta(days=1), scope(a))
    assert [(m.receiver, m.kind) for m in resolved] == [("chengkou-wecom", "resolved"), ("cq-dingtalk", "resolved")]
    assert resolved[0].items[0].state == "resolved"
    assert resolved[0].items[0].ends_at == T0 + timedelta(days=1)
    assert store.run([], T0 + timedelta(days=2), scope(a)) == []
    assert store.run([], T0 + timedelta(days=30), scope(a)) == []


def test_an_alert_outside_the_evaluated_scope_does_not_resolve():
    store, a = Store(), alert("rd")
    store.run([Current(a)], T0, scope(a))
    assert store.run([], T0 + timedelta(days=1), set()) == []
    assert store.states[a.fingerprint].state == "firing"


def test_an_alert_that_fires_again_after_resolving_is_new_again():
    store, a = Store(), alert("rd")
    store.run([Current(a)], T0, scope(a))
    store.run([], T0 + timedelta(days=1), scope(a))
    again = store.run([Current(a)], T0 + timedelta(days=2), scope(a))
    assert {m.kind for m in again} == {"firing"}
    assert store.states[a.fingerprint].started_at == T0 + timedelta(days=2)


def test_a_silenced_alert_sends_nothing_but_is_recorded_and_notifies_when_the_silence_ends():
    store, a = Store(), alert("rd")
    assert store.run([Current(a, silenced_by=7)], T0, scope(a)) == []
    assert store.states[a.fingerprint].state == "firing"
    later = store.run([Current(a)], T0 + timedelta(days=1), scope(a))
    assert {m.kind for m in later} == {"firing"}
    assert store.states[a.fingerprint].started_at == T0  # the episode began while silenced


def test_an_inhibited_alert_is_not_sent_while_the_one_that_inhibits_it_is():
    store = Store()
    warn, crit = alert("rd", rule="behind-pace"), alert("rd", severity="critical", rule="off-track")
    messages = store.run([Current(warn, inhibited=True), Current(crit)], T0, scope(warn))
    sent = {item.alert.rule_id for m in messages for item in m.items}
    assert sent == {"off-track"}


def test_a_receiver_that_does_not_want_resolved_messages_gets_none():
    routing = Routing(ROUTE, frozenset({"cq-dingtalk"}))
    a = alert("rd")
    first = plan_messages([Current(a)], {}, {}, routing, scope(a), T0)
    cleared = plan_messages([], first.states, first.notices, routing, scope(a), T0 + timedelta(days=1))
    assert [m.receiver for m in cleared.messages] == ["cq-dingtalk"]


def test_alerts_of_other_regions_go_only_to_the_default_receiver_grouped_by_region():
    a, b = alert("rd", region="秀山土家族苗族自治县", code="500241"), alert("rd")
    assert [d.receiver for d in destinations(ROUTE, a.labels)] == ["cq-dingtalk"]
    assert [d.receiver for d in destinations(ROUTE, b.labels)] == ["chengkou-wecom", "cq-dingtalk"]
    result = plan_messages([Current(a), Current(b)], {}, {}, ROUTING, scope(a, b), T0)
    groups = sorted((m.receiver, m.group_labels["region"]) for m in result.messages)
    assert groups == [("chengkou-wecom", "城口县"), ("cq-dingtalk", "城口县"), ("cq-dingtalk", "秀山土家族苗族自治县")]


def test_a_rule_with_its_own_repeat_interval_reminds_on_its_schedule_not_the_routes():
    routing = Routing(ROUTE, frozenset(), rule_repeat={"binding-behind": timedelta(days=1)})
    a = alert("rd", rule="binding-behind")
    first = plan_messages([Current(a)], {}, {}, routing, scope(a), T0)
    later = plan_messages([Current(a)], first.states, first.notices, routing, scope(a), T0 + timedelta(days=1))
    assert {m.kind for m in later.messages} == {"reminder"}


def test_a_rule_with_its_own_grouping_makes_its_own_groups():
    routing = Routing(ROUTE, frozenset(), rule_group_by={"behind-pace": ("region", "indicator")})
    a, b = alert("rd"), alert("patents")
    result = plan_messages([Current(a), Current(b)], {}, {}, routing, scope(a, b), T0)
    assert len([m for m in result.messages if m.receiver == "cq-dingtalk"]) == 2
