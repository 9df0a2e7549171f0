"""The composition root: what each command does, wiring settings, storage, plans, actuals and the core.

Each function takes its clock value (``now`` or ``as_of``) as an argument; the CLI supplies it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.actuals.catalogue import NATIONAL_LABELS, Catalogue
from monitor.actuals.normalise import fold
from monitor.bulk import paused_gc
from monitor.core.status import Thresholds
from monitor.errors import ConfigError, DataError, MonitorError
from monitor.plans.model import NATIONAL_CODE, Plan
from monitor.storage import actual_store, plan_store
from monitor.storage.db import make_engine, read_snapshot, require_current, upgrade

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Engine

    from monitor.settings import Settings

# Reading and validating files (monitor.actuals.reader, .validate, monitor.plans.loader and YAML) and the
# assessment are imported by the functions that use them, so commands that need none of them start sooner.


def open_database(settings: Settings) -> Engine:
    engine = make_engine(settings.database_url)
    require_current(engine)
    return engine


@dataclass(frozen=True)
class InitReport:
    schema_before: str | None
    schema_after: str
    plans: list[plan_store.SaveResult]


def initialise(settings: Settings, now: datetime) -> InitReport:
    """Create or upgrade the schema, then load every plan file in the plans folder."""
    from monitor.plans.loader import plan_files_in

    engine = make_engine(settings.database_url)
    before, after = upgrade(engine)
    folder = settings.plans_dir
    if not folder.is_dir():
        raise ConfigError(f"plans folder {folder} does not exist (MONITOR_PLANS_DIR)")
    results = load_plans(engine, plan_files_in(folder), now)
    return InitReport(before, after, results)


def load_plans(engine: Engine, paths: list[Path], now: datetime) -> list[plan_store.SaveResult]:
    """Validate all files first (`succeeds` also against the stored plans), then store them in one transaction."""
    from monitor.plans.loader import read_plan_files

    with engine.begin() as conn:
        files = read_plan_files(paths, plan_store.stored_plans(conn))
        return [plan_store.save_plan(conn, f.plan, f.path.name, now) for f in files]


def stored_plans(engine: Engine) -> list[Plan]:
    with engine.connect() as conn:
        return plan_store.stored_plans(conn)


def catalogue(engine: Engine) -> Catalogue:
    plans = stored_plans(engine)
    if not plans:
        raise ConfigError("no plans are loaded; run `monitor init` or `monitor plans load FILE`")
    try:
        return Catalogue.from_plans(plans)
    except ValueError as exc:
        raise ConfigError(f"the stored plans conflict: {exc}") from exc


def resolve_regions(engine: Engine, region: str | None) -> list[str] | None:
    """Region codes named by a code, official name or alias; None means every region."""
    if not region:
        return None
    key = fold(region)
    national = {fold(label) for label in NATIONAL_LABELS}
    codes = sorted({
        p.region.code for p in stored_plans(engine)
        if key in {fold(p.region.code), fold(p.region.name), *(fold(a) for a in p.region.aliases)}
        or (key in national and p.region.code == NATIONAL_CODE)
    })
    if not codes:
        raise MonitorError(f"no plan covers the region {region!r}; `monitor plans list` shows the regions")
    return codes


@dataclass(frozen=True)
class ImportReport:
    file: str
    result: actual_store.StoreResult
    dry_run: bool


def import_actuals(
    engine: Engine, path: Path, now: datetime, *, submitted_by: str | None = None, dry_run: bool = False
) -> ImportReport:
    """Validate a submitted file completely, then store it whole (or, with dry_run, only report)."""
    from monitor.actuals.reader import read_table
    from monitor.actuals.validate import validate

    table = read_table(path)
    rows = validate(table, catalogue(engine), submitted_by=submitted_by)
    with engine.begin() as conn:
        result = actual_store.store_actuals(
            conn, rows, file_name=path.name, sha256=table.sha256, submitted_by=submitted_by, now=now,
            dry_run=dry_run,
        )
    return ImportReport(path.name, result, dry_run)


def run_check(
    engine: Engine,
    as_of: date,
    *,
    plan_id: str | None = None,
    region: str | None = None,
    indicator_id: str | None = None,
    thresholds: Thresholds = Thresholds(),
) -> pd.DataFrame:
    """Assess the latest value of every selected series whose period ended by ``as_of``."""
    from monitor.core.assess import assess

    regions = resolve_regions(engine, region)
    with paused_gc(), read_snapshot(engine) as conn:
        series, milestones = plan_store.series_frames(conn, plan_id, regions, indicator_id)
        if series.empty:
            raise MonitorError(_nothing_selected(plan_id, region, indicator_id))
        cumulative = sorted(series.loc[series["kind"] == "cumulative", "indicator_id"].unique())
        observations = actual_store.observations_for_assessment(conn, as_of, regions, indicator_id, cumulative)
        points = plan_store.point_frame(conn, plan_id, indicator_id)
        return assess(series, milestones, observations, as_of, thresholds, points)


def _nothing_selected(plan_id: str | None, region: str | None, indicator_id: str | None) -> str:
    chosen = [f"{k} {v!r}" for k, v in (("plan", plan_id), ("region", region), ("indicator", indicator_id)) if v]
    if not chosen:
        return "no plans are loaded; run `monitor init` first"
    return "nothing matches " + ", ".join(chosen) + "; `monitor plans list` and `monitor plans show ID` list them"


__all__ = ["DataError", "MonitorError"]
