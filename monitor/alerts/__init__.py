"""Alerts: rules that turn assessments into alerts, matchers, silences, inhibition, routing and lifecycle."""
