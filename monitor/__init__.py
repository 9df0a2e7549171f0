"""Plan-indicator pace monitor: five-year-plan targets, reported actuals and 序时进度 assessment."""

__version__ = "0.1.0"
