"""`monitor report --format html`: one offline page with an SVG chart per indicator and print CSS for A4, drawn by
headless Chromium (a screenshot that is not blank and has ink in every chart)."""

import html
import json
import re

import numpy as np

from tests.report_helpers import (DEMO_AS_OF, MID_PLAN, chart_boxes, chromium, ink, monitor,  # noqa: F401
                                  screenshot)


def assessed(run, as_of, region=None):
    outcome = run("check", "--as-of", as_of, "--format", "json", "--fail-on", "never",
                  *(["--region", region] if region else []))
    return json.loads(outcome.out)


def test_the_page_has_a_chart_per_indicator_and_every_table(monitor, tmp_path):
    out = tmp_path / "report.html"
    result = monitor("report", "--as-of", DEMO_AS_OF, "--format", "html", "--output", str(out))
    assert result.code == 0, result.err
    page = out.read_text(encoding="utf-8")
    expected = assessed(monitor, DEMO_AS_OF)
    assert page.count("<svg") == len(expected) == page.count('<figure class="chart-box"')
    figures = re.findall(r'<figure class="chart-box" data-indicator="([^"]+)"><figcaption>([^<]+)</figcaption>', page)
    assert [html.unescape(name) for _, name in figures] == [
        r["indicator_name"] for r in sorted(expected, key=lambda r: (r["region_code"], r["plan_id"]))]
    assert page.count('<section class="region"') == 2
    assert "<th>时间进度</th><th>期望值</th><th>实际值</th><th>差距</th><th>完成进度</th><th>序时完成率</th>" in page
    assert page.count("<h3>终期评估　") == 2  # each region's ended 十四五 plan
    assert all(f'<td class="status {tone}">' in page for tone in ("red", "amber", "green"))


def test_the_page_is_offline_and_prints_on_a4_with_each_region_on_a_new_page(monitor, tmp_path):
    out = tmp_path / "report.html"
    assert monitor("report", "--as-of", MID_PLAN, "--format", "html", "-o", str(out)).code == 0
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page and "<link" not in page and "src=" not in page and "@import" not in page
    assert "url(" not in page
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", page)  # only the SVG namespace names a URL
    assert re.search(r"@page \{ size: A4", page)
    assert re.search(r"section\.region \{[^}]*break-before: page", page)
    assert re.search(r"tr, [^{]*\{[^}]*break-inside: avoid", page)
    assert '"Noto Sans CJK SC"' in page and '"Microsoft YaHei"' in page


def test_chromium_draws_the_page_with_every_chart_inked(monitor, tmp_path):
    executable = chromium()
    out = tmp_path / "城口县.html"
    assert monitor("report", "--as-of", MID_PLAN, "--region", "城口县", "--format", "html", "-o", str(out)).code == 0
    expected = assessed(monitor, MID_PLAN, "城口县")
    height, boxes = chart_boxes(executable, out, tmp_path)
    assert len(boxes) == len(expected)  # every chart laid out
    assert all(w > 300 and h > 120 for _, _, w, h in boxes)
    image = screenshot(executable, out, tmp_path / "page.png", height)
    assert image.height >= max(top + h for _, top, _, h in boxes)
    assert ink(image) > 0.02  # not blank
    assert ink(image, (0, 0, image.width, 18)) == 0  # the page's top margin: white reads as white
    for box in boxes:
        assert ink(image, box) > 0.03, f"chart at {box} is blank"
    left, top, width, height = boxes[0]
    pixels = np.asarray(image.crop((left, top, left + width, top + height)), dtype=int)
    blue = int(((pixels[..., 2] > 120) & (pixels[..., 0] < 90)).sum())  # the reported values' line (#1f5fa8)
    assert blue > 50
