"""leadctl demo"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from leadctl.cli import AppContext, pass_app
from leadctl.output import Section, format_option


def _processing(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    p = record["processing"]
    return [
        {
            "leads": p["selected"],
            "clients created": p["processed"],
            "duplicates": p["duplicate"],
            "rejected at load": sum(f["rejected"] for f in record["files"]),
        }
    ]


# Ctrl-C mid-demo: the set-up and each loaded file are separate commits.
DEMO_PARTIAL = "what the demo finished (set-up, loaded files) is kept; 'leadctl demo --force' completes it"

# The demo's table output: headed sub-tables (json/jsonl/csv: the record as it is).
SECTIONS = (
    Section(
        "files",
        "Files loaded",
        ["bucket", "file", "format", "rows_read", "loaded", "rejected", "already_loaded"],
    ),
    Section("processing", "Intake processing", rows=_processing),
    Section(
        "duplicate_examples",
        "Some duplicates it found (hardest first)",
        [
            "lead",
            "lead_name",
            "lead_email",
            "bucket",
            "client",
            "client_name",
            "client_email",
            "rule",
            "score",
        ],
        skip_empty=True,
    ),
)

TRY_NEXT = """\
Try next:
  leadctl{db} campaign list
  leadctl{db} bucket list
  leadctl{db} leads list --bucket web-demo-requests --status duplicate
  leadctl{db} leads list --status rejected --format json
  leadctl{db} leads show {lead}
  leadctl{db} dedupe evaluate {truth}
  leadctl{db} metrics duplicates --by bucket
  leadctl{db} dedupe scan --threshold 0.6 --explain
  leadctl{db} assign --dry-run --explain
  leadctl{db} stages
  leadctl{db} queue --rep {rep}
  leadctl{db} next --rep {rep} --format json
  leadctl{db} sla check
  leadctl{db} metrics funnel
  leadctl{db} metrics reps
  leadctl{db} metrics speed --by rep
  leadctl{db} report --html report.html
  leadctl{db} info
Report: {report}"""


@click.command()
@click.option(
    "--leads",
    "n_leads",
    type=click.IntRange(min=10, max=2_000_000),
    default=2000,
    show_default=True,
    help="How many leads to generate.",
)
@click.option("--seed", type=int, default=42, show_default=True, help="Random seed (same seed, same demo).")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the example lead files (default: DATA_DIR/demo).",
)
@click.option("--force", is_flag=True, help="Add the demo to a database that already holds data.")
@format_option
@pass_app
def demo(app: AppContext, n_leads: int, seed: int, directory: Path | None, force: bool, fmt: str) -> None:
    """Build a realistic demo database and show what to try next.

    Creates campaigns, reps (roles, skills, territories) and intake buckets, writes
    generated lead files (CSV with messy headers, TSV, JSON Lines; some invalid rows and
    duplicates across buckets), loads them and processes them — through the same code as
    the real commands. It refuses a database that already holds data unless --force.

    \b
    Example:
      leadctl demo
      leadctl --db sqlite:///demo.db demo --leads 20000 --seed 7
    """
    from leadctl.config import data_dir
    from leadctl.demo import build as svc
    from leadctl.output import render_sections
    from leadctl.storage.engine import mask_url

    engine = app.engine()
    target = directory or data_dir() / "demo"
    result = svc.build(
        engine,
        app.rules,
        target,
        leads=n_leads,
        seed=seed,
        force=force,
        report=app.report(partial=DEMO_PARTIAL),
        where=f"{mask_url(app.database_url)} (files in {target})",
    )
    record = {
        "directory": str(result.directory),
        "files": result.files,
        "processing": result.processing,
        "duplicate_examples": result.duplicates,
        "report": str(result.report),
    }
    render_sections(record, fmt, SECTIONS, fields=())
    if fmt != "table":
        return
    from leadctl.demo.build import demo_rep

    db_opt = f" --db {app.db_flag}" if app.db_flag else ""
    lead = result.duplicates[0]["lead"] if result.duplicates else 1
    click.echo("")
    click.echo(
        TRY_NEXT.format(
            db=db_opt, lead=lead, truth=result.directory / "truth.csv", rep=demo_rep(), report=result.report
        )
    )
