"""Hand-inserted rows of the daemon's tables, for the status, health and CLI tests.

``engine`` here replaces the suite's fixture of that name in the modules that import it: one database per module
and backend (SQLite and PostgreSQL), emptied before each test, which saves creating and migrating a database for
every test.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, delete, insert, text
from sqlalchemy.engine import make_url

from monitor.storage.db import make_engine, upgrade

from monitor.storage.tables import (
    alerts,
    delivery_attempts,
    instances,
    job_runs,
    observations,
    outbox,
    reminder_exemptions,
    reminder_notices,
    silences,
)

EMPTIED = (job_runs, instances, delivery_attempts, outbox, alerts, silences, reminder_notices, reminder_exemptions,
           observations)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def shared_engine(request, tmp_path_factory):
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path_factory.mktemp('ops') / 'monitor.db'}")
        upgrade(eng)
        yield eng
        eng.dispose()
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    name = f"monitor_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    eng = make_engine(make_url(admin_url).set(database=name).render_as_string(hide_password=False))
    try:
        upgrade(eng)
        yield eng
    finally:
        eng.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def engine(shared_engine):
    with shared_engine.begin() as conn:
        for table in EMPTIED:
            conn.execute(delete(table))
    return shared_engine


# Tuesday 1 July 2025, 10:00:10 in Shanghai
NOW = datetime(2025, 7, 1, 2, 0, 10, tzinfo=timezone.utc)


def ago(**kw: float) -> datetime:
    return NOW - timedelta(**kw)


def add_instance(engine, name="host-a:100", *, heartbeat=None, role="active", started=None):
    with engine.begin() as conn:
        conn.execute(insert(instances).values(instance=name, hostname=name.split(":")[0], pid=int(name.split(":")[1]),
                                              started_at=started or ago(hours=5), heartbeat_at=heartbeat or ago(seconds=5),
                                              role=role))


def add_run(engine, job_id, outcome, *, started, seconds=2.0, detail=None, instance="host-a:100"):
    finished = None if outcome == "running" else started + timedelta(seconds=seconds)
    with engine.begin() as conn:
        conn.execute(insert(job_runs).values(job_id=job_id, instance=instance, started_at=started,
                                             finished_at=finished, outcome=outcome, detail=detail))


def add_part(engine, status, *, created, receiver="chengkou-wecom", errcode=None, errmsg=None, attempt_at=None):
    """One outbox part; with ``attempt_at``, its last delivery attempt finished then."""
    with engine.begin() as conn:
        part = conn.execute(insert(outbox).values(
            receiver=receiver, channel="wecom", target="wecom:abc", kind="firing", group_key="500229",
            title="【规划监测】城口县", part=1, parts=1, payload="{}", batch="b", message="{}", budget=4096,
            fingerprints="[]", status=status, attempts=1 if attempt_at else 0, created_at=created,
            next_attempt_at=created, errcode=errcode, errmsg=errmsg)).inserted_primary_key[0]
        if attempt_at is not None:
            conn.execute(insert(delivery_attempts).values(outbox_id=part, target="wecom:abc", started_at=attempt_at,
                                                          finished_at=attempt_at, outcome="permanent",
                                                          errcode=errcode, errmsg=errmsg))
    return part


def add_alert(engine, fingerprint, severity, *, state="firing", silenced_by=None, inhibited=False):
    with engine.begin() as conn:
        conn.execute(insert(alerts).values(
            fingerprint=fingerprint, rule_id="behind-pace", plan_id="p", region_code="500229",
            indicator_id=fingerprint, state=state, severity=severity, summary="s", labels="{}", assessment="{}",
            started_at=ago(days=1), last_seen_at=NOW, resolved_at=None, silenced_by=silenced_by,
            inhibited=inhibited))


def add_silence(engine, starts, ends, comment="数据核实中"):
    with engine.begin() as conn:
        conn.execute(insert(silences).values(matchers=json.dumps(["region=城口县"], ensure_ascii=False),
                                             starts_at=starts, ends_at=ends, author="张三", comment=comment,
                                             created_at=starts))


def add_reminder(engine, indicator_id, period="2024", *, reported=False, exempt=False):
    with engine.begin() as conn:
        conn.execute(insert(reminder_notices).values(
            region_code="500229", indicator_id=indicator_id, period=period, due_on=date(2025, 6, 30), step="due",
            sent_count=1, first_sent_at=ago(days=1), last_sent_at=ago(days=1), escalated_at=None))
        if reported:
            conn.execute(insert(observations).values(
                region_code="500229", indicator_id=indicator_id, period=period, freq="A",
                period_end=date(2024, 12, 31), year_end=True, value=1.0, unit="u", revision=1, is_current=True))
        if exempt:
            conn.execute(insert(reminder_exemptions).values(region_code="500229", indicator_id=indicator_id,
                                                            period=period, reason="口径调整", created_at=NOW))
