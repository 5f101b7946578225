"""leadctl metrics …"""

from __future__ import annotations

from datetime import datetime

import click

from leadctl.cli import AppContext, pass_app
from leadctl.commands._options import When, metric_options
from leadctl.output import flag, format_option, percent

SPIKE_EXIT = 3
# Tables show rates as percentages and flag spikes; json/jsonl/csv keep the raw ratios.
RATE_DISPLAY = {
    "duplicate_rate": percent,
    "rejection_rate": percent,
    "baseline_rate": percent,
    "spike": flag("SPIKE"),
}


@click.group()
def metrics() -> None:
    """Metric tables: data quality now; speed-to-lead, SLAs and funnels as they arrive.

    \b
    Example:
      leadctl metrics duplicates --by day --since 30d
    """


@metrics.command("duplicates")
@metric_options(
    ("day", "week", "bucket", "campaign", "source"), default_by="day", period="Only leads that arrived"
)
@click.option(
    "--fail-on-spike", is_flag=True, help=f"Exit {SPIKE_EXIT} when a spike is found (for cron alerts)."
)
@format_option
@pass_app
def duplicates_cmd(
    app: AppContext,
    by: str,
    since: datetime | None,
    until: datetime | None,
    campaign_ref: str | None,
    fail_on_spike: bool,
    fmt: str,
) -> None:
    """Duplicate and rejection rates over time, flagging abnormal spikes.

    A day is flagged when its duplicate rate is far above the trailing median of the days
    before it (by bucket/campaign/source: far above the median of its peers); the
    thresholds are in the rules file (monitoring section). With --fail-on-spike the
    command exits 3 when anything is flagged, so cron can alert.

    \b
    Example:
      leadctl metrics duplicates --by bucket --since 7d
      leadctl metrics duplicates --since 30d --fail-on-spike --format json
    """
    from leadctl.output import message, percent, render
    from leadctl.services.metrics.duplicates import duplicate_rates

    rows = duplicate_rates(
        app.engine(), by, since=since, until=until, rule=app.rules.monitoring, campaign=campaign_ref
    )
    columns = [
        by,
        "leads",
        "duplicates",
        "rejected",
        "unprocessed",
        "duplicate_rate",
        "rejection_rate",
        "baseline_rate",
        "spike",
    ]
    render(rows, fmt, columns, empty="No leads in that period.", display=RATE_DISPLAY)
    spikes = [r for r in rows if r["spike"]]
    if spikes:
        worst = max(spikes, key=lambda r: r["duplicate_rate"])
        message(
            f"{len(spikes)} spike(s): worst {by} {worst[by]} at {percent(worst['duplicate_rate'])} duplicates "
            f"vs baseline {percent(worst['baseline_rate'])}"
        )
        if fail_on_spike:
            raise SystemExit(SPIKE_EXIT)


@metrics.command("assignment")
@metric_options(period="Assignments made", since_default="30d")
@format_option
@pass_app
def assignment_cmd(
    app: AppContext, since: datetime, until: datetime | None, campaign_ref: str | None, fmt: str
) -> None:
    """Clients received per rep vs their rank and score (a fairness ledger).

    \b
    Example:
      leadctl metrics assignment --since 7d --campaign "Outbound Q1"
    """
    from leadctl.output import render
    from leadctl.services.assign.fairness import assignment_metrics

    rows = assignment_metrics(app.engine(), since, campaign_ref, until)
    render(
        rows,
        fmt,
        ["campaign", "rep", "received", "share", "avg_rank", "avg_score", "runs", "by_rule"],
        empty="No assignments in the period.",
        display={"share": percent},
    )


# ---------------------------------------------------------------- funnel, reps, queue (issue 11)

BELOW_MINIMUM_EXIT = 4
RATES = {"step_rate": percent, "overall_rate": percent}
REP_RATES = {"call_to_conversation": percent, "conversation_to_booked": percent, "hold_rate": percent}


