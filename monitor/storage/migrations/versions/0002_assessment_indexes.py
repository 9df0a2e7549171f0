"""Indexes for reading the assessment inputs of a national data set in a few seconds.

The first and latest value of a series are found by one probe of an index that also orders ties on the period
end by frequency; year-end values and the values of cumulative indicators are read from covering indexes
without touching the table. Replaces the two observation indexes of 0001.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

OLD = {
    "ix_observations_is_current_region_code_indicator_id_period_end":
        ["is_current", "region_code", "indicator_id", "period_end"],
    "ix_observations_year_end_is_current_period_end": ["year_end", "is_current", "period_end"],
}
NEW = {
    "ix_observations_series_edges": ["is_current", "region_code", "indicator_id", "period_end", "freq"],
    "ix_observations_year_end_values":
        ["year_end", "is_current", "period_end", "region_code", "indicator_id", "period", "freq", "value"],
    "ix_observations_indicator_values":
        ["is_current", "indicator_id", "period_end", "region_code", "period", "freq", "value"],
}


def upgrade() -> None:
    for name, columns in NEW.items():
        op.create_index(name, "observations", columns, unique=False)
    for name in OLD:
        op.drop_index(name, table_name="observations")


def downgrade() -> None:
    for name, columns in OLD.items():
        op.create_index(name, "observations", columns, unique=False)
    for name in NEW:
        op.drop_index(name, table_name="observations")
