"""The composition root: what each command does, wiring settings, storage, plans, actuals and the core.

Each function takes its clock value (``now`` or ``as_of``) as an argument; the CLI supplies it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.bulk import paused_gc
from monitor.core.status import Thresholds
from monitor.errors import ConfigError, DataError, MonitorError
from monitor.storage import actual_store, assessment_reads, plan_store
from monitor.storage.db import make_engine, read_snapshot, require_current, upgrade

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Engine

    from monitor.actuals.catalogue import Catalogue
    from monitor.actuals.resolve import Resolver
    from monitor.plans.model import Plan
    from monitor.settings import Settings

# Reading and validating files (monitor.actuals.reader, .validate, monitor.plans.loader and YAML), the plan model
# (pydantic), the catalogue and the assessment are imported by the functions that use them, so commands that need none of them start sooner.


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
    from monitor.actuals.catalogue import Catalogue

    plans = stored_plans(engine)
    if not plans:
        raise ConfigError("还没有载入任何规划：请先运行 `monitor init` 或 `monitor plans load FILE`")
    try:
        return Catalogue.from_plans(plans)
    except ValueError as exc:
        raise ConfigError(f"已载入的规划相互矛盾：{exc}") from exc


def resolver(engine: Engine) -> Resolver:
    """Regions and indicators by the names people type (monitor.actuals.resolve), from the stored plans."""
    from monitor.actuals.catalogue import Catalogue
    from monitor.actuals.resolve import Resolver
    from monitor.plans.model import Plan

    plans = stored_plans(engine)
    if not plans:
        raise ConfigError("还没有载入任何规划：请先运行 `monitor init` 或 `monitor plans load FILE`")
    return Resolver.from_plans(plans)


def resolve_regions(engine: Engine, region: str | None) -> list[str] | None:
    """Region codes named by a code, official name or alias; None means every region."""
    if not region:
        return None
    return resolver(engine).region_codes(region)


def resolve_indicator(engine: Engine, indicator: str | None, regions: list[str] | None = None) -> str | None:
    """The indicator id an id, printed name or alias names (in ``regions``, None: any); None means every one."""
    if not indicator:
        return None
    return resolver(engine).indicator_id(indicator, regions)


@dataclass(frozen=True)
class ImportReport:
    file: str
    result: actual_store.StoreResult
    dry_run: bool
    blank: tuple[int, ...] = ()  # rows left without a value, skipped


def import_actuals(
    engine: Engine, path: Path, now: datetime, *, submitted_by: str | None = None, dry_run: bool = False,
    region: str | None = None,
) -> ImportReport:
    """Validate a submitted file completely, then store it whole (or, with dry_run, only report). ``region``
    names the county of a file without a region column (else the file's name must)."""
    from monitor.actuals.reader import read_table
    from monitor.actuals.validate import check

    known = catalogue(engine)
    county = None
    if region:
        codes = resolver(engine).region_codes(region)
        county = known.region(codes[0])
    table = read_table(path)
    checked = check(table, known, submitted_by=submitted_by, region=county)
    with engine.begin() as conn:
        result = actual_store.store_actuals(
            conn, checked.rows, file_name=path.name, sha256=table.sha256, submitted_by=submitted_by, now=now,
            dry_run=dry_run,
        )
    return ImportReport(path.name, result, dry_run, checked.blank)


def write_template(engine: Engine, region: str, today: date, output: Path, *, period: str | None = None,
                   plan_id: str | None = None, return_to: str | None = None):  # type: ignore[no-untyped-def]
    """Write the submission template of one region (monitor.actuals.template) and return what it holds."""
    from monitor.actuals import template

    codes = resolver(engine).region_codes(region)
    if len(codes) > 1:
        raise MonitorError(f"“{region}”指多个地区（{'、'.join(codes)}）；请用地区代码指定一个")
    chosen = template.template_for(stored_plans(engine), codes[0], today, period=period, plan_id=plan_id)
    template.write_template(chosen, output, return_to=return_to)
    return chosen


def run_check(
    engine: Engine,
    as_of: date,
    *,
    plan_id: str | None = None,
    region: str | None = None,
    indicator_id: str | None = None,
    thresholds: Thresholds = Thresholds(),
) -> pd.DataFrame:
    """Assess the latest value of every selected series whose period ended by ``as_of``. ``region`` and
    ``indicator_id`` may be any name people use (a code, printed name, alias or id)."""
    from monitor.core.assess import assess

    regions = resolve_regions(engine, region)
    indicator_id = resolve_indicator(engine, indicator_id, regions)
    with paused_gc(), read_snapshot(engine) as conn:
        series, milestones = plan_store.series_frames(conn, plan_id, regions, indicator_id)
        if series.empty:
            raise MonitorError(_nothing_selected(plan_id, region, indicator_id))
        cumulative = sorted(series.loc[series["kind"] == "cumulative", "indicator_id"].unique())
        observations = assessment_reads.observations_for_assessment(conn, as_of, regions, indicator_id, cumulative)
        points = plan_store.point_frame(conn, plan_id, indicator_id)
        return assess(series, milestones, observations, as_of, thresholds, points)


def _nothing_selected(plan_id: str | None, region: str | None, indicator_id: str | None) -> str:
    chosen = [f"{k}“{v}”" for k, v in (("规划", plan_id), ("地区", region), ("指标", indicator_id)) if v]
    if not chosen:
        return "还没有载入任何规划：请先运行 `monitor init`"
    return ("没有符合" + "、".join(chosen) + "的指标；`monitor plans list` 和 `monitor plans show ID` 列出各规划及其指标")


__all__ = ["DataError", "MonitorError"]
