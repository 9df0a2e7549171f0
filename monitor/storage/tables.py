"""The database schema as SQLAlchemy Core tables. Alembic migrations in ``migrations/versions`` create it.

Reported values are append-only: a changed figure is a new row with the next revision number, and exactly one
revision of each region × indicator × period has ``is_current`` set. Plans keep every version they were loaded in.
"""

from __future__ import annotations

from datetime import timezone

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
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)


class UtcDateTime(TypeDecorator):
    """Aware datetimes, stored in UTC and read back as UTC on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the database stores aware times")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


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
    Column("succeeds", String(80), nullable=True, index=True),  # the plan this one follows on from
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
    # the target form (migration 0006; docs/plan-format.md, "Target forms")
    Column("form", String(16), nullable=False, server_default="path"),
    Column("strict", Boolean, nullable=False, server_default=false()),
    Column("judged", String(16), nullable=False, server_default="each_year"),
    Column("range_low", Float, nullable=True),
    Column("range_high", Float, nullable=True),
    Column("about", Boolean, nullable=False, server_default=false()),
    Column("tolerance", Float, nullable=True),
    Column("change_by", Float, nullable=True),
    Column("change_times", Float, nullable=True),
    Column("change_year", Integer, nullable=True),
    Column("relative_to", String(64), nullable=True),
    Column("relation", String(16), nullable=True),
    Column("relative_tolerance", Float, nullable=True),
    Column("baseline_is_estimate", Boolean, nullable=False, server_default=false()),
    Column("target_text", Text, nullable=True),  # the target in plan language (控制在5.5%以内, 5—5.5%)
)

# annual targets (年度目标, role "annual") and dated rebases of the baseline (role "rebase"), per plan × indicator
plan_points = Table(
    "plan_points",
    metadata,
    Column("plan_id", String(80), primary_key=True),
    Column("indicator_id", String(64), primary_key=True),
    Column("role", String(8), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("value", Float, nullable=False),
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
    # an officially restated cumulative figure since the plan start (2021–2023 累计下降6.2%), migration 0006
    Column("cumulative", Boolean, nullable=False, server_default=false()),
    UniqueConstraint("region_code", "indicator_id", "period", "revision"),
    # the reads of monitor.storage.actual_store.observations_for_assessment (migrations 0002 and 0007):
    # first and latest value of a series, one probe each (ties on period_end broken by freq), answered from the
    # index alone (period, value and year_end follow the ordering columns)
    Index("ix_observations_series_values", "is_current", "region_code", "indicator_id", "period_end", "freq",
          "period", "value", "year_end"),
    # every year-end value, and every value of the cumulative indicators, read from the index alone
    Index("ix_observations_year_end_values", "year_end", "is_current", "period_end", "region_code", "indicator_id",
          "period", "freq", "value"),
    # the few officially restated cumulative figures (migration 0007): a partial index, so that no planner, even
    # with statistics that say nearly every row has cumulative false, prefers scanning another index
    Index("ix_observations_restated_values", "is_current", "period_end", "region_code", "indicator_id", "freq",
          sqlite_where=text("cumulative = 1"), postgresql_where=text("cumulative")),
    Index("ix_observations_indicator_values", "is_current", "indicator_id", "period_end", "region_code", "period",
          "freq", "value"),
)

# --- alerting (migration 0003) -------------------------------------------------------------------------------

alerts = Table(
    "alerts",
    metadata,
    Column("fingerprint", String(16), primary_key=True),  # monitor.alerts.model.fingerprint
    Column("rule_id", String(80), nullable=False),
    Column("plan_id", String(80), nullable=False),
    Column("region_code", String(6), nullable=False),
    Column("indicator_id", String(64), nullable=False),
    Column("state", String(10), nullable=False),  # firing | resolved
    Column("severity", String(10), nullable=False),
    Column("summary", Text, nullable=False),
    Column("labels", Text, nullable=False),  # JSON
    Column("assessment", Text, nullable=False),  # JSON: the assessed row when last seen firing
    Column("started_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("resolved_at", UtcDateTime, nullable=True),
    Column("silenced_by", Integer, nullable=True),  # the silence that held it at the last evaluation
    Column("inhibited", Boolean, nullable=False),
    Index("ix_alerts_state", "state"),
)

# what each receiver has been told about each alert: drives repeats, severity rises and resolved messages
alert_notices = Table(
    "alert_notices",
    metadata,
    Column("fingerprint", String(16), primary_key=True),
    Column("receiver", String(80), primary_key=True),
    Column("first_notified_at", UtcDateTime, nullable=False),
    Column("last_notified_at", UtcDateTime, nullable=False),
    Column("notified_severity", String(10), nullable=False),
    Column("resolved_notified_at", UtcDateTime, nullable=True),
)

silences = Table(
    "silences",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("matchers", Text, nullable=False),  # JSON list of "label=value" strings
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=False),
    Column("author", String(100), nullable=False),
    Column("comment", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# every rendered part waits here before any network I/O; deliverers claim rows with a conditional UPDATE
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("receiver", String(80), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("target", String(64), nullable=False),  # secret-free endpoint id, the key of rate limits
    Column("kind", String(16), nullable=False),  # firing | resolved | reminder | digest | test
    Column("group_key", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("part", Integer, nullable=False),
    Column("parts", Integer, nullable=False),
    Column("payload", Text, nullable=False),  # JSON, exactly what the channel sends
    Column("batch", String(32), nullable=False),  # the parts of one message share it
    Column("message", Text, nullable=False),  # JSON of the rendered Message, to split again if a part is too large
    Column("budget", Integer, nullable=True),  # the byte budget the parts were split with
    Column("fingerprints", Text, nullable=False),  # JSON list of the alerts it carries
    Column("status", String(10), nullable=False),  # pending | sending | sent | failed | split
    Column("attempts", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("claimed_at", UtcDateTime, nullable=True),
    Column("claimed_by", String(80), nullable=True),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("http_status", Integer, nullable=True),
    Column("errcode", Integer, nullable=True),
    Column("errmsg", Text, nullable=True),
    Column("error", Text, nullable=True),
    Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
)

# one row per send attempt: the audit log, and the record rate limits count
delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("outbox_id", Integer, nullable=False),
    Column("target", String(64), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=True),
    Column("outcome", String(12), nullable=False),  # sending | sent | retry | permanent | too_large
    Column("http_status", Integer, nullable=True),
    Column("errcode", Integer, nullable=True),
    Column("errmsg", Text, nullable=True),
    Index("ix_delivery_attempts_target_started_at", "target", "started_at"),
    Index("ix_delivery_attempts_outbox_id", "outbox_id"),
)

# per endpoint: serialises rate-limit decisions across processes and remembers throttle windows
receiver_targets = Table(
    "receiver_targets",
    metadata,
    Column("target", String(64), primary_key=True),
    Column("blocked_until", UtcDateTime, nullable=True),
    Column("turn", Integer, nullable=False),  # bumped under lock by whoever decides to send next
)

# --- the daemon (migration 0004) ---------------------------------------------------------------------------

# one row per run of a scheduled job (or its CLI twin): what `monitor status` and `monitor health` read
job_runs = Table(
    "job_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", String(40), nullable=False),
    Column("instance", String(80), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=True),
    Column("outcome", String(10), nullable=False),  # running | ok | error | missed
    Column("detail", Text, nullable=True),
    Index("ix_job_runs_job_id_started_at", "job_id", "started_at"),
)

# daemons that are or were running: heartbeat and whether they hold the active role
instances = Table(
    "instances",
    metadata,
    Column("instance", String(80), primary_key=True),
    Column("hostname", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("heartbeat_at", UtcDateTime, nullable=False),
    Column("role", String(10), nullable=False),  # active | standby | stopped
)

# what each late figure (region × indicator × period) has been reminded of
reminder_notices = Table(
    "reminder_notices",
    metadata,
    Column("region_code", String(6), primary_key=True),
    Column("indicator_id", String(64), primary_key=True),
    Column("period", String(10), primary_key=True),
    Column("due_on", Date, nullable=False),
    Column("step", String(16), nullable=False),  # the last rung sent: before | due | grace | repeat
    Column("sent_count", Integer, nullable=False),
    Column("first_sent_at", UtcDateTime, nullable=False),
    Column("last_sent_at", UtcDateTime, nullable=False),
    Column("escalated_at", UtcDateTime, nullable=True),
)

reminder_exemptions = Table(
    "reminder_exemptions",
    metadata,
    Column("region_code", String(6), primary_key=True),
    Column("indicator_id", String(64), primary_key=True),
    Column("period", String(10), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("author", String(100), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)

# every file the inbox has taken, by content: the same file dropped twice is imported once
inbox_files = Table(
    "inbox_files",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("file_name", Text, nullable=False),
    Column("outcome", String(10), nullable=False),  # imported | rejected
    Column("processed_at", UtcDateTime, nullable=False),
    Column("detail", Text, nullable=True),
)
