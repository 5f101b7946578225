"""leadctl campaign …"""

from __future__ import annotations

import click

from leadctl.cli import AppContext, pass_app
from leadctl.commands._options import CampaignRef, RepRef
from leadctl.output import Section, format_option, render, render_record, render_sections

REP_COLUMNS = ["id", "email", "name", "role", "approved_at", "revoked_at"]
SHOW_SECTIONS = (Section("reps", "Reps", REP_COLUMNS, skip_empty=True),)


@click.group()
def campaign() -> None:
    """Create, list and edit campaigns; approve reps on them.

    A campaign is a pool of leads a team works. Buckets feed it; approved reps work it.

    \b
    Example:
      leadctl campaign create "Outbound Q1" --description "US mid-market"
      leadctl campaign approve "Outbound Q1" ana@example.com ben@example.com
    """


@campaign.command("create")
@click.argument("name")
@click.option("--description", help="What the campaign is for.")
@format_option
@pass_app
def create_cmd(app: AppContext, name: str, description: str | None, fmt: str) -> None:
    """Create a campaign.

    \b
    Example:
      leadctl campaign create "Outbound Q1" --description "US mid-market"
    """
    from leadctl.services.admin import campaigns

    render_record(campaigns.create(app.engine(), name, description), fmt)


@campaign.command("list")
@click.option("--active-only", is_flag=True, help="Hide deactivated campaigns.")
@click.option("--all", "show_all", is_flag=True, help="Include deactivated campaigns (the default here).")
@format_option
@pass_app
def list_cmd(app: AppContext, active_only: bool, show_all: bool, fmt: str) -> None:
    """List campaigns with bucket, rep and lead counts (deactivated ones too).

    Unlike 'bucket list' and 'rep list', every campaign is listed by default (scripts rely
    on it); --all says so explicitly, --active-only hides the deactivated ones.

    \b
    Example:
      leadctl campaign list --format json
    """
    from leadctl.services.admin import campaigns

    if active_only and show_all:
        raise click.UsageError("--active-only and --all contradict each other")
    rows = campaigns.list_campaigns(app.engine(), include_inactive=not active_only)
    render(
        rows,
        fmt,
        ["id", "name", "active", "buckets", "reps", "leads", "description", "created_at"],
        empty="No campaigns yet: create one with 'leadctl campaign create NAME'.",
    )


@campaign.command("show")
@click.argument("campaign_ref", metavar="CAMPAIGN", type=CampaignRef())
@format_option
@pass_app
def show_cmd(app: AppContext, campaign_ref: str, fmt: str) -> None:
    """Show one campaign (by name or id) with its reps and buckets.

    \b
    Example:
      leadctl campaign show "Outbound Q1"
    """
    from leadctl.services.admin import campaigns

    render_sections(campaigns.show(app.engine(), campaign_ref), fmt, SHOW_SECTIONS)


@campaign.command("edit")
@click.argument("campaign_ref", metavar="CAMPAIGN", type=CampaignRef())
@click.option("--name", help="New name.")
@click.option("--description", help="New description.")
@click.option(
    "--active/--inactive",
    default=None,
    hidden=True,
    help="Old spelling of 'campaign activate' / 'campaign deactivate'.",
)
@format_option
@pass_app
def edit_cmd(
    app: AppContext,
    campaign_ref: str,
    name: str | None,
    description: str | None,
    active: bool | None,
    fmt: str,
) -> None:
    """Rename or describe a campaign.

    'campaign activate' and 'campaign deactivate' switch it on and off.

    \b
    Example:
      leadctl campaign edit "Outbound Q1" --name "Outbound 2027 Q1"
    """
    from leadctl.services.admin import campaigns

    render_record(campaigns.edit(app.engine(), campaign_ref, name, description, active), fmt)


@campaign.command("deactivate")
@click.argument("campaign_ref", metavar="CAMPAIGN", type=CampaignRef())
@format_option
@pass_app
def deactivate_cmd(app: AppContext, campaign_ref: str, fmt: str) -> None:
    """Deactivate a campaign: its buckets take no new leads; history is kept.

    \b
    Example:
      leadctl campaign deactivate "Outbound Q1"
    """
    from leadctl.services.admin import campaigns

    render_record(campaigns.edit(app.engine(), campaign_ref, None, None, False), fmt)


@campaign.command("activate")
@click.argument("campaign_ref", metavar="CAMPAIGN", type=CampaignRef())
@format_option
@pass_app
def activate_cmd(app: AppContext, campaign_ref: str, fmt: str) -> None:
    """Let a deactivated campaign's buckets take new leads again.

    \b
    Example:
      leadctl campaign activate "Outbound Q1"
    """
    from leadctl.services.admin import campaigns

    render_record(campaigns.edit(app.engine(), campaign_ref, None, None, True), fmt)


@campaign.command("approve")
@click.argument("campaign_ref", metavar="CAMPAIGN", type=CampaignRef())
@click.argument("reps", nargs=-1, required=True, metavar="REP...", type=RepRef())
@format_option
@pass_app
def approve_cmd(app: AppContext, campaign_ref: str, reps: tuple[str, ...], fmt: str) -> None:
    """Approve reps (e-mail, name or id) to work a campaign.

    \b
    Example:
      leadctl campaign approve "Outbound Q1" ana@example.com 7
    """
    from leadctl.services.admin import campaigns

    render(campaigns.approve(app.engine(), campaign_ref, list(reps)), fmt, ["campaign", "rep", "change"])


@campaign.command("revoke")
@click.argument("campaign_ref", metavar="CAMPAIGN", type=CampaignRef())
@click.argument("reps", nargs=-1, required=True, metavar="REP...", type=RepRef())
@format_option
@pass_app
def revoke_cmd(app: AppContext, campaign_ref: str, reps: tuple[str, ...], fmt: str) -> None:
    """Revoke reps' approval on a campaign (kept as history).

    \b
    Example:
      leadctl campaign revoke "Outbound Q1" ben@example.com
    """
    from leadctl.services.admin import campaigns

    render(campaigns.revoke(app.engine(), campaign_ref, list(reps)), fmt, ["campaign", "rep", "change"])
