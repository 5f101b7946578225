"""leadctl clients …: list with filters, show one with assignments, activities and timeline."""

from __future__ import annotations

import click

from leadctl.cli import AppContext, pass_app
from leadctl.output import format_option


@click.group()
def clients() -> None:
    """Browse clients (one per person): list with filters, show one with its history.

    A client is the unit of work: assignment, activities and stages attach to it. REP is
    the rep of the client's active assignment; merged clients are hidden.

    \b
    Example:
      leadctl clients list --campaign "Outbound Q1" --unassigned
      leadctl clients show 42
    """


@clients.command("list")
@click.option("--campaign", metavar="CAMPAIGN", help="Only clients of this campaign (name or id).")
@click.option("--bucket", metavar="BUCKET", help="Only clients with a lead in this bucket (name or id).")
@click.option("--rep", metavar="REP", help="Only clients actively assigned to this rep (e-mail, name or id).")
@click.option("--unassigned", is_flag=True, help="Only clients without an active assignment.")
@click.option(
    "--stage",
    "stages",
    multiple=True,
    metavar="STAGE",
    help="Only these stages: untouched, attempted, engaged, appointment, disqualified, do_not_contact, converted (repeat or comma-separate).",
)
@click.option(
    "--search", metavar="TEXT", help="E-mail, name, company, id, external id or E.164 phone; any case."
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=None,
    help="At most N clients; 0 = all (default: 50 in a table, all in json, jsonl and csv).",
)
@click.option("--offset", type=click.IntRange(min=0), default=0, help="Skip the first N clients.")
@format_option
@pass_app
def list_cmd(
    app: AppContext,
    campaign: str | None,
    bucket: str | None,
    rep: str | None,
    unassigned: bool,
    stages: tuple[str, ...],
    search: str | None,
    limit: int | None,
    offset: int,
    fmt: str,
) -> None:
    """List clients matching every given filter, oldest first.

    json, jsonl and csv carry the stable fields (id, campaign, rep, assigned_at, stage,
    first_name, last_name, email, business_phone, mobile_phone, timezone, company,
    lead_ids, created_at) in that order.

    \b
    Example:
      leadctl clients list --campaign "Outbound Q1" --unassigned
      leadctl clients list --rep ana@example.com --stage attempted,engaged --format json
      leadctl clients list --search "maria garcia"
    """
    from leadctl.output import message, page_size, render
    from leadctl.services.work import clients as service

    if unassigned and rep is not None:
        raise click.UsageError("--rep and --unassigned contradict each other")
    page = service.list_clients(
        app.engine(),
        campaign=campaign,
        bucket=bucket,
        rep=rep,
        unassigned=unassigned,
        stages=stages,
        search=search,
        limit=page_size(limit, fmt),
        offset=offset,
    )
    columns = service.TABLE_COLUMNS if fmt == "table" else service.LIST_FIELDS
    render(page.rows, fmt, columns, empty="No clients match.")
    summary = page.summary()
    if summary:
        message(summary)


@clients.command("show")
@click.argument("client_id", metavar="ID")
@format_option
@pass_app
def show_cmd(app: AppContext, client_id: str, fmt: str) -> None:
    """Show one client: every field, assignment history, activities and timeline.

    \b
    Example:
      leadctl clients show 42
      leadctl clients show client:42 --format json | jq .activities
    """
    from leadctl.output import heading, render, render_record
    from leadctl.services.work import clients as service

    row = service.show_client(app.engine(), client_id)
    if fmt != "table":
        render_record(row, fmt)
        return
    assignments = row.pop("assignments")
    activities = row.pop("activities")
    timeline = row.pop("timeline")
    render_record(row, fmt)
    heading("Assignments")
    render(assignments, fmt, service.ASSIGNMENT_FIELDS, empty="Never assigned.")
    heading("Activities")
    render(activities, fmt, service.ACTIVITY_FIELDS[:-1], empty="No activities.")
    heading("Timeline")
    render(timeline, fmt, service.TIMELINE_FIELDS, empty="No client events.")
