"""The index of the edge probes covers the values they read, so both planners answer them from the index alone;
restated cumulative figures get a partial index.

``monitor.storage.actual_store.observations_for_assessment`` finds the latest value of each series (and the first,
and the latest within an ended plan) by one ``ORDER BY period_end, freq LIMIT 1`` probe per series. The index of
0002 gave the row's id, and the period, value and year-end flag came from the table: 113,760 table lookups on a
national database, which PostgreSQL's planner, once it had statistics, replaced by hashing all 6.8 million rows.
This index holds those columns too (period, value, year_end after the ordering columns), replacing the one of 0002
with the same leading columns, which the other reads of a series (``_current_for``, ``current_values``) use alike.

The restated figures (``cumulative`` true, a handful) were read by an index on (cumulative, is_current), which
SQLite, once ANALYZE had told it that nearly every row shares those two values, passed over for a scan of all 6.8
million entries of another index (11–15 s). A partial index of the restated rows alone is the obvious choice with
or without statistics.

Building them takes about a minute on a national database (6.8 million values).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

EDGES_0002 = ("ix_observations_series_edges", ["is_current", "region_code", "indicator_id", "period_end", "freq"])
EDGES = ("ix_observations_series_values",
         ["is_current", "region_code", "indicator_id", "period_end", "freq", "period", "value", "year_end"])
RESTATED_0006 = ("ix_observations_restated", ["cumulative", "is_current"])
RESTATED = ("ix_observations_restated_values", ["is_current", "period_end", "region_code", "indicator_id", "freq"])
# the partial index's condition, as each database states it (SQLite uses a partial index only for a query whose
# WHERE clause has this very term; SQLAlchemy renders `cumulative == True` so)
WHERE = {"sqlite_where": sa.text("cumulative = 1"), "postgresql_where": sa.text("cumulative")}


def upgrade() -> None:
    op.create_index(EDGES[0], "observations", EDGES[1], unique=False)
    op.drop_index(EDGES_0002[0], table_name="observations")
    op.create_index(RESTATED[0], "observations", RESTATED[1], unique=False, **WHERE)
    op.drop_index(RESTATED_0006[0], table_name="observations")


def downgrade() -> None:
    op.create_index(RESTATED_0006[0], "observations", RESTATED_0006[1], unique=False)
    op.drop_index(RESTATED[0], table_name="observations")
    op.create_index(EDGES_0002[0], "observations", EDGES_0002[1], unique=False)
    op.drop_index(EDGES[0], table_name="observations")
