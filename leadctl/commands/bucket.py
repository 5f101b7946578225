"""leadctl bucket …"""

from __future__ import annotations

from typing import Any

import click

from leadctl.cli import AppContext, pass_app
from leadctl.commands._options import BucketRef, CampaignRef, NonBlank, RepRef
from leadctl.output import format_option, message, plural, render, render_record
from leadctl.vocab import LeadStatus, values

SHOW_KEYS = (
    "id", "name", "label", "campaign", "manager", "affiliate_id", "source", "active",
    *values(LeadStatus), "leads", "loads", "last_load_at",
    "created_at", "updated_at", "deactivated_at",
)  # fmt: skip


def _record(row: dict[str, Any], fmt: str) -> None:
    """One bucket: the readable keys for people, everything (ids included) for tools."""
    render_record(row, fmt, fields=(*SHOW_KEYS, "changed"))


@click.group()
def bucket() -> None:
    """Manage intake buckets: the channels (affiliate, landing page, API, list) feeding a campaign.

    A bucket has a label, a default manager, an optional affiliate id and an active flag.
    Leads copy the bucket's campaign and manager when they arrive, so editing a bucket
    never changes leads already loaded. A deactivated bucket accepts no new leads but keeps
    its history.

    \b
    Example:
      leadctl bucket create web-pricing --campaign "Outbound Q1" --manager ana@example.com
      leadctl bucket list --all
    """


@bucket.command("create")
@click.argument("name")
@click.option(
    "--campaign",
    "campaign_ref",
    required=True,
    metavar="CAMPAIGN",
    type=CampaignRef(),
    help="Campaign it feeds (name or id).",
)
@click.option(
    "--manager",
    metavar="REP",
    type=RepRef(blank_ok=True),
    help="Default manager of its leads (e-mail, name or id).",
)
@click.option("--affiliate-id", metavar="ID", help="Affiliate id passed on to clients.")
@click.option("--source", help="Acquisition channel, e.g. affiliate, landing-page, api, list-purchase.")
@click.option("--label", help="Label shown on leads and clients (default: the name).")
@format_option
@pass_app
def create_cmd(
    app: AppContext,
    name: str,
    campaign_ref: str,
    manager: str | None,
    affiliate_id: str | None,
    source: str | None,
    label: str | None,
    fmt: str,
) -> None:
    """Create an intake bucket feeding a campaign.

    \b
    Example:
      leadctl bucket create web-pricing --campaign "Outbound Q1" \\
          --manager ana@example.com --source landing-page --label "Pricing page"
      leadctl bucket create acme-aff --campaign 3 --affiliate-id AFF-042 --source affiliate
    """
    from leadctl.services.admin import buckets

    row = buckets.create(
        app.engine(),
        name,
        campaign_ref,
        manager=manager,
        affiliate_id=affiliate_id,
        source=source,
        label=label,
    )
    _record(row, fmt)


@bucket.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include deactivated buckets.")
@format_option
@pass_app
def list_cmd(app: AppContext, show_all: bool, fmt: str) -> None:
    """List buckets with lead counts by status.

    Deactivated buckets are shown with --all. Counts: new, processed, duplicate, rejected.

    \b
    Example:
      leadctl bucket list
      leadctl bucket list --all --format csv > buckets.csv
    """
    from leadctl.services.admin import buckets

    rows = buckets.list_buckets(app.engine(), include_inactive=show_all)
    hint = "No buckets yet: create one with 'leadctl bucket create NAME --campaign C'."
    if not show_all:
        hint = "No active buckets (see 'leadctl bucket list --all'; create one with 'leadctl bucket create')."
    render(rows, fmt, list(buckets.LIST_COLUMNS), empty=hint)


