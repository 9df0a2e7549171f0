"""Shared by the report tests: `monitor report` registered for the test (the CLI registers it in
monitor/cli/__init__.py), run on a database loaded with the bundled plans and samples."""

from __future__ import annotations

import pytest

from monitor.cli import cli
from monitor.cli.report import report
from tests.cli_runner import loaded_monitor

DEMO_AS_OF = "2026-07-15"  # the demo's date: the 十四五 plans have ended and their final review is due
MID_PLAN = "2025-07-01"  # in the middle of the plans: every pace status appears


@pytest.fixture
def monitor(capsys, monkeypatch, database_url, tmp_path):
    """`monitor` with the report command, on a fresh database with the bundled plans and sample actuals."""
    if "report" not in cli.commands:
        monkeypatch.setitem(cli.commands, "report", report)
    return loaded_monitor(capsys, monkeypatch, database_url, tmp_path)


# ---- headless Chromium ----

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
WINDOW_WIDTH = 1400
_MEASURE = """<script>
(function () {
  var boxes = Array.prototype.map.call(document.querySelectorAll("svg.chart"), function (svg) {
    var r = svg.getBoundingClientRect();
    return [Math.round(r.left + window.scrollX), Math.round(r.top + window.scrollY), Math.round(r.width),
            Math.round(r.height)];
  });
  var out = document.createElement("pre");
  out.id = "measured";
  out.textContent = JSON.stringify({height: document.documentElement.scrollHeight, boxes: boxes});
  document.body.appendChild(out);
})();
</script>"""


def chromium() -> str:
    """The Chromium executable; skips (or, with MONITOR_REQUIRE_CHROMIUM set, as in CI, fails) without one."""
    import os
    import shutil

    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    reason = "headless Chromium not installed (Debian: apt-get install chromium); .ci/run installs it"
    if os.environ.get("MONITOR_REQUIRE_CHROMIUM"):
        pytest.fail(reason + " and MONITOR_REQUIRE_CHROMIUM is set")
    pytest.skip(reason)


def _run_chromium(executable: str, *args: str) -> str:
    import subprocess

    result = subprocess.run(
        [executable, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--mute-audio",
         "--no-first-run", "--disable-extensions", "--force-device-scale-factor=1", *args],
        capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def chart_boxes(executable: str, html_path, workdir) -> tuple[int, list[list[int]]]:
    """The page height and each chart's box (left, top, width, height) as Chromium lays the page out: a copy of
    the page with a measuring script (the report itself has none) dumped after load."""
    import json
    import re

    measured = workdir / "measured.html"
    measured.write_text(html_path.read_text(encoding="utf-8").replace("</body>", _MEASURE + "</body>"),
                        encoding="utf-8")
    dom = _run_chromium(executable, f"--window-size={WINDOW_WIDTH},1000", "--dump-dom", measured.as_uri())
    found = re.search(r'<pre id="measured">(.*?)</pre>', dom, re.S)
    assert found, "the measuring script did not run"
    data = json.loads(found.group(1).replace("&quot;", '"'))
    return data["height"], data["boxes"]


def screenshot(executable: str, html_path, png_path, height: int):  # type: ignore[no-untyped-def]
    """The whole page as Chromium draws it, as a PIL image (RGB)."""
    from PIL import Image

    _run_chromium(executable, f"--window-size={WINDOW_WIDTH},{height}", f"--screenshot={png_path}",
                  html_path.as_uri())
    return Image.open(png_path).convert("RGB")


def ink(image, box=None) -> float:  # type: ignore[no-untyped-def]
    """The share of pixels in ``box`` (left, top, width, height; the whole image when None) that are not white."""
    part = image if box is None else image.crop((box[0], box[1], box[0] + box[2], box[1] + box[3]))
    grey = part.convert("L")
    histogram = grey.histogram()
    dark = sum(histogram[:245])
    return dark / max(1, part.width * part.height)
