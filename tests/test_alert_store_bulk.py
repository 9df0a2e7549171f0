"""Bulk recording stores exactly the rows the per-row code stored: alert states, what held them back, notices."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import StatementError

from monitor.alerts.lifecycle import Current, Evaluation, Routing, plan_messages
from monitor.alerts.model import Alert, fingerprint
from monitor.alerts.routing import Route
from monitor.storage import alert_store, bulk_write
from monitor.storage.tables import alert_notices, alerts

T0 = datetime(2025, 7, 1, 1, 0, tzinfo=timezone.utc)
ROUTING = Routing(
    Route.model_validate({"receiver": "province", "group_by": ["region"], "repeat_interval": "7d", "routes": [
        {"matchers": {"region_code": "500229"}, "receiver": "chengkou", "continue": True},
        {"matchers": ["severity=critical"], "receiver": "bureau"}]}),
    frozenset({"province", "chengkou"}))


def per_row_save(conn, evaluation: Evaluation, current: list[Current], now: datetime) -> None:
    """save_evaluation as it was before bulk recording (one statement per state and two per notice): the
    reference the bulk code must match row for row."""
    held = {c.alert.fingerprint: c for c in current}
    existing = set(conn.execute(select(alerts.c.fingerprint)).scalars())
    for fp, state in evaluation.states.items():
        item = held.get(fp)
        values = {
            "rule_id": state.alert.rule_id, "plan_id": state.alert.plan_id,
            "region_code": state.alert.region_code, "indicator_id": state.alert.indicator_id,
            "state": state.state, "severity": state.alert.severity, "summary": state.alert.summary,
            "labels": json.dumps(state.alert.labels, ensure_ascii=False, sort_keys=True),
            "assessment": json.dumps(state.alert.assessment, ensure_ascii=False, sort_keys=True),
            "started_at": state.started_at, "last_seen_at": now if item else state.started_at,
            "resolved_at": state.resolved_at,
            "silenced_by": item.silenced_by if item else None, "inhibited": bool(item and item.inhibited),
        }
        if fp in existing:
            if item is None:
                values.pop("last_seen_at")
            conn.execute(update(alerts).where(alerts.c.fingerprint == fp).values(**values))
        else:
            conn.execute(insert(alerts).values(fingerprint=fp, **values))
    for (fp, receiver), notice in evaluation.notices.items():
        conn.execute(delete(alert_notices).where(alert_notices.c.fingerprint == fp,
                                                 alert_notices.c.receiver == receiver))
        conn.execute(insert(alert_notices).values(
            fingerprint=fp, receiver=receiver, first_notified_at=notice.first_notified_at,
            last_notified_at=notice.last_notified_at, notified_severity=notice.notified_severity,
            resolved_notified_at=notice.resolved_notified_at))


def alert(code: str, indicator: str, severity: str = "warning", rule: str = "behind-pace", pace: float = 0.8,
          name: str = "城口县") -> Alert:
    labels = {"plan": f"plan-{code}", "region": name, "region_code": code, "indicator": indicator,
              "kind": "level", "binding": "", "status": "behind", "severity": severity, "rule": rule}
    assessment = {"plan_id": f"plan-{code}", "region_code": code, "indicator_id": indicator, "pace": pace,
                  "indicator_name": f"指标“{indicator}”", "note": None, "actual": float("nan")}
    return Alert(fingerprint(f"plan-{code}", code, indicator, rule), rule, severity, f"{name}{indicator}落后",
                 labels, assessment)


def steps(size: int) -> list[tuple[datetime, list[Current], set]]:
    """Evaluations over time: new alerts (one silenced, one inhibited), a severity rise, alerts resolving, an
    alert out of scope, one firing again, and a reminder after the repeat interval."""
    codes = [("500229", "城口县"), ("500241", "秀山县")] + [(f"{510000 + i:06d}", f"县{i}") for i in range(size)]
    base = [alert(code, f"ind{j}", name=name) for code, name in codes for j in range(3)]
    scope = {(a.plan_id, a.region_code, a.indicator_id) for a in base}
    first = [Current(a, silenced_by=7 if i == 1 else None, inhibited=i == 2) for i, a in enumerate(base)]
    rise = [Current(alert(a.region_code, a.indicator_id, "critical", name=a.labels["region"]) if i % 4 == 0 else a)
            for i, a in enumerate(base) if i % 5 != 3]
    partial = {k for k in scope if not k[1].startswith("5100")}  # the counties were not assessed this time
    again = [Current(a) for i, a in enumerate(base) if i % 5 != 4]
    return [
        (T0, first, scope),
        (T0 + timedelta(hours=1), [Current(c.alert) for c in first], scope),
        (T0 + timedelta(days=1), [c if isinstance(c, Current) else Current(c) for c in rise], scope),
        (T0 + timedelta(days=2), again[: len(again) // 2], partial),
        (T0 + timedelta(days=3), again, scope),
        (T0 + timedelta(days=11), again, scope),
    ]


def snapshot(conn) -> tuple[list, list]:
    states = [dict(r._mapping) for r in conn.execute(select(alerts).order_by(alerts.c.fingerprint))]
    notices = [dict(r._mapping) for r in conn.execute(select(alert_notices).order_by(alert_notices.c.fingerprint,
                                                                             alert_notices.c.receiver))]
    return states, notices


def replay(engine, save, size: int) -> list[tuple[list, list]]:
    with engine.begin() as conn:
        conn.execute(delete(alerts))
        conn.execute(delete(alert_notices))
    out = []
    for now, current, scope in steps(size):
        with engine.connect() as conn:
            stored, notices = alert_store.stored_alerts(conn), alert_store.stored_notices(conn)
        evaluation = plan_messages(current, stored, notices, ROUTING, scope, now)
        with engine.begin() as conn:
            save(conn, evaluation, current, now)
        with engine.connect() as conn:
            out.append(snapshot(conn))
    return out


@pytest.mark.parametrize("size,chunk", [(3, bulk_write.CHUNK), (40, 16)])  # 126 states: chunks of 16 rows
def test_bulk_recording_stores_the_rows_the_per_row_code_stored(engine, monkeypatch, size, chunk):
    expected = replay(engine, per_row_save, size)
    monkeypatch.setattr(bulk_write, "CHUNK", chunk)
    assert replay(engine, alert_store.save_evaluation, size) == expected
    states, notices = expected[-1]
    assert len(states) == 3 * (size + 2) and notices
    assert {row["state"] for row in states} == {"firing", "resolved"}
    assert any(row["silenced_by"] == 7 for row in expected[0][0]) and any(row["inhibited"] for row in expected[0][0])
    assert any(row["resolved_notified_at"] for row in notices)


def test_the_portable_path_stores_the_same_rows(engine, monkeypatch):
    expected = replay(engine, per_row_save, 3)
    monkeypatch.setattr(bulk_write, "copies", lambda conn: False)
    monkeypatch.setattr(bulk_write, "_ON_CONFLICT", ())
    portable = []
    monkeypatch.setattr(bulk_write, "_upsert_portable",
                        lambda *a, f=bulk_write._upsert_portable: (portable.append(1), f(*a))[1])
    assert replay(engine, alert_store.save_evaluation, 3) == expected
    assert portable


def test_a_resolved_alert_keeps_when_it_was_last_seen(engine):
    a = alert("500229", "rd")
    scope = {(a.plan_id, a.region_code, a.indicator_id)}
    for now, current in ((T0, [Current(a)]), (T0 + timedelta(hours=5), [Current(a)]), (T0 + timedelta(days=1), [])):
        with engine.connect() as conn:
            stored, notices = alert_store.stored_alerts(conn), alert_store.stored_notices(conn)
        with engine.begin() as conn:
            alert_store.save_evaluation(conn, plan_messages(current, stored, notices, ROUTING, scope, now),
                                        current, now)
    with engine.connect() as conn:
        row = conn.execute(select(alerts)).one()
    assert (row.state, row.last_seen_at, row.resolved_at) == ("resolved", T0 + timedelta(hours=5),
                                                             T0 + timedelta(days=1))


def test_execute_many_writes_what_execute_writes(engine):
    from zoneinfo import ZoneInfo

    shanghai = T0.astimezone(ZoneInfo("Asia/Shanghai"))  # the same moment as T0, in another zone
    rows = [{"fingerprint": f"{n:016x}", "receiver": f"r{n % 3}", "first_notified_at": (T0, shanghai)[n % 2],
             "last_notified_at": T0 + timedelta(seconds=n), "notified_severity": "warning",
             "resolved_notified_at": None if n % 3 else shanghai + timedelta(days=n)} for n in range(7)]
    with engine.begin() as conn:
        conn.execute(insert(alert_notices), rows)
        expected = snapshot(conn)[1]
        conn.execute(delete(alert_notices))
        bulk_write.execute_many(conn, insert(alert_notices), rows)
        assert snapshot(conn)[1] == expected
        conn.execute(delete(alert_notices))
    # rows that do not all name the same columns go through conn.execute, which refuses them as before
    uneven = [rows[0], {k: v for k, v in rows[2].items() if k != "resolved_notified_at"}]
    for write in (lambda conn: conn.execute(insert(alert_notices), uneven),
                  lambda conn: bulk_write.execute_many(conn, insert(alert_notices), uneven)):
        with pytest.raises(StatementError, match="resolved_notified_at"), engine.begin() as conn:
            write(conn)
    assert expected[0]["first_notified_at"] == T0 and expected[1]["first_notified_at"] == T0


def test_postgresql_writes_by_copy_and_sqlite_by_executemany(engine, monkeypatch):
    used = []
    monkeypatch.setattr(bulk_write, "_upsert_copied", lambda *a, f=bulk_write._upsert_copied: (used.append("copy"),
                                                                                                f(*a))[1])
    replay(engine, alert_store.save_evaluation, 3)
    assert bool(used) is (engine.dialect.name == "postgresql")


def test_states_are_serialised_as_json_dumps_writes_them():
    samples = [{}, {"b": 1, "a": [1.5, None, True], "c": {"z": "城口县\n\"引号\"", "y": float("nan")}},
               {"x": float("inf"), "y": -0.0, "z": 10**20, "w": 1e16, "v": "\x00\u2028"}, [1, {"b": 2, "a": 1}], "text",
               alert("500229", "rd").assessment, alert("500229", "rd").labels]
    for value in samples:
        assert alert_store._JSON(value) == json.dumps(value, ensure_ascii=False, sort_keys=True)
    circular: dict = {}
    circular["me"] = circular
    for _ in range(2):
        with pytest.raises(ValueError, match="Circular reference"):
            alert_store._JSON(circular)
    assert alert_store._JSON({"after": "a failure"}) == '{"after": "a failure"}'
    with pytest.raises(TypeError):
        alert_store._JSON({1: "a", "b": 2})  # keys that cannot be sorted together, as json.dumps refuses them
