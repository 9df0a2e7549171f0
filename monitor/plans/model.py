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
        if not (self.table or self.section):
            raise ValueError("a citation needs a table or a section")
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

    @field_validator("milestones")
    @classmethod
    def _sorted_milestones(cls, value: dict[int, float]) -> dict[int, float]:
        return dict(sorted(value.items()))

    @model_validator(mode="after")
    def _coherent(self) -> Indicator:
        if self.kind is Kind.growth_rate:
            if self.annual_growth is None:
                raise ValueError("a growth_rate indicator needs annual_growth")
            if self.trajectory is not Trajectory.compound:
                object.__setattr__(self, "trajectory", Trajectory.compound)
        elif not self.milestones:
            raise ValueError("milestones needs at least one year → value")
        if self.kind is Kind.cumulative and self.baseline not in (None, 0):
            raise ValueError("a cumulative indicator counts from 0 at the plan start; baseline must be 0 or null")
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
        return self

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)
