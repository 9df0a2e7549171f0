"""Succession: a plan names the plan it follows on from (``succeeds``), so the shared indicators of the old plan
can be handed over to the new one from the first day of its period.

Existing rows are filled from their stored definitions, which already hold the field when a plan file set it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("succeeds", sa.String(80), nullable=True))
        batch.create_index("ix_plans_succeeds", ["succeeds"], unique=False)
    conn = op.get_bind()
    plans = sa.table("plans", sa.column("plan_id", sa.String), sa.column("definition", sa.Text),
                     sa.column("succeeds", sa.String))
    for plan_id, definition in conn.execute(sa.select(plans.c.plan_id, plans.c.definition)).all():
        try:
            succeeds = json.loads(definition).get("succeeds")
        except (ValueError, AttributeError):
            continue
        if succeeds:
            conn.execute(sa.update(plans).where(plans.c.plan_id == plan_id).values(succeeds=succeeds))


def downgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.drop_index("ix_plans_succeeds")
        batch.drop_column("succeeds")
