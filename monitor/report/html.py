"""The single-file HTML report of `monitor report --format html`: the workbook's content with inline SVG charts.

One file with no script and no external resource (fonts, styles and charts are inline), so it opens offline in
any browser; Chinese text takes the reader's Chinese font through a CSS font stack; print CSS lays it out on A4
(each region on a new page, table rows never cut, headers repeated) so 打印 → 另存为 PDF gives a clean report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from html import escape

import pandas as pd

from monitor.charts import svg
from monitor.charts.series import Chart, Key
from monitor.report import sheet as sh

FONT_STACK = ('"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "PingFang SC", '
              '"Hiragino Sans GB", "Microsoft YaHei", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", '
              'sans-serif')
CSS = """
* { box-sizing: border-box; }
body { font-family: %(fonts)s; font-size: 13px; color: #1d2733; margin: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 0 0 8px; border-bottom: 2px solid #1f5fa8; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
p.meta, p.note { color: #555; margin: 4px 0 10px; }
table { border-collapse: collapse; width: 100%%; margin-bottom: 8px; }
th, td { border: 1px solid #b0b7c3; padding: 3px 5px; vertical-align: top; }
th { background: #dde4ee; font-weight: bold; text-align: center; white-space: nowrap; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.unit, td.status, td.num { white-space: nowrap; }
td.name { min-width: 10em; } td.note { min-width: 14em; }
td.green { background: #c6efce; } td.amber { background: #ffeb9c; } td.red { background: #ffc7ce; }
section.region { margin-top: 28px; }
.charts { display: flex; flex-wrap: wrap; gap: 10px; }
figure.chart-box { margin: 0; border: 1px solid #e3e7ed; padding: 6px; width: 536px; }
figure.chart-box figcaption { font-weight: bold; margin-bottom: 4px; }
svg.chart { display: block; max-width: 100%%; height: auto; }
svg.chart text { font-family: %(fonts)s; fill: #333; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { margin: 0; font-size: 10.5px; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  section.region { break-before: page; page-break-before: always; margin-top: 0; }
  thead { display: table-header-group; }
  tr, figure.chart-box, h3 { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  figure.chart-box { width: 48%%; }
}
""" % {"fonts": FONT_STACK}
CLASSES = {"单位": "unit", "状态": "status", "完成情况": "status", "统计指标": "name", "说明": "note"}
NUMERIC = {"基期值", "时间进度", "期望值", "实际值", "差距", "完成进度", "序时完成率", "预计值", "每年还需", "目标", "终期值",
           "完成率", "指标数", "指标完成率", "约束性指标数", "约束性达标", "约束性完成率"}


def render_html(assessment: pd.DataFrame, charts: Mapping[Key, Chart], as_of: date) -> str:
    """The report page as text (UTF-8 when written)."""
    title = f"规划指标序时进度监测报告（{as_of.isoformat()}）"
    body = [f"<h1>{escape(title)}</h1>",
            f'<p class="meta">评估日期：{as_of.isoformat()}。状态底色：绿色正常，黄色预警，红色严重。</p>',
            "<h3>汇总</h3>", _table(sh.SUMMARY_HEADERS, [(cells, None) for cells in sh.summary_rows(assessment)]),
            f'<p class="note">{escape(sh.COMPLETION_NOTE)}</p>']
    body.extend(_review_lines(sh.review_rows(assessment)))
    for code, name, part in sh.regions(assessment):
        body.append(_region(code, name, part, charts))
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def _region(code: str, name: str, part: pd.DataFrame, charts: Mapping[Key, Chart]) -> str:
    out = [f'<section class="region" data-region="{escape(code)}">', f"<h2>{escape(name)}（{escape(code)}）</h2>"]
    for plan_id, rows in part.groupby("plan_id", sort=False, observed=True):
        lines = sh.indicator_rows(rows)
        out.append(f"<h3>规划 {escape(str(plan_id))}</h3>")
        out.append(_table(sh.INDICATOR_HEADERS, [(line.cells, line.tone) for line in lines],
                          tone_column=sh.INDICATOR_HEADERS.index("状态")))
    from monitor.report.review import binding_line, counts_line

    for summary, lines in sh.review_rows(part):
        out.append(f"<h3>终期评估　{escape(str(summary['plan_id']))}（{escape(str(summary['final_period']))}年）</h3>")
        out.append(_table(sh.REVIEW_HEADERS, lines, tone_column=sh.REVIEW_HEADERS.index("完成情况")))
        out.append(f'<p class="note">共 {summary["total"]} 项：{escape(counts_line(summary))}。'
                   f"{escape(binding_line(summary))}。</p>")
    figures = []
    for key in zip(part["plan_id"].astype(str), part["region_code"].astype(str), part["indicator_id"].astype(str)):
        chart = charts.get(key)
        if chart is not None and chart.has_data:
            figures.append(f'<figure class="chart-box" data-indicator="{escape(key[2])}">'
                           f"<figcaption>{escape(chart.title)}</figcaption>{svg.render(chart)}</figure>")
    if figures:
        out.append("<h3>图表：规划路径、年度目标、实际值与预计</h3>")
        out.append(f'<div class="charts">{"".join(figures)}</div>')
    out.append("</section>")
    return "\n".join(out)


def _review_lines(reviews: list) -> list[str]:
    if not reviews:
        return []
    from monitor.report.review import binding_line, counts_line

    items = [f"<li>{escape(str(s['region_name']))}　{escape(str(s['plan_id']))}（{escape(str(s['final_period']))}年）："
             f"{escape(counts_line(s))}；{escape(binding_line(s))}</li>" for s, _ in reviews]
    return ["<h3>终期评估</h3>", f"<ul>{''.join(items)}</ul>"]


def _table(headers: Sequence[str], lines: Sequence, tone_column: int | None = None) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    rows = []
    for cells, tone in lines:
        tds = []
        for i, cell in enumerate(cells):
            classes = []
            if headers[i] in NUMERIC:
                classes.append("num")
            elif headers[i] in CLASSES:
                classes.append(CLASSES[headers[i]])
            if tone and i == tone_column:
                classes.append(tone)
            attr = f' class="{" ".join(classes)}"' if classes else ""
            tds.append(f"<td{attr}>{escape(cell.text)}</td>")
        rows.append(f"<tr>{''.join(tds)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
