"""Alembic environment: the connection is handed in by monitor.storage.db, never read from a config file."""

from __future__ import annotations

from alembic import context

from monitor.storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - guarded by monitor.storage.db
    raise RuntimeError("run migrations through `monitor init`, which supplies the database connection")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
