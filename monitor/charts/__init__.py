"""Charts of an indicator: its planned path, annual targets, reported values and projection.

:mod:`monitor.charts.series` computes the points (pure); :mod:`monitor.charts.svg` draws them as inline SVG for the
HTML report, :mod:`monitor.charts.png` as PNG bytes for messages (matplotlib, imported lazily), and
:mod:`monitor.report.xlsx_charts` as native Excel charts.
"""