@metrics.command("funnel")
@metric_options(("rep", "source", "bucket", "campaign", "day", "week"), period="Only leads that arrived")
@format_option
@pass_app
def funnel_cmd(
    app: AppContext,
    by: str | None,
    since: datetime | None,
    until: datetime | None,
    campaign_ref: str | None,
    fmt: str,
) -> None:
    """Leads → processed → assigned → contacted → conversation → booked → held → qualified.

    The leads that arrived in the period, followed to today: each step counts the leads
    whose client got at least that far; step_rate is a step ÷ the one before, overall_rate
    a step ÷ leads. The qualification rate is the step rate of "qualified" (qualified ÷
    held), lead → meeting the overall rate of "booked". --by rep groups by the client's rep now.

    \b
    Example:
      leadctl metrics funnel --since 30d
      leadctl metrics funnel --by source --since 2026-11-01 --format json
    """
    from leadctl.output import render
    from leadctl.services.metrics.common import Scope
    from leadctl.services.metrics.funnel import funnel_steps

    rows = funnel_steps(app.engine(), Scope(since, until, campaign_ref), by)
    cols = [*([by] if by else []), "step", "count", "step_rate", "overall_rate"]
    render(rows, fmt, cols, empty="No leads in that period.", display=RATES)


@metrics.command("reps")
@metric_options(("rep",), default_by="rep", period="Only activities")
@format_option
@pass_app
def reps_cmd(
    app: AppContext,
    by: str,
    since: datetime | None,
    until: datetime | None,
    campaign_ref: str | None,
    fmt: str,
) -> None:
    """Per rep: clients held, calls, conversations, meetings, conversion and hold rates.

    Hold rate = meetings held ÷ meetings booked whose time has passed; attempts per client =
    calls ÷ clients called; the median gap is between two consecutive touches (calls,
    e-mails) on one client; last active counts business days (calendar rules).

    \b
    Example:
      leadctl metrics reps --since 30d --campaign "Outbound Q1"
      leadctl metrics reps --since 7d --format csv > reps.csv
    """
    from leadctl.output import render
    from leadctl.services.metrics.common import Scope
    from leadctl.services.metrics.reps import COLUMNS, rep_metrics

    rows = rep_metrics(app.engine(), Scope(since, until, campaign_ref), app.rules.calendar, by)
    render(rows, fmt, list(COLUMNS), empty="No reps.", display=REP_RATES)


@metrics.command("queue")
@metric_options(("rep", "stage", "campaign"), default_by="rep", period=None)
@click.option(
    "--as-of",
    "as_of",
    type=When(),
    metavar="WHEN",
    help="Rebuild the queue as it stood at this past time (from the assignment and stage history).",
)
@click.option(
    "--fail-on-below-minimum",
    is_flag=True,
    help=f"Exit {BELOW_MINIMUM_EXIT} when a setter or closer holds fewer stage-2 clients than the minimum.",
)
@format_option
@pass_app
def queue_cmd(
    app: AppContext,
    by: str,
    campaign_ref: str | None,
    as_of: datetime | None,
    fail_on_below_minimum: bool,
    fmt: str,
) -> None:
    """Queue depth per rep, stage or campaign: stages, age bands, cooldown, oldest untouched.

    By rep, each setter's and closer's stage 2 (attempted) is checked against the minimum in
    the rules (metrics.stage2_minimum_setter / _closer); with --fail-on-below-minimum the
    command exits 4 when any rep is below it, so cron can alert.

    \b
    Example:
      leadctl metrics queue
      leadctl metrics queue --by stage --as-of 2026-11-02T09:00
      leadctl metrics queue --fail-on-below-minimum --format json
    """
    from leadctl.output import message, render
    from leadctl.services.metrics.common import Scope
    from leadctl.services.metrics.queue import columns, queue_depth

    result = queue_depth(
        app.engine(), Scope(campaign=campaign_ref), app.rules.metrics, app.rules.cooldown, by, as_of
    )
    render(
        result.rows,
        fmt,
        columns(by, app.rules.metrics.queue_age_bands_days),
        empty="No open clients.",
        display={"below_minimum": flag("BELOW")},
    )
    if result.below_minimum:
        names = ", ".join(
            f"{r['rep']} ({r['attempted']}/{r['stage2_minimum']})" for r in result.below_minimum
        )
        message(f"{len(result.below_minimum)} rep(s) below the stage-2 minimum: {names}")
        if fail_on_below_minimum:
            raise SystemExit(BELOW_MINIMUM_EXIT)
