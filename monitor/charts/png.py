"""An indicator's chart as PNG bytes for messages (an email's inline image, a WeCom image message).

matplotlib (Agg backend) is imported on first use, never at import time. Chinese labels need a CJK font: the first
of :data:`CJK_FAMILIES` that matplotlib's font manager knows is used; when there is none, :func:`render_png` logs a
warning once and returns None, and the caller sends text only. The Docker image installs ``fonts-wqy-zenhei``.
"""

from __future__ import annotations

import io
import logging
import threading

from monitor.charts.series import ACTUAL, ANNUAL, BOUND, PATH, PROJECTION, REFERENCE, Chart

log = logging.getLogger(__name__)

CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "SimHei", "Noto Sans CJK JP", "Noto Serif CJK SC",
    "AR PL UMing CN", "Droid Sans Fallback",
)
MAX_BYTES = 2 * 1024 * 1024  # a WeCom robot's image limit (before base64)
SIZE_INCHES = (6.4, 3.4)
DPIS = (120, 96, 72, 56)  # tried in turn until the image fits
# colour, line style, marker, joined
STYLE = {
    PATH: ("#7f8c9a", "-", None, True),
    BOUND: ("#c0392b", "--", None, True),
    ANNUAL: ("#e67e22", "", "D", False),
    ACTUAL: ("#1f5fa8", "-", "o", True),
    PROJECTION: ("#1f5fa8", "--", "^", True),
    REFERENCE: ("#27ae60", ":", "s", True),
}

_lock = threading.Lock()
_font: list[str | None] = []  # the family found, once looked up
_warned = False


def cjk_font() -> str | None:
    """The family name of a CJK font matplotlib can use, or None; looked up once per process."""
    with _lock:
        if not _font:
            from matplotlib import font_manager

            known = {entry.name for entry in font_manager.fontManager.ttflist}
            _font.append(next((family for family in CJK_FAMILIES if family in known), None))
        return _font[0]


def usable_font() -> str | None:
    """:func:`cjk_font`, warning once per process when there is none (the caller then sends text only)."""
    global _warned
    family = cjk_font()
    if family is None:
        with _lock:
            if not _warned:
                log.warning("no CJK font found for chart images (install fonts-noto-cjk or fonts-wqy-zenhei); "
                            "messages go out as text only")
                _warned = True
    return family


def render_png(chart: Chart, max_bytes: int = MAX_BYTES) -> bytes | None:
    """The chart as PNG bytes no larger than ``max_bytes``; None when there is nothing to draw, no CJK font, or
    no resolution small enough."""
    if not chart.has_data:
        return None
    family = usable_font()
    if family is None:
        return None
    from matplotlib.figure import Figure  # the object API needs no pyplot state and uses Agg for savefig

    figure = Figure(figsize=SIZE_INCHES)
    axes = figure.add_subplot()
    for line in chart.lines:
        if not line.points:
            continue
        colour, style, marker, joined = STYLE[line.role]
        xs, ys = zip(*line.points)
        axes.plot(xs, ys, color=colour, linestyle=style if joined else "none", marker=marker, markersize=5,
                  linewidth=2.2 if line.role == ACTUAL else 1.5, label=line.name)
    axes.set_title(chart.title, fontfamily=family, fontsize=11)
    if chart.unit:
        axes.set_ylabel(chart.unit, fontfamily=family)
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.grid(True, color="#e3e7ed")
    axes.legend(prop={"family": family, "size": 8}, loc="best", frameon=False)
    figure.tight_layout()
    for dpi in DPIS:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=dpi)
        data = buffer.getvalue()
        if len(data) <= max_bytes:
            return data
    log.warning("chart %s is larger than %d bytes at every resolution; sent as text", chart.key, max_bytes)
    return None


def reset_font_cache() -> None:
    """Forget the font looked up and the warning given (for tests)."""
    global _warned
    with _lock:
        _font.clear()
        _warned = False
