"""Initial schema: plans and their indicators and milestones, submissions, reported values with revisions.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('milestones',
    sa.Column('plan_id', sa.String(length=80), nullable=False),
    sa.Column('indicator_id', sa.String(length=64), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('plan_id', 'indicator_id', 'year', name=op.f('pk_milestones'))
    )
    op.create_table('plan_revisions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('plan_id', sa.String(length=80), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('source_file', sa.Text(), nullable=True),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_revisions'))
    )
    op.create_index(op.f('ix_plan_revisions_plan_id'), 'plan_revisions', ['plan_id'], unique=False)
    op.create_table('plans',
    sa.Column('plan_id', sa.String(length=80), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('region_name', sa.String(length=100), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('period_start', sa.Integer(), nullable=False),
    sa.Column('period_end', sa.Integer(), nullable=False),
    sa.Column('baseline_year', sa.Integer(), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('source_file', sa.Text(), nullable=True),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('plan_id', name=op.f('pk_plans'))
    )
    op.create_index(op.f('ix_plans_region_code'), 'plans', ['region_code'], unique=False)
    op.create_table('submissions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('file_name', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('submitted_by', sa.String(length=100), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('new_values', sa.Integer(), nullable=False),
    sa.Column('revised_values', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submissions'))
    )
    op.create_index(op.f('ix_submissions_sha256'), 'submissions', ['sha256'], unique=False)
    op.create_table('observations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('indicator_id', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('freq', sa.String(length=1), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('year_end', sa.Boolean(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('unit', sa.String(length=32), nullable=False),
    sa.Column('original_value', sa.Text(), nullable=True),
    sa.Column('original_unit', sa.String(length=32), nullable=True),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('submitted_by', sa.String(length=100), nullable=True),
    sa.Column('submission_id', sa.Integer(), nullable=True),
    sa.Column('source_row', sa.Integer(), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_observations_submission_id_submissions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_observations')),
    sa.UniqueConstraint('region_code', 'indicator_id', 'period', 'revision', name=op.f('uq_observations_region_code_indicator_id_period_revision'))
    )
    op.create_index(op.f('ix_observations_is_current_region_code_indicator_id_period_end'), 'observations', ['is_current', 'region_code', 'indicator_id', 'period_end'], unique=False)
    op.create_index(op.f('ix_observations_year_end_is_current_period_end'), 'observations', ['year_end', 'is_current', 'period_end'], unique=False)
    op.create_table('plan_indicators',
    sa.Column('plan_id', sa.String(length=80), nullable=False),
    sa.Column('indicator_id', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('unit', sa.String(length=32), nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('trajectory', sa.String(length=16), nullable=False),
    sa.Column('binding', sa.String(length=16), nullable=True),
    sa.Column('baseline', sa.Float(), nullable=True),
    sa.Column('growth_percent', sa.Float(), nullable=True),
    sa.Column('frequency', sa.String(length=16), nullable=False),
    sa.Column('due_days', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.plan_id'], name=op.f('fk_plan_indicators_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('plan_id', 'indicator_id', name=op.f('pk_plan_indicators'))
    )


def downgrade() -> None:
    op.drop_table('plan_indicators')
    op.drop_index(op.f('ix_observations_year_end_is_current_period_end'), table_name='observations')
    op.drop_index(op.f('ix_observations_is_current_region_code_indicator_id_period_end'), table_name='observations')
    op.drop_table('observations')
    op.drop_index(op.f('ix_submissions_sha256'), table_name='submissions')
    op.drop_table('submissions')
    op.drop_index(op.f('ix_plans_region_code'), table_name='plans')
    op.drop_table('plans')
    op.drop_index(op.f('ix_plan_revisions_plan_id'), table_name='plan_revisions')
    op.drop_table('plan_revisions')
    op.drop_table('milestones')
