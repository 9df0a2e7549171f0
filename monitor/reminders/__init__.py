"""Submission reminders: a dead man's switch for every figure a county owes (region × indicator × period).

``expected`` works out which figures are due or coming due, ``ladder`` decides which reminder each late figure
gets today, ``message`` turns reminders into notifications (all three pure); ``store`` and ``service`` read and
write the database and queue the messages. docs/reminders.md describes the ladder and its settings.
"""
