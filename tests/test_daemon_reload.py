"""A reload (SIGHUP) checks plans, rules, receivers and templates first and stores nothing unless all are accepted;
on SQLite and PostgreSQL, calling the daemon's reload directly."""

from __future__ import annotations

import logging
import shutil
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from monitor import service
from monitor.daemon.runner import Daemon
from monitor.daemon.settings import DaemonSettings
from monitor.settings import load_settings
from monitor.storage.tables import plans
from tests.conftest import PLANS_DIR, ROOT

RENAMED = ("title: 城口县“十四五”科技创新规划\n", "title: 城口县“十四五”科技创新规划（修订）\n")


@pytest.fixture
def configured(tmp_path, database_url):
    plans_dir, rules_dir = tmp_path / "plans", tmp_path / "rules"
    plans_dir.mkdir()
    for name in ("chengkou-14th-sti.yaml", "xiushan-14th-sti.yaml"):
        shutil.copy(PLANS_DIR / name, plans_dir / name)
    shutil.copytree(ROOT / "rules", rules_dir)
    settings = load_settings(database_url=database_url, plans_dir=plans_dir, rules_dir=rules_dir,
                             receivers_file=tmp_path / "receivers.yaml")
    service.initialise(settings, datetime.now(timezone.utc))
    d = Daemon(settings, tuning=DaemonSettings(_env_file=None))
    engine = service.open_database(settings)
    d.ctx = d.build_context(engine)
    yield d, plans_dir, rules_dir, engine
    engine.dispose()


def stored_titles(engine) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return {row.plan_id: row.title for row in conn.execute(select(plans.c.plan_id, plans.c.title))}


def test_a_refused_reload_stores_none_of_the_new_plans(configured, caplog):
    d, plans_dir, rules_dir, engine = configured
    before, old_ctx = stored_titles(engine), d.ctx
    plan = plans_dir / "chengkou-14th-sti.yaml"
    plan.write_text(plan.read_text("utf-8").replace(*RENAMED), encoding="utf-8")  # a good new plan …
    broken = "rules:\n  - id: broken\n    severity: loud\n"  # … and bad rules
    (rules_dir / "default.yaml").write_text(broken, encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="monitor.daemon.runner"):
        d.reload()
    assert "reload refused" in caplog.text and "default.yaml" in caplog.text
    assert stored_titles(engine) == before
    assert d.ctx is old_ctx


def test_a_bad_plan_refuses_the_reload_and_keeps_the_old_configuration_in_force(configured, caplog):
    d, plans_dir, rules_dir, engine = configured
    before, old_ctx = stored_titles(engine), d.ctx
    (plans_dir / "xiushan-14th-sti.yaml").write_text("id: xiushan-14th-sti\ntitle: 半个文件\n", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="monitor.daemon.runner"):
        d.reload()
    assert "reload refused" in caplog.text and "xiushan-14th-sti.yaml" in caplog.text
    assert stored_titles(engine) == before and d.ctx is old_ctx


def test_an_accepted_reload_stores_the_plans_and_swaps_the_configuration(configured, caplog):
    d, plans_dir, _rules_dir, engine = configured
    old_ctx = d.ctx
    plan = plans_dir / "chengkou-14th-sti.yaml"
    plan.write_text(plan.read_text("utf-8").replace(*RENAMED), encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="monitor.daemon.runner"):
        d.reload()
    assert "configuration reloaded" in caplog.text and "chengkou-14th-sti" in caplog.text
    assert stored_titles(engine)["chengkou-14th-sti"] == RENAMED[1].split(": ", 1)[1].strip()
    assert d.ctx is not old_ctx
