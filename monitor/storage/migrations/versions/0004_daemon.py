"""The daemon: job runs, instances and their heartbeat, submission reminders and exemptions, inbox files.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.String(40), nullable=False),
        sa.Column("instance", sa.String(80), nullable=False),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("finished_at", TZ, nullable=True),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
    )
    op.create_index("ix_job_runs_job_id_started_at", "job_runs", ["job_id", "started_at"])
    op.create_table(
        "instances",
        sa.Column("instance", sa.String(80), nullable=False),
        sa.Column("hostname", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("heartbeat_at", TZ, nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint("instance", name=op.f("pk_instances")),
    )
    op.create_table(
        "reminder_notices",
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("indicator_id", sa.String(64), nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("step", sa.String(16), nullable=False),
        sa.Column("sent_count", sa.Integer(), nullable=False),
        sa.Column("first_sent_at", TZ, nullable=False),
        sa.Column("last_sent_at", TZ, nullable=False),
        sa.Column("escalated_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("region_code", "indicator_id", "period", name=op.f("pk_reminder_notices")),
    )
    op.create_table(
        "reminder_exemptions",
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("indicator_id", sa.String(64), nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("author", sa.String(100), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("region_code", "indicator_id", "period", name=op.f("pk_reminder_exemptions")),
    )
    op.create_table(
        "inbox_files",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("processed_at", TZ, nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_inbox_files")),
    )


def downgrade() -> None:
    for name in ("inbox_files", "reminder_exemptions", "reminder_notices", "instances", "job_runs"):
        op.drop_table(name)
