"""Operating the daemon: what it is doing (`status`), whether it is well (`health`), its logs and its metrics.

Everything here reads the database or formats what the daemon produces; nothing schedules or sends.
"""
