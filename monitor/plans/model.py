"""The plan file format: a plan of any level of government, its indicators, milestones and citations.

`docs/plan-format.md` explains every field for planners; `monitor plans schema` prints the JSON Schema
generated from these models so editors can validate YAML as it is typed.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from monitor.plans import target_forms

IndicatorId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
PlanId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Direction(str, Enum):
    higher = "higher"  # more is better: expenditure, enterprise counts
    lower = "lower"  # less is better: a rank (位次), an energy intensity


class Kind(str, Enum):
    level = "level"  # 存量/水平: the value at the end of the period
    cumulative = "cumulative"  # 期内累计: periods report flows, the running total is judged
    growth_rate = "growth_rate"  # 年均增长X%: the level is reported, its compound growth is judged
    yearly_rate = "yearly_rate"  # 年均增长X%（不变价）: each year's growth rate is reported, their average is judged
    reduction = "reduction"  # 累计降低X%: each year's decline is reported, the compounded total is judged


class Form(str, Enum):
    """How the target is printed and judged (docs/plan-format.md, "Target forms")."""

    path = "path"  # a path from the baseline through milestones (达到, 提高到, >22, 提高1岁)
    bound = "bound"  # a ceiling or floor that holds every year: 控制在5.5%以内, 保持在…以上, 不低于
    range = "range"  # within a band: 5—5.5%, 1.45万亿斤左右
    relative = "relative"  # against another indicator of the same region: 高于GDP增长, 与GDP增长同步
    annual = "annual"  # no number for the plan: 保持在合理区间、各年度视情提出 (annual targets only)


class Judged(str, Enum):
    """What a bound or range is judged on over the plan years."""

    each_year = "each_year"  # every year's value; a breached year is missed for that year
    average = "average"  # the mean of the plan years so far
    final = "final"  # the end-year value (earlier years are shown, not judged)


class Relation(str, Enum):
    above = "above"  # 高于: above the other indicator (at least equal; strictly with `strict: true`)
    in_step = "in_step"  # 同步: within a tolerance of the other indicator


class Trajectory(str, Enum):
    linear = "linear"
    compound = "compound"


class Binding(str, Enum):
    binding = "binding"  # 约束性
    expected = "expected"  # 预期性


class Frequency(str, Enum):
    annual = "annual"
    quarterly = "quarterly"
    monthly = "monthly"


class Citation(_Strict):
    """Where a number is printed: a table row, or a chapter/section with the words that state it."""

    document: str | None = Field(None, description="Another document than the plan's own source, if any.")
    table: str | None = Field(None, description="Table label as printed, e.g. 表2.")
    row: int | str | None = Field(None, description="Row number (序号) in the table.")
    section: str | None = Field(None, description="Chapter and section, e.g. 第三章（三）2 or 二（三）.")
    quote: str | None = Field(None, description="The words of the document that state the number.")
    url: str | None = Field(
        None, description="Web address (http or https) where the document can be read.",
        json_schema_extra={"format": "uri", "pattern": r"^https?://\S+$"},
    )

    @field_validator("url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or any(ch.isspace() for ch in value):
            raise PydanticCustomError(
                "citation_url",
                "url 须为以 http:// 或 https:// 开头、不含空格的网址，例如 https://www.gov.cn/…；收到 {value}",
                {"value": repr(value)},
            )
        return value

    @model_validator(mode="after")
    def _somewhere(self) -> Citation:
        if not (self.table or self.section or self.url):
            raise PydanticCustomError(
                "citation_place", "引用须写明出处：table（表号）、section（章节）或 url（网址）至少一项")
        return self


class Statement(_Strict):
    """Another value a source gives for the same quantity, kept so disagreements stay visible."""

    field: Literal["baseline", "target", "growth_rate"] = Field(description="Which number it competes with.")
    value: float
    year: int | None = Field(None, description="Target year (for a target) or data year (for a baseline).")
    unit: str | None = Field(None, description="Unit of `value` when it differs from the indicator's.")
    source: Citation
    note: str | None = None


class AnnualGrowth(_Strict):
    """A stated average annual growth (年均增长X%)."""

    percent: float = Field(description="The rate in percent: 20 for 年均增长20%.", gt=-100)
    source: Citation


class Band(_Strict):
    """A range as printed: 5—5.5 (low 5, high 5.5); one end may be open."""

    low: float | None = Field(None, description="Lower end (included unless `strict`).")
    high: float | None = Field(None, description="Upper end (included unless `strict`).")

    @model_validator(mode="after")
    def _ordered(self) -> Band:
        if self.low is None and self.high is None:
            raise PydanticCustomError("range_ends", "range 须写 low（下限）、high（上限）或两者，例如 low: 5, high: 5.5")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise PydanticCustomError("range_order", "range.low（{low}）不能大于 range.high（{high}）",
                                      {"low": self.low, "high": self.high})
        return self


class Change(_Strict):
    """A target printed as a change from the baseline: 提高1岁 (by 1), 提高〔6〕个百分点 (by 6), 翻一番 (times 2)."""

    by: float | None = Field(None, description="Change added to the baseline, in the indicator's unit.")
    times: float | None = Field(None, gt=0, description="Factor the baseline is multiplied by (翻一番: 2).")
    year: int | None = Field(None, description="Year the change is due; the plan's end year when absent.")

    @model_validator(mode="after")
    def _one(self) -> Change:
        if (self.by is None) == (self.times is None):
            raise PydanticCustomError(
                "change_one", "change 须且只能写 by（提高多少，如提高1岁写 by: 1）或 times（翻番倍数，翻一番写 times: 2）之一")
        return self


class Relative(_Strict):
    """A target stated against another indicator of the same plan: 高于GDP增长, 与GDP增长同步."""

    indicator: IndicatorId = Field(description="Id of the other indicator in the same plan.")
    relation: Relation
    tolerance: float = Field(
        0.5, ge=0, description="For in_step: how far apart the two may be, in the unit (default 0.5 个百分点).")


class Rebase(_Strict):
    """A series break (census or survey revision, new method): from `year` on, the baseline is `baseline`."""

    year: int = Field(description="First data year on the new basis.")
    baseline: float = Field(description="The baseline restated on the new basis.")
    source: Citation | None = None
    note: str | None = None


class Reporting(_Strict):
    """How often figures are reported and how long after a period ends they are due."""

    frequency: Frequency = Frequency.annual
    due_days: int = Field(181, ge=0, le=730, description="Days after the period ends that its figure is due.")


class Indicator(_Strict):
    id: IndicatorId = Field(description="Stable identifier used in files and commands, e.g. rd_intensity.")
    name: str = Field(description="Name exactly as printed in the plan.", min_length=1)
    aliases: list[str] = Field(default_factory=list, description="Other labels staff may use in submitted files.")
    unit: str = Field(description="Unit as printed: 亿元, %, 家, 件, 位 …", min_length=1)
    direction: Direction = Direction.higher
    kind: Kind = Kind.level
    trajectory: Trajectory = Field(
        Trajectory.linear, description="Shape of the expected path; growth_rate indicators are always compound."
    )
    baseline: float | None = Field(
        description="Value in the baseline year; null where the plan prints '/' (the first report becomes it)."
    )
    milestones: dict[int, float] = Field(
        default_factory=dict, description="Target year → value, e.g. {2025: 0.8, 2035: 2}."
    )
    annual_growth: AnnualGrowth | None = Field(
        None, description="Stated 年均增长: the target of a growth_rate indicator, a cross-check for others."
    )
    binding: Binding | None = Field(None, description="约束性 (binding) or 预期性 (expected) where the plan says so.")
    source: Citation
    baseline_source: Citation | None = Field(
        None, description="Where the baseline is printed, when another place than `source` (e.g. a 统计公报)."
    )
    target_source: Citation | None = Field(
        None, description="Where the target is printed, when another place than `source`."
    )
    also_stated: list[Statement] = Field(default_factory=list, description="Other values given elsewhere.")
    reporting: Reporting = Field(default_factory=Reporting)
    note: str | None = None
    # the target forms (docs/plan-format.md, "Target forms")
    form: Form = Field(Form.path, description="How the target is judged: path, bound, range, relative or annual.")
    printed: str | None = Field(
        None, description="The target exactly as the table prints it (控制在5.5%以内, 5—5.5, 〔17〕), shown in reports.")
    strict: bool = Field(False, description="Targets and bounds must be beaten strictly (>22, <27, 高于).")
    judged: Judged = Field(Judged.each_year, description="For a bound or range: each_year, average or final.")
    range: Band | None = Field(None, description="For form range: the band as printed (5—5.5).")
    about: bool = Field(False, description="左右: the target holds within a tolerance of the printed value.")
    tolerance: float | None = Field(
        None, ge=0, description="For 左右: how far from the target still counts, in the unit (default 2 % of it).")
    change: Change | None = Field(None, description="A target printed as a change from the baseline (+Δ, ×k).")
    relative_to: Relative | None = Field(None, description="For form relative: the other indicator and relation.")
    annual_targets: dict[int, float] = Field(
        default_factory=dict, description="Year → annual target from each year's 年度计划 (beside any form).")
    rebases: list[Rebase] = Field(default_factory=list, description="Dated rebases of the baseline (series breaks).")
    baseline_estimated: bool = Field(
        False, description="The printed baseline is an estimate (预计) or an earlier year's value; the reported "
                           "baseline-year figure replaces it.")
    baseline_data_year: int | None = Field(
        None, description="Year the printed baseline figure is for when not the baseline year (* 为2024年数据).")

    @field_validator("milestones", "annual_targets")
    @classmethod
    def _sorted_milestones(cls, value: dict[int, float]) -> dict[int, float]:
        return dict(sorted(value.items()))

    @field_validator("rebases")
    @classmethod
    def _sorted_rebases(cls, value: list[Rebase]) -> list[Rebase]:
        years = [r.year for r in value]
        if len(set(years)) != len(years):
            raise PydanticCustomError("rebase_year", "rebases 中同一年份出现了两次：{years}", {"years": sorted(years)})
        return sorted(value, key=lambda r: r.year)

    @model_validator(mode="after")
    def _coherent(self) -> Indicator:
        target_forms.check(self)
        if self.kind is Kind.growth_rate and self.trajectory is not Trajectory.compound:
            object.__setattr__(self, "trajectory", Trajectory.compound)
        return self


NATIONAL_CODE = "000000"  # 全国: GB/T 2260 has no code for the whole country; the project's convention


class Level(str, Enum):
    national = "national"  # 全国
    provincial = "provincial"  # 省级: 500000 重庆市
    municipal = "municipal"  # 地市级: 500100 市辖区 …
    county = "county"  # 县级: 500229 城口县


LEVEL_NAMES = {Level.national: "全国", Level.provincial: "省级", Level.municipal: "地市级", Level.county: "县级"}


def level_of_code(code: str) -> Level:
    """The level a 6-digit code names: 000000 national; xx0000 provincial; xxxx00 municipal; else county."""
    if code == NATIONAL_CODE:
        return Level.national
    if code.endswith("0000"):
        return Level.provincial
    if code.endswith("00"):
        return Level.municipal
    return Level.county


class Region(_Strict):
    name: str = Field(description="Official name, e.g. 秀山土家族苗族自治县, 重庆市, 全国.")
    code: Annotated[str, StringConstraints(pattern=r"^\d{6}$")] = Field(
        description="6-digit administrative division code (行政区划代码, GB/T 2260); 000000 for 全国."
    )
    level: Level | None = Field(
        None, validate_default=True,
        description="national, provincial, municipal or county; inferred from the code when absent.",
    )
    aliases: list[str] = Field(default_factory=list, description="Short names used in submitted files.")

    @field_validator("code")
    @classmethod
    def _known_code(cls, value: str) -> str:
        if value.startswith("00") and value != NATIONAL_CODE:
            raise PydanticCustomError(
                "region_code",
                "region.code {code} 不是行政区划代码：GB/T 2260 省级代码前两位为 11—82；全国用 000000（本项目约定）",
                {"code": value},
            )
        return value

    @field_validator("level")
    @classmethod
    def _level_fits_code(cls, value: Level | None, info: ValidationInfo) -> Level | None:
        code = info.data.get("code")
        if code is None:  # the code itself is wrong; that error is reported
            return value
        implied = level_of_code(code)
        if value is None:
            return implied
        if value is not implied:
            raise PydanticCustomError(
                "region_level",
                "region.level 为 {given}（{given_name}），但代码 {code} 是{implied_name}代码（{implied}）："
                "000000 为全国，xx0000 为省级，xxxx00 为地市级，其余为县级；删去 level 即按代码推断",
                {"given": value.value, "given_name": LEVEL_NAMES[value], "code": code,
                 "implied": implied.value, "implied_name": LEVEL_NAMES[implied]},
            )
        return value


class Period(_Strict):
    start: int = Field(description="First plan year, 2021 for the 14th five-year plan.")
    end: int = Field(description="Last plan year, 2025 for the 14th five-year plan.")


class SourceDocument(_Strict):
    title: str
    issuer: str | None = None
    number: str | None = Field(None, description="Document number, e.g. 秀山府办发〔2022〕4号.")
    date: str | None = None
    file: str | None = Field(None, description="File name of the text the plan was read from.")


class Plan(_Strict):
    id: PlanId
    title: str
    region: Region
    period: Period
    baseline_year: int
    succeeds: PlanId | None = Field(
        None, description="Id of the plan of the same region this one follows on from (十五五 after 十四五); from the "
                          "first day of this plan's period, the indicators both share are judged under this plan only.")
    source: SourceDocument
    indicators: list[Indicator] = Field(min_length=1)
    notes: list[str] = Field(default_factory=list, description="What a reader should know about the source.")

    @model_validator(mode="after")
    def _coherent(self) -> Plan:
        if not self.period.start <= self.period.end:
            raise ValueError("period.start must not be after period.end")
        if self.baseline_year >= self.period.start:
            raise ValueError("baseline_year must come before period.start")
        if self.succeeds == self.id:
            raise ValueError("a plan cannot succeed itself")
        seen: dict[str, str] = {}
        for ind in self.indicators:
            if ind.id in seen:
                raise ValueError(f"indicator id {ind.id!r} is used twice")
            seen[ind.id] = ind.id
            for year in ind.milestones:
                if year <= self.baseline_year:
                    raise ValueError(f"indicator {ind.id!r}: milestone year {year} is not after the baseline year")
        labels: dict[str, str] = {}
        for ind in self.indicators:
            for label in {ind.name, *ind.aliases}:
                key = label.strip()
                owner = labels.setdefault(key, ind.id)
                if owner != ind.id:
                    raise ValueError(f"label {label!r} names both {owner!r} and {ind.id!r}")
        target_forms.check_plan(self)
        return self

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)
