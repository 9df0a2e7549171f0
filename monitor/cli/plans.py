"""`monitor plans …`: validate, load, list, show and check plan files; print the plan file JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from monitor.cli import Context, pass_context
from monitor.cli.config import _echo_plan_results
from monitor.errors import MonitorError

if TYPE_CHECKING:
    from monitor.plans.model import Citation, Indicator, Plan

_files = click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))


@click.group()
def plans() -> None:
    """Plan files: the targets each county is judged against."""


@plans.command()
@_files
def validate(files: tuple[Path, ...]) -> None:
    """Check plan files without storing them; every problem is listed with file, line and field.

    \b
    Example:
      monitor plans validate config/plans/*.yaml
    """
    from monitor.plans.loader import read_plan_files

    for item in read_plan_files(list(files)):
        click.echo(f"{item.path}: ok ({item.plan.id}, {len(item.plan.indicators)} indicators)")


@plans.command()
@_files
@pass_context
def load(ctx: Context, files: tuple[Path, ...]) -> None:
    """Store plan files; loading the same file again changes nothing, an edit prints what changed.

    \b
    Example:
      monitor plans load config/plans/chengkou-14th-sti.yaml
    """
    from monitor import service

    engine = service.open_database(ctx.settings)
    _echo_plan_results(service.load_plans(engine, list(files), ctx.now()))


@plans.command("list")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Show each plan's phase on this date (default: today in MONITOR_TIMEZONE).")
@pass_context
def list_(ctx: Context, as_of) -> None:  # type: ignore[no-untyped-def]
    """List the stored plans and the phase of each: 尚未开始, 执行中, 已结束 or 已由 … 接续.

    \b
    Example:
      monitor plans list --as-of 2026-07-15
    """
    from rich.console import Console
    from rich.table import Table

    from monitor import service
    from monitor.plans.model import LEVEL_NAMES
    from monitor.plans.phase import plan_phase
    from monitor.storage.plan_store import plan_summaries, stored_plans

    engine = service.open_database(ctx.settings)
    day = as_of.date() if as_of else ctx.today()
    with engine.connect() as conn:
        rows = plan_summaries(conn)
        known = {p.id: p for p in stored_plans(conn)}
    table = Table("计划 ID", "地区", "代码", "层级", "规划名称", "期间", "指标数", f"阶段（{day.isoformat()}）")
    for row in rows:
        plan = known[row["plan_id"]]
        phase = plan_phase(plan, list(known.values()), day)
        level = LEVEL_NAMES[plan.region.level] if plan.region.level else "—"
        table.add_row(row["plan_id"], row["region_name"], row["region_code"], level, row["title"],
                      f"{row['period_start']}–{row['period_end']}", str(row["indicators"]), phase.label)
    Console(width=200 if not Console().is_terminal else None).print(table)


@plans.command()
@click.argument("plan_id")
@click.option("--format", "fmt", type=click.Choice(["table", "yaml", "json"]), default="table", show_default=True)
@pass_context
def show(ctx: Context, plan_id: str, fmt: str) -> None:
    """Show one stored plan with every indicator, milestone and citation.

    The table gives each target as the plan prints it (控制在5.5%以内, 年均增长5—5.5%, >22, 高于…增长), its form
    (路径, 上限, 区间, 相对, 年度目标 …), the milestones, annual targets (年度目标) and rebases of the baseline.

    \b
    Example:
      monitor plans show xiushan-14th-sti
    """
    from monitor import service
    from monitor.storage.plan_store import stored_plan

    engine = service.open_database(ctx.settings)
    with engine.connect() as conn:
        plan = stored_plan(conn, plan_id)
    if plan is None:
        raise MonitorError(f"no stored plan {plan_id!r}; `monitor plans list` shows the ids")
    if fmt == "json":
        click.echo(json.dumps(plan.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    if fmt == "yaml":
        import yaml

        click.echo(yaml.safe_dump(plan.model_dump(mode="json", exclude_defaults=True), allow_unicode=True,
                                  sort_keys=False))
        return
    _print_plan(plan)


def _print_plan(plan: Plan) -> None:
    from rich.console import Console
    from rich.table import Table

    from monitor.plans.model import LEVEL_NAMES

    console = Console(width=200 if not Console().is_terminal else None)
    level = LEVEL_NAMES[plan.region.level] if plan.region.level else ""
    console.print(f"{plan.title}（{plan.region.name} {plan.region.code} {level}，{plan.period.start}–{plan.period.end}，"
                  f"基期 {plan.baseline_year}）")
    table = Table("ID", "统计指标", "单位", "方向", "类型", "形式", "基期值", "目标", "出处")
    links: list[str] = []
    names = {ind.id: ind.name for ind in plan.indicators}
    for ind in plan.indicators:
        cited = [("", ind.source), ("基期值：", ind.baseline_source), ("目标值：", ind.target_source)]
        where = "\n".join(prefix + _where(src) for prefix, src in cited if src is not None)
        links += [f"{ind.id} {prefix or '出处：'}{src.url}" for prefix, src in cited if src is not None and src.url]
        table.add_row(ind.id, ind.name, ind.unit, "越高越好" if ind.direction.value == "higher" else "越低越好",
                      ind.kind.value, _form(ind), _baseline(ind), _goals(ind, names, plan.period.end), where)
    console.print(table)
    if links:
        console.print("链接：")
        for link in links:
            console.print(f"  {link}", soft_wrap=True, markup=False, highlight=False)
    for note in plan.notes:
        console.print(f"注：{note}")


def _form(ind: Indicator) -> str:
    """The form in words: 路径, 上限 / 下限 (a bound), 区间 or 左右, 相对, 年度目标; with 严格 and how a bound or range
    is judged when it is not each year."""
    from monitor.plans.model import Form, Judged

    form_names = {Form.path: "路径", Form.range: "区间", Form.relative: "相对", Form.annual: "年度目标"}
    judged_names = {Judged.average: "按规划期平均", Judged.final: "按期末值"}
    if ind.form is Form.bound:
        name = "上限" if ind.direction.value == "lower" else "下限"
    elif ind.form is Form.range and ind.about and ind.range is None:
        name = "左右"
    else:
        name = form_names[ind.form]
    extras = [judged_names[ind.judged]] if ind.judged in judged_names else []
    if ind.about and ind.form is Form.path:
        extras.append("左右")
    if ind.strict:
        extras.append("严格")
    return f"{name}（{'，'.join(extras)}）" if extras else name


def _baseline(ind: Indicator) -> str:
    if ind.baseline is None:
        return "/"
    text = f"{ind.baseline:g}"
    if ind.baseline_estimated:
        text += "（预计）"
    if ind.baseline_data_year is not None:
        text += f"（{ind.baseline_data_year}年数据）"
    return text


def _goals(ind: Indicator, names: dict[str, str], end: int) -> str:
    """The target as printed, then the milestones, the stated growth, annual targets and rebases, one per line."""
    from monitor.plans.target_forms import printed

    lines = [printed(ind, names, end=end)]
    milestones = "，".join(f"{year}年 {value:g}" for year, value in ind.milestones.items())
    if ind.annual_growth:
        milestones = "，".join(filter(None, [milestones, f"年均增长 {ind.annual_growth.percent:g}%"]))
    if milestones and milestones != lines[0]:
        lines.append(milestones)
    if ind.annual_targets:
        lines.append("年度目标：" + "，".join(f"{year}年 {value:g}" for year, value in ind.annual_targets.items()))
    for rebase in ind.rebases:
        lines.append(f"基期修订：{rebase.year}年起基期值 {rebase.baseline:g}")
    return "\n".join(line for line in lines if line)


def _where(src: Citation) -> str:
    """A citation as a planner reads it: 《document》 table 第N行 section."""
    parts = [f"《{src.document}》" if src.document else None, src.table,
             f"第{src.row}行" if src.row is not None else None, src.section]
    return " ".join(part for part in parts if part)


@plans.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--data", "with_data", is_flag=True,
              help="Also compare the files' baselines with the figures in the database (always done for stored plans).")
@pass_context
def check(ctx: Context, files: tuple[Path, ...], with_data: bool) -> None:
    """Report what a planner should know: unreachable growth rates, implausible targets, disagreeing sources.

    Checks the given files, or every stored plan when no file is named. Stored plans (and files with --data) are
    also compared with the reported figures: a baseline that differs from the baseline-year value, and an unknown
    baseline for which only figures from before the baseline year exist. Exit 1 when there are warnings.

    \b
    Example:
      monitor plans check config/plans/chengkou-14th-sti.yaml
    """
    from monitor import service
    from monitor.plans.check import WARNING, check_plans

    engine = None
    if files:
        from monitor.plans.loader import read_plan_files

        chosen = [item.plan for item in read_plan_files(list(files))]
        if with_data:
            engine = service.open_database(ctx.settings)
    else:
        engine = service.open_database(ctx.settings)
        chosen = service.stored_plans(engine)
    findings = check_plans(chosen)
    if engine is not None:
        from monitor.plans.baseline import baseline_findings
        from monitor.storage.baseline_values import values_for_baselines

        with engine.connect() as conn:
            findings += baseline_findings(chosen, values_for_baselines(conn, chosen))
        order = {(p.id, i.id): (n, k) for n, p in enumerate(chosen) for k, i in enumerate(p.indicators)}
        findings.sort(key=lambda f: order.get((f.plan_id, f.indicator_id), (-1, -1)))  # stable: by plan, indicator
    for f in findings:
        label = "警告" if f.level == WARNING else "提示"
        click.echo(f"[{label}] {f.plan_id} {f.indicator_id or ''}：{f.message}")
    warnings = sum(f.level == WARNING for f in findings)
    click.echo(f"{len(chosen)} 个规划，{warnings} 条警告，{len(findings) - warnings} 条提示")
    if warnings:
        raise click.exceptions.Exit(1)


@plans.command()
def schema() -> None:
    """Print the JSON Schema of plan files, for editors that validate YAML as you type.

    \b
    Example:
      monitor plans schema > plan.schema.json
    """
    from monitor.plans.model import Plan

    document = Plan.model_json_schema()
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "Plan file of the plan-indicator pace monitor"
    click.echo(json.dumps(document, ensure_ascii=False, indent=2))
