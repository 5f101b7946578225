"""`leadctl report`: every registered section (``report.sections``) as one self-contained HTML
file, or as JSON with the same numbers.

The HTML holds everything it shows: inline SVG charts, inline CSS, no script, no font, no
image fetched from anywhere — a Content-Security-Policy of ``default-src 'none'`` makes the
browser refuse any request, should one ever slip in. Each chart is a ``<figure>`` with a text
alternative, followed by its data table and the metric's definition. Apart from the
generation time in the header, the same data gives the same bytes.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from leadctl.report.sections import REGISTRY, Context, Section
from leadctl.rules.loader import Rules
from leadctl.services.metrics.common import Scope
from leadctl.storage.types import utcnow


@dataclass
class Report:
    generated_at: datetime
    scope: Scope
    sections: list[tuple[str, Section]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at,
            "since": self.scope.since,
            "until": self.scope.until,
            "campaign": self.scope.campaign,
            "sections": [
                {
                    "id": key,
                    "title": s.title,
                    "definition": s.definition,
                    "columns": list(s.columns),
                    "rows": s.rows,
                }
                for key, s in self.sections
            ],
        }


def collect(engine: Engine, rules: Rules, scope: Scope) -> Report:
    ctx = Context(engine, rules, scope)
    return Report(utcnow(), scope, [(key, fn(ctx)) for key, fn in REGISTRY.items()])


def write_html(report: Report, path: Path) -> Path:
    from leadctl.config import open_private

    text = render_html(report)
    fd = open_private(path)  # the report names reps and counts clients: 0600 like other data files
    with open(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path


def write_report(engine: Engine, rules: Rules, scope: Scope, path: Path) -> Path:
    """Collect every section and write the HTML file (what `report --html` and the demo call)."""
    return write_html(collect(engine, rules, scope), path)


CSS = """
:root { --ink: #1a1a1a; --muted: #555; --rule: #d0d0d0; --band: #f4f6f8; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       max-width: 64rem; margin: 0 auto; padding: 1.5rem; }
header { border-bottom: 2px solid var(--ink); margin-bottom: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2.2rem 0 .5rem; }
.meta { color: var(--muted); margin: 0 0 .75rem; }
nav ol { columns: 2; margin: .25rem 0 1rem; }
figure { margin: 0; }
figure svg { width: 100%; height: auto; max-height: 30rem; }
figcaption { color: var(--muted); font-size: .9rem; }
.definition { background: var(--band); border-left: 4px solid var(--ink); padding: .5rem .75rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: .85rem; margin: .75rem 0; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--rule); padding: .2rem .6rem; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
thead th { border-bottom: 2px solid var(--ink); }
caption { text-align: left; font-weight: 600; padding-bottom: .25rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav { display: none; }
  section { break-inside: avoid-page; }
  .table-wrap { overflow: visible; }
}
"""


def _cell(value: Any, percent: bool) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else ""
    if percent and isinstance(value, int | float):
        return f"{value * 100:.1f}%"
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _table(key: str, section: Section) -> str:
    head = "".join(f'<th scope="col">{html.escape(c)}</th>' for c in section.columns)
    body = []
    for row in section.rows:
        cells = []
        for i, c in enumerate(section.columns):
            text = html.escape(_cell(row.get(c), c in section.percent_columns))
            cells.append(f'<th scope="row">{text}</th>' if i == 0 else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(section.columns)}">No data in this period.</td></tr>')
    return (
        f'<div class="table-wrap"><table id="{key}-data"><caption>Data: {html.escape(section.title)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _figure(key: str, section: Section) -> str:
    svg = section.chart()
    alt = html.escape(section.alt or section.title)
    # role=img + aria-label: screen readers announce the summary instead of reading the SVG's
    # tick labels; the data table that follows carries every number.
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{alt}" ', 1)
    return (
        f'<figure id="{key}-chart" class="chart" aria-describedby="{key}-caption">{svg}'
        f'<figcaption id="{key}-caption">{alt} The data table below lists every value.</figcaption></figure>'
    )


def render_html(report: Report) -> str:
    s = report.scope
    period = f"{_cell(s.since, False) if s.since else 'the beginning'} to {_cell(s.until, False) if s.until else 'now'}"
    scope = f"Period: {html.escape(period)}" + (
        f" · campaign {html.escape(s.campaign)}" if s.campaign else ""
    )
    toc = "".join(f'<li><a href="#{k}">{html.escape(sec.title)}</a></li>' for k, sec in report.sections)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>leadctl report</title>",
        f"<style>{CSS}</style></head><body>",
        "<header><h1>leadctl report</h1>",
        f'<p class="meta">{scope} · generated {html.escape(_cell(report.generated_at, False))} UTC</p>',
        f'<nav aria-label="Sections"><ol>{toc}</ol></nav></header><main>',
    ]
    for key, section in report.sections:
        parts.append(f'<section id="{key}" aria-labelledby="{key}-title">')
        parts.append(f'<h2 id="{key}-title">{html.escape(section.title)}</h2>')
        parts.append(_figure(key, section))
        parts.append(_table(key, section))
        parts.append(
            f'<p class="definition"><strong>Definition.</strong> {html.escape(section.definition)}</p>'
        )
        parts.append("</section>")
    parts.append("</main></body></html>\n")
    return "\n".join(parts)
