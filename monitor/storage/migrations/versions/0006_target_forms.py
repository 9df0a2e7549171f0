"""Target forms: how each indicator's target is printed and judged (bounds, ranges, 左右, strict targets, changes
from the baseline, targets relative to another indicator, annual targets, rebases, estimated baselines), and
restated cumulative figures among the reported values.

Plans stored before this revision print every target as a path, which the defaults say; their annual targets and
rebases are empty. Reported values stored before it are each period's own figure (``cumulative`` false).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

def _form_columns() -> list[sa.Column]:
    return [
        sa.Column("form", sa.String(16), nullable=False, server_default="path"),
        sa.Column("strict", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("judged", sa.String(16), nullable=False, server_default="each_year"),
        sa.Column("range_low", sa.Float, nullable=True),
        sa.Column("range_high", sa.Float, nullable=True),
        sa.Column("about", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("tolerance", sa.Float, nullable=True),
        sa.Column("change_by", sa.Float, nullable=True),
        sa.Column("change_times", sa.Float, nullable=True),
        sa.Column("change_year", sa.Integer, nullable=True),
        sa.Column("relative_to", sa.String(64), nullable=True),
        sa.Column("relation", sa.String(16), nullable=True),
        sa.Column("relative_tolerance", sa.Float, nullable=True),
        sa.Column("baseline_is_estimate", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("target_text", sa.Text, nullable=True),
    ]


def upgrade() -> None:
    with op.batch_alter_table("plan_indicators") as batch:
        for column in _form_columns():
            batch.add_column(column)
    op.create_table(
        "plan_points",
        sa.Column("plan_id", sa.String(80), primary_key=True),
        sa.Column("indicator_id", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(8), primary_key=True),  # annual (年度目标) or rebase (new baseline from year)
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("value", sa.Float, nullable=False),
    )
    with op.batch_alter_table("observations") as batch:
        batch.add_column(sa.Column("cumulative", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.create_index("ix_observations_restated", ["cumulative", "is_current"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("observations") as batch:
        batch.drop_index("ix_observations_restated")
        batch.drop_column("cumulative")
    op.drop_table("plan_points")
    with op.batch_alter_table("plan_indicators") as batch:
        for column in reversed(_form_columns()):
            batch.drop_column(column.name)
