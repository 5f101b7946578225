"""leadctl report"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from leadctl.cli import AppContext, pass_app
from leadctl.commands._options import metric_options
from leadctl.output import format_option


@click.command("report")
@metric_options(period="Only leads and activities")
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    metavar="FILE",
    help="Write the report as one self-contained HTML file (opens offline; printable).",
)
@format_option
@pass_app
def report(
    app: AppContext,
    since: datetime | None,
    until: datetime | None,
    campaign_ref: str | None,
    html_path: Path | None,
    fmt: str,
) -> None:
    """A report managers read: charts, their data and definitions, in one HTML file.

    Leads per day by status, the duplicate rate with spikes marked, the funnel, a rep
    leaderboard and the queue per stage; each chart is followed by its data table and the
    metric's definition. The file needs no network (inline SVG, no scripts). Without
    --html, or with --format json, the same numbers go to stdout.

    \b
    Example:
      leadctl report --since 30d --html report.html
      leadctl report --since 2026-11-01 --campaign "Outbound Q1" --format json
    """
    from leadctl.output import message, render, render_record
    from leadctl.report.build import collect, write_html
    from leadctl.services.metrics.common import Scope

    result = collect(app.engine(), app.rules, Scope(since, until, campaign_ref))
    if html_path is not None:
        write_html(result, html_path)
        message(f"Wrote {html_path} ({len(result.sections)} sections).")
        if fmt in ("json", "jsonl"):
            render_record(result.as_dict(), fmt)
        return
    if fmt in ("json", "jsonl"):
        render_record(result.as_dict(), fmt)
        return
    for key, section in result.sections:
        click.echo(click.style(section.title, bold=True) + f"  [{key}]")
        render(section.rows, fmt, list(section.columns), empty="No data in this period.")
        click.echo("")
