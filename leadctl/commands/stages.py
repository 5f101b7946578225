"""leadctl stages …: counts per stage per rep (warning below the attempted minimum); refresh."""

from __future__ import annotations

import click

from leadctl.cli import AppContext, pass_app
from leadctl.commands._options import CampaignRef, RepRef
from leadctl.output import flag, format_option

COLUMNS = (
    "rep",
    "role",
    "untouched",
    "attempted",
    "engaged",
    "appointment",
    "disqualified",
    "do_not_contact",
    "converted",
    "total",
    "attempted_minimum",
    "below_minimum",
)


@click.group(invoke_without_command=True)
@click.option("--rep", "rep_ref", type=RepRef(), metavar="REP", help="Only this rep (e-mail, name or id).")
@click.option(
    "--campaign", "campaign_ref", type=CampaignRef(), metavar="CAMPAIGN", help="Only this campaign's clients."
)
@format_option
@click.pass_context
def stages(ctx: click.Context, rep_ref: str | None, campaign_ref: str | None, fmt: str) -> None:
    """Clients per stage per rep; warns when a rep's attempted stage is below the minimum.

    Counts the clients actively assigned to each active rep in each stage (untouched,
    attempted, engaged, appointment, then the terminal ones). A rep holding fewer attempted
    clients than the minimum for their role (stages.attempted_minimum in the rules: 100 for
    setters, 50 for full-cycle reps) gets a warning on stderr and below_minimum: true in
    json/jsonl/csv. With --campaign: the reps approved on it and its clients.

    \b
    Example:
      leadctl stages
      leadctl stages --campaign "Outbound Q1" --format json
      leadctl stages refresh
    """
    if ctx.invoked_subcommand is not None:
        return
    from leadctl.output import render, warn
    from leadctl.services.work import stages as service

    app = ctx.find_object(AppContext)
    assert app is not None
    rows = service.stage_counts(app.engine(), app.rules, rep=rep_ref, campaign=campaign_ref)
    render(rows, fmt, COLUMNS, empty="No active reps.", display={"below_minimum": flag("BELOW MIN")})
    for row in rows:
        if row["below_minimum"]:
            warn(
                f"{row['rep']} holds {row['attempted']} attempted clients, below the minimum of "
                f"{row['attempted_minimum']} for a {row['role']}"
            )


@stages.command("refresh")
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Re-fold every client's stage from its activities (after an upgrade or a rules change).",
)
@format_option
@pass_app
def refresh_cmd(app: AppContext, everything: bool, fmt: str) -> None:
    """Apply the time-based stage rules (lost deals due for re-engagement); safe from cron.

    A deal lost (disposition lost) between stages.lost_reengage_after_days and
    lost_reengage_before_days ago (180-270 by default), with nothing since, makes the client
    engaged again. Running it twice changes nothing the second time.

    \b
    Example:
      leadctl stages refresh
      leadctl stages refresh --all --format json
    """
    from leadctl.output import render_record
    from leadctl.services.work import stages as service

    render_record(service.refresh(app.engine(), app.rules, everything=everything).as_dict(), fmt)
