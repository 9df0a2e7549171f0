"""An indicator's chart as inline SVG for the HTML report: small, hand-written, no script, no external resource.

Text takes the page's font (the report's CSS names the Chinese fonts), so the chart needs no font of its own.
"""

from __future__ import annotations

import math
from html import escape

from monitor.charts.series import ACTUAL, ANNUAL, BOUND, PATH, PROJECTION, REFERENCE, Chart, Line

WIDTH, HEIGHT = 520, 250
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 56, 14, 14, 58
# colour, dash pattern, marker, joined
STYLE = {
    PATH: ("#7f8c9a", "", None, True),
    BOUND: ("#c0392b", "6 4", None, True),
    ANNUAL: ("#e67e22", "", "diamond", False),
    ACTUAL: ("#1f5fa8", "", "circle", True),
    PROJECTION: ("#1f5fa8", "5 4", "triangle", True),
    REFERENCE: ("#27ae60", "2 3", "square", True),
}


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]: steps of 1, 2 or 5 × 10ⁿ."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0, 1.0]
    if high - low < 1e-12:
        pad = abs(high) * 0.1 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    start = math.floor(low / step + 1e-9) * step
    ticks = []
    value = start
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def render(chart: Chart, width: int = WIDTH, height: int = HEIGHT) -> str:
    """The SVG element of ``chart`` (an empty string when it has nothing to draw)."""
    if not chart.has_data:
        return ""
    x0, x1 = chart.x_range()
    x0, x1 = math.floor(x0), max(math.ceil(x1), math.floor(x0) + 1)
    ys = nice_ticks(*chart.y_range())
    y0, y1 = ys[0], ys[-1]
    plot_w, plot_h = width - MARGIN_LEFT - MARGIN_RIGHT, height - MARGIN_TOP - MARGIN_BOTTOM

    def px(x: float) -> float:
        return MARGIN_LEFT + (x - x0) / (x1 - x0) * plot_w

    def py(y: float) -> float:
        return MARGIN_TOP + (1 - (y - y0) / (y1 - y0)) * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" aria-label="{escape(chart.title)}">',
             f"<title>{escape(chart.title)}</title>",
             f'<rect x="{MARGIN_LEFT}" y="{MARGIN_TOP}" width="{plot_w}" height="{plot_h}" fill="#fff" '
             'stroke="#b0b7c3"/>']
    for y in ys:
        parts.append(f'<line x1="{MARGIN_LEFT}" x2="{MARGIN_LEFT + plot_w}" y1="{py(y):.1f}" y2="{py(y):.1f}" '
                     'stroke="#e3e7ed"/>')
        parts.append(f'<text x="{MARGIN_LEFT - 6}" y="{py(y) + 4:.1f}" text-anchor="end" font-size="11">'
                     f"{_tick(y)}</text>")
    step = 1 if x1 - x0 <= 12 else (2 if x1 - x0 <= 24 else 5)
    for x in range(int(x0), int(x1) + 1, step):
        parts.append(f'<text x="{px(x):.1f}" y="{MARGIN_TOP + plot_h + 15}" text-anchor="middle" font-size="11">'
                     f"{x}</text>")
    if chart.unit:
        parts.append(f'<text x="6" y="{MARGIN_TOP + 4}" font-size="11" fill="#555">{escape(chart.unit)}</text>')
    for line in chart.lines:
        if line.points:
            parts.append(_line(line, px, py))
    parts.append(_legend(chart.lines, height))
    parts.append("</svg>")
    return "".join(parts)


def _line(line: Line, px, py) -> str:  # type: ignore[no-untyped-def]
    colour, dash, marker, joined = STYLE[line.role]
    out = [f'<g class="series {line.role}" data-name="{escape(line.name)}">']
    coords = [(px(x), py(y)) for x, y in line.points]
    if joined and len(coords) > 1:
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        width = 2.5 if line.role == ACTUAL else 1.8
        out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="{width}"{dashed}/>')
    if marker:
        start = 1 if line.role == PROJECTION else 0  # the projection starts at the latest value, drawn already
        out.extend(_marker(marker, x, y, colour) for x, y in coords[start:])
    out.append("</g>")
    return "".join(out)


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'
    if shape == "square":
        return f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="{colour}"/>'
    if shape == "triangle":
        return f'<polygon points="{x:.1f},{y - 5:.1f} {x - 4.5:.1f},{y + 3.5:.1f} {x + 4.5:.1f},{y + 3.5:.1f}" ' \
               f'fill="#fff" stroke="{colour}" stroke-width="1.5"/>'
    return f'<polygon points="{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x - 5:.1f},{y:.1f}" ' \
           f'fill="{colour}"/>'


def _legend(lines: tuple[Line, ...], height: int) -> str:
    out, x = [], MARGIN_LEFT
    y = height - 18
    for line in lines:
        if not line.points:
            continue
        colour, dash, marker, _ = STYLE[line.role]
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<line x1="{x}" x2="{x + 18}" y1="{y}" y2="{y}" stroke="{colour}" stroke-width="2"{dashed}/>')
        if marker:
            out.append(_marker(marker, x + 9, y, colour))
        out.append(f'<text x="{x + 22}" y="{y + 4}" font-size="11">{escape(line.name)}</text>')
        x += 34 + 12 * len(line.name)
    return f'<g class="legend">{"".join(out)}</g>'


def _tick(value: float) -> str:
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