@bucket.command("show")
@click.argument("bucket_ref", metavar="BUCKET", type=BucketRef())
@format_option
@pass_app
def show_cmd(app: AppContext, bucket_ref: str, fmt: str) -> None:
    """Show a bucket with lead counts by status and its loads.

    BUCKET is its name or id. The table lists its most recent loads (id, file, when, by
    whom, counts); 'leadctl load list --bucket BUCKET' lists them all.

    \b
    Example:
      leadctl bucket show web-pricing
      leadctl bucket show 4 --format json
    """
    from leadctl.output import Section, path_end, render_sections
    from leadctl.services.admin import buckets
    from leadctl.services.intake.loads import TABLE_COLUMNS

    loads = Section(
        "recent_loads",
        f"Loads (newest {buckets.RECENT_LOADS}; all: leadctl load list --bucket B)",
        [c for c in TABLE_COLUMNS if c != "bucket"],
        empty_title="Loads: none yet",
        display={"file": path_end()},
    )
    render_sections(buckets.show(app.engine(), bucket_ref), fmt, [loads], fields=(*SHOW_KEYS, "changed"))


@bucket.command("edit")
@click.argument("bucket_ref", metavar="BUCKET", type=BucketRef())
@click.option("--name", help="New name.")
@click.option("--label", type=NonBlank(), help="New label.")
@click.option(
    "--campaign",
    "campaign_ref",
    metavar="CAMPAIGN",
    type=CampaignRef(),
    help="Feed another campaign (new leads only).",
)
@click.option(
    "--manager",
    metavar="REP",
    type=RepRef(blank_ok=True),
    help="New default manager (new leads only); '' removes it.",
)
@click.option("--affiliate-id", metavar="ID", help="New affiliate id; '' removes it.")
@click.option("--source", help="New acquisition channel; '' removes it.")
@format_option
@pass_app
def edit_cmd(
    app: AppContext,
    bucket_ref: str,
    name: str | None,
    label: str | None,
    campaign_ref: str | None,
    manager: str | None,
    affiliate_id: str | None,
    source: str | None,
    fmt: str,
) -> None:
    """Change label, manager, campaign, affiliate id, source or name.

    Only the bucket changes: leads already in it keep the campaign and manager they got.

    \b
    Example:
      leadctl bucket edit web-pricing --manager ben@example.com --label "Pricing (2027)"
      leadctl bucket edit acme-aff --affiliate-id ''
    """
    from leadctl.services.admin import buckets

    row = buckets.edit(
        app.engine(),
        bucket_ref,
        name=name,
        label=label,
        campaign=campaign_ref,
        manager=manager,
        affiliate_id=affiliate_id,
        source=source,
    )
    changed = row["changed"]
    if not changed:
        message(f"Bucket {row['name']!r}: nothing changed.")
    elif {"campaign", "manager"} & set(changed) and row["leads"]:
        message(
            f"Bucket {row['name']!r} updated; its {plural(row['leads'], 'existing lead')} keep their "
            "campaign and manager, new leads get the new ones."
        )
    _record(row, fmt)


def _set_active(app: AppContext, bucket_ref: str, active: bool, fmt: str) -> None:
    from leadctl.services.admin import buckets

    row = buckets.set_active(app.engine(), bucket_ref, active)
    changed = row["changed"]
    state = "active" if active else "deactivated"
    if not changed:
        message(f"Bucket {row['name']!r} was already {state}.")
    elif active:
        message(f"Bucket {row['name']!r} is active again and accepts new leads.")
    else:
        message(
            f"Bucket {row['name']!r} deactivated: it accepts no new leads; "
            f"its {plural(row['leads'], 'lead')} {'is' if row['leads'] == 1 else 'are'} kept."
        )
    _record(row, fmt)


@bucket.command("deactivate")
@click.argument("bucket_ref", metavar="BUCKET", type=BucketRef())
@format_option
@pass_app
def deactivate_cmd(app: AppContext, bucket_ref: str, fmt: str) -> None:
    """Stop a bucket accepting new leads; its history is kept.

    \b
    Example:
      leadctl bucket deactivate acme-aff
    """
    _set_active(app, bucket_ref, False, fmt)


@bucket.command("activate")
@click.argument("bucket_ref", metavar="BUCKET", type=BucketRef())
@format_option
@pass_app
def activate_cmd(app: AppContext, bucket_ref: str, fmt: str) -> None:
    """Let a deactivated bucket accept new leads again.

    \b
    Example:
      leadctl bucket activate acme-aff
    """
    _set_active(app, bucket_ref, True, fmt)
