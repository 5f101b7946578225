"""leadctl leads …: list with filters, show one with its timeline."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import click

from leadctl.cli import AppContext, pass_app
from leadctl.commands._options import (
    Assignment,
    BucketRef,
    CampaignRef,
    RepRef,
    SortKey,
    When,
    input_file_argument,
    status_option,
)
from leadctl.output import Section, format_option, pairs, render_sections
from leadctl.vocab import LeadStatus

# Keep in step with services.leads.SORT_FIELDS (a test checks); listed here so --help stays cheap.
SORTABLE = "id, registered_at, created_at, updated_at, status, external_id, first_name, last_name, email, company, bucket, campaign, manager"


def _rejected(lead: Mapping[str, Any]) -> bool:
    return bool(lead["status"] == LeadStatus.REJECTED)


def _source_title(lead: Mapping[str, Any]) -> str:
    return f"Source row (line {lead['line_no']})" if lead["line_no"] is not None else "Source row"


def _reasons(lead: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [r if isinstance(r, dict) else {"reason": r} for r in lead["reasons"] or []]


# `leads show` as a table: the lead's fields, then these headed sub-tables.
SHOW_SECTIONS = (
    Section(
        "custom", "Custom fields", ["field", "value"], empty_title="Custom fields: none", rows=pairs("custom")
    ),
    Section("reasons", "Reasons", empty_title="Reasons: none recorded", rows=_reasons, when=_rejected),
    Section(
        "raw",
        _source_title,
        ["column", "value"],
        skip_empty=True,
        rows=pairs("raw", "column"),
        when=_rejected,
    ),
    Section("timeline", "Timeline", ["at", "kind", "actor", "data"]),
)


@click.group()
def leads() -> None:
    """Browse leads: list with filters, show one with its timeline, fix, import corrections.

    \b
    Example:
      leadctl leads list --bucket webinar --status new,duplicate --since 7d
      leadctl leads show 42
    """


@leads.command("list")
@click.option("--bucket", metavar="BUCKET", type=BucketRef(), help="Only leads of this bucket (name or id).")
@click.option(
    "--campaign", metavar="CAMPAIGN", type=CampaignRef(), help="Only leads of this campaign (name or id)."
)
@status_option("Only these statuses: new, processed, duplicate, rejected (repeat or comma-separate).")
@click.option(
    "--manager", metavar="REP", type=RepRef(), help="Only leads managed by this rep (e-mail, name or id)."
)
@click.option(
    "--since",
    metavar="WHEN",
    type=When(),
    help="Registered at or after WHEN (2026-03-01, 2026-03-01T09:00, today, 7d).",
)
@click.option(
    "--until",
    metavar="WHEN",
    type=When(end_of_day=True),
    help="Registered at or before WHEN; a bare date means the end of that day.",
)
@click.option("--search", metavar="TEXT", help="E-mail, id or name (first, last or 'first last'); any case.")
@click.option(
    "--unassigned/--all-managers",
    default=None,
    help="Only leads without a manager, or all leads. Default with --bucket: the bucket's saved view.",
)
@click.option("--save-view", is_flag=True, help="Remember --unassigned/--all-managers for --bucket.")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=None,
    help="At most N leads; 0 = all (default: 50 in a table, all in json, jsonl and csv).",
)
@click.option("--offset", type=click.IntRange(min=0), default=0, help="Skip the first N leads.")
@click.option(
    "--sort",
    default="id",
    show_default=True,
    metavar="FIELD",
    type=SortKey(s.strip() for s in SORTABLE.split(",")),
    help=f"Sort by FIELD, -FIELD for descending: {SORTABLE}.",
)
@format_option
@pass_app
def list_cmd(
    app: AppContext,
    bucket: str | None,
    campaign: str | None,
    statuses: list[LeadStatus],
    manager: str | None,
    since: datetime | None,
    until: datetime | None,
    search: str | None,
    unassigned: bool | None,
    save_view: bool,
    limit: int | None,
    offset: int,
    sort: str,
    fmt: str,
) -> None:
    """List leads matching every given filter; the table shows a readable subset.

    The table shows a page (50; --limit N, 0 = all) with a detail column: a rejected lead's
    reasons, a duplicate's original and score. json, jsonl and csv return every matching
    lead unless --limit is given, and carry the stable fields (id, external_id, bucket, campaign, status,
    reasons, manager, client_id, duplicate_of, first_name, last_name, email, business_phone,
    mobile_phone, timezone, company, registered_at, custom) in that order.

    The "only unassigned" choice is remembered per bucket with --save-view (third example);
    --all-managers --save-view switches it off again.

    \b
    Example:
      leadctl leads list --bucket webinar --status new,duplicate --since 7d
      leadctl leads list --search "ana silva" --format json
      leadctl leads list --bucket webinar --unassigned --save-view
      leadctl leads list --sort -registered_at --format csv > leads.csv
      leadctl leads list --status rejected --columns id,email,detail
    """
    from leadctl.output import message, page_size, render
    from leadctl.services.intake import leads as service

    if since is not None and until is not None and since > until:
        raise click.UsageError(f"--since ({since.isoformat()}) is after --until ({until.isoformat()})")
    if save_view and bucket is None:
        raise click.UsageError(
            "--save-view needs --bucket (the unassigned-only view is remembered per bucket)"
        )
    if unassigned and manager is not None:
        raise click.UsageError(
            "--manager and --unassigned contradict each other (unassigned leads have no manager)"
        )
    page = service.list_leads(
        app.engine(),
        bucket=bucket,
        campaign=campaign,
        statuses=statuses,
        manager=manager,
        since=since,
        until=until,
        search=search,
        unassigned=unassigned,
        save_view=save_view,
        limit=page_size(limit, fmt),
        offset=offset,
        sort=sort,
    )
    for notice in page.notices:
        message(notice)
    columns = service.TABLE_COLUMNS if fmt == "table" else service.LIST_FIELDS
    render(page.rows, fmt, columns, empty="No leads match.")
    summary = page.summary()
    if summary:
        message(summary)


@leads.command("show")
@click.argument("lead_id", metavar="ID")
@format_option
@pass_app
def show_cmd(app: AppContext, lead_id: str, fmt: str) -> None:
    """Show one lead: every field, custom fields, reasons and the full timeline.

    The timeline starts with the load that brought the lead in (file, line, who, when),
    then every event (processed, duplicate, fixed, reprocessed, …) in time order.

    \b
    Example:
      leadctl leads show 42
      leadctl leads show 42 --format json | jq .timeline
      leadctl leads show lead:42          # as printed in duplicate_of
    """
    from leadctl.services.intake import leads as service

    render_sections(service.show_lead(app.engine(), lead_id), fmt, SHOW_SECTIONS)


@leads.command("fix")
@click.argument("lead_id", metavar="ID", type=int)
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="FIELD=VALUE",
    type=Assignment(),
    required=True,
    help="A corrected value (repeatable); custom.NAME=VALUE for a custom field, empty to clear.",
)
@format_option
@pass_app
def fix_cmd(app: AppContext, lead_id: int, assignments: tuple[tuple[str, str], ...], fmt: str) -> None:
    """Correct a lead's fields (e.g. a rejected one) before reprocessing it.

    Values are normalised like a load (e-mail lower-cased, phones to E.164, time zone from
    the phone). The before and after go on the lead's timeline; the row as first read stays
    in its source record. A new or rejected lead: then run 'leadctl reprocess --lead ID'.
    A processed or duplicate lead is reprocessed at once: the corrected e-mail, phones,
    names, company … of the lead that created a client flow to that client (where it still
    holds the old value or nothing), a duplicate is matched again, and a fix that makes the
    lead invalid rejects it.

    \b
    Example:
      leadctl leads fix 1042 --set email=ana.silva@example.com --set "title=VP Sales"
      leadctl reprocess --lead 1042
    """
    from leadctl.output import message, render
    from leadctl.services.intake.fixes import fix_lead

    result = fix_lead(app.engine(), app.rules, lead_id, dict(assignments))
    rows = [{"field": k, "before": v["before"], "after": v["after"]} for k, v in result["changed"].items()]
    render(
        rows, fmt, ["field", "before", "after"], empty="Nothing changed: the lead already has these values."
    )
    if rows and result["was"] in (LeadStatus.PROCESSED, LeadStatus.DUPLICATE):
        message(f"Lead {lead_id} was reprocessed with the fix: it is {result['status']} now.")
    elif rows:
        message(
            f"Lead {lead_id} is {result['status']}: run 'leadctl reprocess --lead {lead_id}' to process it again."
        )


@leads.command("import-fixes")
@input_file_argument("file", metavar="FILE")
@click.option(
    "--bucket", metavar="BUCKET", type=BucketRef(), help="Find leads by external_id in this bucket."
)
@click.option(
    "--reprocess", "then_reprocess", is_flag=True, help="Reprocess the corrected leads in the same step."
)
@click.option("--strict", is_flag=True, help="Refuse the whole file (change nothing) if any row is bad.")
@format_option
@pass_app
def import_fixes_cmd(
    app: AppContext, file: str, bucket: str | None, then_reprocess: bool, strict: bool, fmt: str
) -> None:
    """Apply corrections from a CSV, TSV or JSON Lines FILE (or -) to the leads it names.

    Rows name their lead by id (as 'leads list' exports it), else by external_id (within
    --bucket). Each lead field column is a correction (an empty cell clears it); the
    custom column (a JSON object) updates custom fields. status, reasons, bucket,
    campaign, manager, client_id, duplicate_of and timezone are export columns the system
    sets: they are ignored, never custom fields. Before and after go on each lead's
    timeline ('fixed'), as with 'leads fix'.

    The file is applied in one transaction: if the command fails part-way, no lead has
    changed. A bad row (no such lead, an ambiguous external_id, a custom cell that is not
    a JSON object, a registered_at that is not a date) is rejected and reported with its
    file, line and field; the other rows are applied. With --strict any bad row refuses
    the file and nothing changes (exit 1).

    \b
    Example:
      leadctl leads list --status rejected --format csv > rejected.csv
      leadctl leads import-fixes rejected.csv --reprocess
      leadctl leads import-fixes corrections.jsonl --bucket web --strict
    """
    import sys

    from leadctl.output import message, plural, render_record, warn
    from leadctl.services.intake import import_fixes, processing

    engine = app.engine()
    rules = app.rules

    def reprocess(ids: list[int]) -> dict[str, Any]:
        summary = processing.reprocess(engine, rules, lead_ids=ids)
        return summary.as_dict()

    data = sys.stdin.buffer.read() if file == "-" else None
    result = import_fixes.import_fixes(
        engine,
        rules,
        file,
        bucket=bucket,
        data=data,
        strict=strict,
        reprocess=reprocess if then_reprocess else None,
    )
    for rejection in result.rejections[:20]:
        warn(f"rejected: {rejection.text(result.file)}")
    if len(result.rejections) > 20:
        warn(f"rejected: {len(result.rejections) - 20:,} more rows (see --format json)")
    if fmt != "table":
        render_record(result.as_dict(), fmt)
        return
    message(
        f"{result.file}: {plural(result.rows, 'row')}; fixed {plural(len(result.fixed), 'lead')}, "
        f"{result.unchanged:,} unchanged, {len(result.rejections):,} rejected"
        + (f"; ignored export columns: {', '.join(result.ignored_columns)}" if result.ignored_columns else "")
    )
    if result.reprocessed is not None:
        message(
            f"Reprocessed {plural(len(result.fixed), 'lead')}: see 'leadctl leads show ID' for each outcome."
        )
    elif result.fixed:
        message("Run 'leadctl reprocess --lead ID' (or add --reprocess) to process them again.")
