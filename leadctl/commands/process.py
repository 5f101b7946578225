"""leadctl process / leadctl reprocess"""

from __future__ import annotations

import click

from leadctl.cli import AppContext, pass_app
from leadctl.output import format_option

STATUSES = ("new", "processed", "duplicate", "rejected")


def _scope(app: AppContext, bucket: str | None, campaign: str | None) -> tuple[int | None, int | None]:
    from leadctl.services.intake.leads import find_bucket, find_campaign

    engine = app.engine()
    with engine.connect() as conn:
        bucket_id = int(find_bucket(conn, bucket)["id"]) if bucket else None
        campaign_id = int(find_campaign(conn, campaign)["id"]) if campaign else None
    return bucket_id, campaign_id


def _report(summary: object, fmt: str, verb: str) -> None:
    from leadctl.output import message, render, render_record

    if fmt == "table":
        render(summary.rows(), fmt, ["metric", "value"])  # type: ignore[attr-defined]
        if summary.dry_run:  # type: ignore[attr-defined]
            message(f"Dry run: nothing was {verb}.")
    else:
        render_record(summary.as_dict(), fmt)  # type: ignore[attr-defined]


@click.command()
@click.option("--bucket", help="Only leads of this bucket (name or id).")
@click.option("--campaign", help="Only leads of this campaign (name or id).")
@click.option("--limit", type=click.IntRange(min=1), help="Process at most N leads.")
@click.option("-n", "--dry-run", is_flag=True, help="Show what would happen; change nothing.")
@format_option
@pass_app
def process(
    app: AppContext, bucket: str | None, campaign: str | None, limit: int | None, dry_run: bool, fmt: str
) -> None:
    """Process new leads: validate, detect duplicates, create clients.

    Each lead with status "new" is validated against the rules (→ rejected, with reasons),
    checked against the central duplicate rules (→ duplicate, linked to the client it
    matches, with the score and the rule that fired), or becomes a client (→ processed)
    that inherits the campaign, the manager, the bucket label and the affiliate id.
    Safe to run from cron, also while a load is running or another process runs.

    \b
    Example:
      leadctl process --bucket web-demo-requests
      leadctl process --dry-run --format json
    """
    from leadctl.output import Progress, progress_enabled
    from leadctl.services.intake import processing

    bucket_id, campaign_id = _scope(app, bucket, campaign)
    engine = app.engine()
    # Counting the backlog is only worth it for a progress bar (never from cron).
    total = processing.count_new(engine, bucket_id, campaign_id, limit) if progress_enabled() else 0
    bar = Progress(total, label="processing")
    try:
        summary = processing.process(
            engine,
            app.rules,
            bucket_id=bucket_id,
            campaign_id=campaign_id,
            limit=limit,
            dry_run=dry_run,
            on_batch=bar.update,
        )
    finally:
        bar.close()
    _report(summary, fmt, "processed")


def _split(values: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for v in values:
        out += [p.strip() for p in v.split(",") if p.strip()]
    return out


@click.command()
@click.option("--bucket", help="Leads of this bucket (name or id).")
@click.option("--campaign", help="Leads of this campaign (name or id).")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    metavar="STATUS[,STATUS]",
    help="Statuses to reprocess (default: rejected,duplicate,new; add processed to re-check clients).",
)
@click.option(
    "--lead", "lead_ids", multiple=True, type=int, metavar="ID", help="Only these leads (repeatable)."
)
@click.option("--since", help="Only leads registered since this date.")
@click.option("-n", "--dry-run", is_flag=True, help="Show what would change; change nothing.")
@format_option
@pass_app
def reprocess(
    app: AppContext,
    bucket: str | None,
    campaign: str | None,
    statuses: tuple[str, ...],
    lead_ids: tuple[int, ...],
    since: str | None,
    dry_run: bool,
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
    from leadctl.errors import InputError
    from leadctl.services.intake import processing
    from leadctl.timeutil import parse_user_datetime

    chosen = _split(statuses) or ["rejected", "duplicate", "new"]
    bad = [s for s in chosen if s not in STATUSES]
    if bad:
        raise click.BadParameter(f"{bad[0]!r} is not one of {', '.join(STATUSES)}", param_hint="--status")
    if not (bucket or campaign or lead_ids):
        raise InputError("reprocess needs --bucket, --campaign or --lead (to say which leads)")
    since_dt = parse_user_datetime(since, "--since") if since else None
    bucket_id, campaign_id = _scope(app, bucket, campaign)
    summary = processing.reprocess(
        app.engine(),
        app.rules,
        bucket_id=bucket_id,
        campaign_id=campaign_id,
        statuses=chosen,
        lead_ids=list(lead_ids),
        since=since_dt,
        dry_run=dry_run,
    )
    _report(summary, fmt, "changed")
