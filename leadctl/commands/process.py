"""leadctl process / leadctl reprocess"""

from __future__ import annotations

from datetime import datetime

import click

from leadctl.cli import AppContext, pass_app
from leadctl.commands._options import BucketRef, CampaignRef, When, status_option
from leadctl.output import format_option
from leadctl.vocab import LeadStatus


def _report(summary: object, fmt: str, verb: str) -> None:
    from leadctl.output import message, render, render_record

    if fmt == "table":
        render(summary.rows(), fmt, ["metric", "value"])  # type: ignore[attr-defined]
        if summary.dry_run:  # type: ignore[attr-defined]
            message(f"Dry run: nothing was {verb}.")
    else:
        render_record(summary.as_dict(), fmt)  # type: ignore[attr-defined]


# Leads per transaction: memory and lock time, never the result (``intake.runs``).
batch_size_option = click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=5000,
    show_default=True,
    help="Leads per transaction (the result does not depend on it).",
)


@click.command()
@click.option("--bucket", type=BucketRef(), metavar="BUCKET", help="Only leads of this bucket (name or id).")
@click.option(
    "--campaign", type=CampaignRef(), metavar="CAMPAIGN", help="Only leads of this campaign (name or id)."
)
@click.option("--limit", type=click.IntRange(min=1), help="Process at most N leads.")
@click.option("-n", "--dry-run", is_flag=True, help="Show what would happen; change nothing.")
@batch_size_option
@format_option
@pass_app
def process(
    app: AppContext,
    bucket: str | None,
    campaign: str | None,
    limit: int | None,
    dry_run: bool,
    batch_size: int,
    fmt: str,
) -> None:
    """Process new leads: validate, detect duplicates, create clients.

    Each lead with status new is validated against the rules (→ rejected, with reasons),
    checked against the central duplicate rules (→ duplicate, linked to the client it
    matches, with the score and the rule that fired), or becomes a client (→ processed)
    that inherits the campaign, the manager, the bucket label and the affiliate id.
    Leads are taken in order of registration: when two leads of one person arrive together,
    the one registered first becomes the client (and keeps the affiliate credit).
    Safe to run from cron, also while a load is running or another process runs.

    \b
    Example:
      leadctl process --bucket web-demo-requests
      leadctl process --dry-run --format json
    """
    from leadctl.output import progress_enabled
    from leadctl.services.admin.lookup import scope_ids
    from leadctl.services.intake import processing

    engine = app.engine()
    bucket_id, campaign_id = scope_ids(engine, bucket, campaign)
    report = app.report()
    if dry_run:
        app.reporter = None  # a dry run keeps nothing, whatever it reported
    # Counting the backlog is only worth it for a progress bar (never from cron).
    if progress_enabled():
        report.progress(processing.count_new(engine, bucket_id, campaign_id, limit), label="processing")
    try:
        summary = processing.process(
            engine,
            app.rules,
            bucket_id=bucket_id,
            campaign_id=campaign_id,
            limit=limit,
            dry_run=dry_run,
            batch_size=batch_size,
            report=report,
        )
    finally:
        report.close()
    _report(summary, fmt, "processed")


@click.command()
@click.option("--bucket", type=BucketRef(), metavar="BUCKET", help="Leads of this bucket (name or id).")
@click.option(
    "--campaign", type=CampaignRef(), metavar="CAMPAIGN", help="Leads of this campaign (name or id)."
)
@status_option(
    "Statuses to reprocess (default: rejected,duplicate,new; add processed to re-check clients).",
    metavar="STATUS[,STATUS]",
)
@click.option(
    "--lead", "lead_ids", multiple=True, type=int, metavar="ID", help="Only these leads (repeatable)."
)
@click.option("--since", type=When(), metavar="WHEN", help="Only leads registered since this date.")
@click.option("-n", "--dry-run", is_flag=True, help="Show what would change; change nothing.")
@batch_size_option
@format_option
@pass_app
def reprocess(
    app: AppContext,
    bucket: str | None,
    campaign: str | None,
    statuses: list[LeadStatus],
    lead_ids: tuple[int, ...],
    since: datetime | None,
    dry_run: bool,
    batch_size: int,
    fmt: str,
) -> None:
    """Re-run validation, duplicate checks, routing and client creation for chosen leads.

    Use it after fixing rules or data (see 'leadctl leads fix'). It never bypasses duplicate
    detection and never creates a second client for a lead that already made one; each
    changed lead's timeline records the before and after. Running it twice in a row
    changes nothing the second time.

    \b
    Example:
      leadctl reprocess --bucket partner-leads --status rejected
      leadctl reprocess --bucket web --lead 1042 --lead 1043 --dry-run
    """
    from leadctl.services.admin.lookup import scope_ids
    from leadctl.services.intake import processing

    if not (bucket or campaign or lead_ids):
        raise click.UsageError("reprocess needs --bucket, --campaign or --lead (to say which leads)")
    chosen = statuses or [LeadStatus.REJECTED, LeadStatus.DUPLICATE, LeadStatus.NEW]
    engine = app.engine()
    bucket_id, campaign_id = scope_ids(engine, bucket, campaign)
    report = app.report()  # reprocess commits batch by batch too: Ctrl-C says how many are kept
    if dry_run:
        app.reporter = None
    summary = processing.reprocess(
        engine,
        app.rules,
        bucket_id=bucket_id,
        campaign_id=campaign_id,
        statuses=chosen,
        lead_ids=list(lead_ids),
        since=since,
        dry_run=dry_run,
        batch_size=batch_size,
        report=report,
    )
    _report(summary, fmt, "changed")
