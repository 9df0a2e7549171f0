# The monitor in a container: installed the same way as `make install` (pip install of this project),
# running as a non-root user, with the SQLite database (or nothing, when MONITOR_DATABASE_URL points at
# PostgreSQL) on the /data volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MONITOR_DATABASE_URL=sqlite:////data/monitor.db \
    MONITOR_PLANS_DIR=/app/config/plans \
    MONITOR_RULES_DIR=/app/rules \
    MONITOR_RECEIVERS_FILE=/app/config/receivers.yaml \
    MONITOR_TIMEZONE=Asia/Shanghai \
    MONITOR_LOCK_FILE=/data/monitor.lock

# a CJK font (WenQuanYi Zen Hei, 16 MB; fonts-noto-cjk looks better and is larger) for the chart images of
# messages (monitor.charts.png); without one they go out as text only
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-zenhei \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY monitor ./monitor
COPY templates ./templates
RUN pip install --no-cache-dir '.[postgres]'
COPY config ./config
COPY rules ./rules

RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin monitor \
    && mkdir -p /data && chown monitor:monitor /data
USER monitor
VOLUME ["/data"]

# for a container running `monitor run`: healthy while the active daemon's heartbeat is fresh and nothing has
# failed persistently (`monitor health --help`); one-shot commands exit before the first check
HEALTHCHECK --interval=30s --timeout=15s --start-period=60s --retries=3 CMD ["monitor", "health", "--quiet"]

ENTRYPOINT ["monitor"]
CMD ["check", "--help"]
