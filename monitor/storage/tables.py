"""The database schema as SQLAlchemy Core tables. Alembic migrations in ``migrations/versions`` create it.

Reported values are append-only: a changed figure is a new row with the next revision number, and exactly one
revision of each region × indicator × period has ``is_current`` set. Plans keep every version they were loaded in.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

plans = Table(
    "plans",
    metadata,
    Column("plan_id", String(80), primary_key=True),
    Column("region_code", String(6), nullable=False, index=True),
    Column("region_name", String(100), nullable=False),
    Column("title", Text, nullable=False),
    Column("period_start", Integer, nullable=False),
    Column("period_end", Integer, nullable=False),
    Column("baseline_year", Integer, nullable=False),
    Column("definition", Text, nullable=False),  # the validated plan as canonical JSON
    Column("sha256", String(64), nullable=False),
    Column("source_file", Text, nullable=True),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
)

plan_revisions = Table(
    "plan_revisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("plan_id", String(80), nullable=False, index=True),
    Column("sha256", String(64), nullable=False),
    Column("definition", Text, nullable=False),
    Column("source_file", Text, nullable=True),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
)

plan_indicators = Table(
    "plan_indicators",
    metadata,
    Column("plan_id", String(80), ForeignKey("plans.plan_id", ondelete="CASCADE"), primary_key=True),
    Column("indicator_id", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("unit", String(32), nullable=False),
    Column("direction", String(8), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("trajectory", String(16), nullable=False),
    Column("binding", String(16), nullable=True),
    Column("baseline", Float, nullable=True),
    Column("growth_percent", Float, nullable=True),
    Column("frequency", String(16), nullable=False),
    Column("due_days", Integer, nullable=False),
)

milestones = Table(
    "milestones",
    metadata,
    Column("plan_id", String(80), primary_key=True),
    Column("indicator_id", String(64), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("value", Float, nullable=False),
)

submissions = Table(
    "submissions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("file_name", Text, nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("submitted_by", String(100), nullable=True),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("row_count", Integer, nullable=False),
    Column("new_values", Integer, nullable=False),
    Column("revised_values", Integer, nullable=False),
)

observations = Table(
    "observations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("region_code", String(6), nullable=False),
    Column("indicator_id", String(64), nullable=False),
    Column("period", String(10), nullable=False),
    Column("freq", String(1), nullable=False),
    Column("period_end", Date, nullable=False),
    Column("year_end", Boolean, nullable=False),
    Column("value", Float, nullable=False),
    Column("unit", String(32), nullable=False),
    Column("original_value", Text, nullable=True),
    Column("original_unit", String(32), nullable=True),
    Column("source", Text, nullable=True),
    Column("note", Text, nullable=True),
    Column("submitted_by", String(100), nullable=True),
    Column("submission_id", Integer, ForeignKey("submissions.id"), nullable=True),
    Column("source_row", Integer, nullable=True),
    Column("revision", Integer, nullable=False),
    Column("is_current", Boolean, nullable=False),
    UniqueConstraint("region_code", "indicator_id", "period", "revision"),
    # the reads of monitor.storage.actual_store.observations_for_assessment (migration 0002):
    # first and latest value of a series, one probe each (ties on period_end broken by freq)
    Index("ix_observations_series_edges", "is_current", "region_code", "indicator_id", "period_end", "freq"),
    # every year-end value, and every value of the cumulative indicators, read from the index alone
    Index("ix_observations_year_end_values", "year_end", "is_current", "period_end", "region_code", "indicator_id",
          "period", "freq", "value"),
    Index("ix_observations_indicator_values", "is_current", "indicator_id", "period_end", "region_code", "period",
          "freq", "value"),
)
