"""leadctl metrics …"""

from __future__ import annotations

from datetime import datetime

import click

from leadctl.cli import AppContext, pass_app
from leadctl.commands._options import When, metric_options
from leadctl.output import fixed, flag, format_option, percent, plural

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

# ------------------------------------------------------------------ speed and sla (issue 11)

SLA_BREACH_EXIT = 3
MINUTES = fixed(1)


@metrics.command("speed")
@metric_options(
    ("rep", "source", "bucket", "campaign", "day", "week"),
    default_by="campaign",
    period="Only clients captured",
)
@format_option
@pass_app
def speed_cmd(
    app: AppContext,
    by: str,
    since: datetime | None,
    until: datetime | None,
    campaign_ref: str | None,
    fmt: str,
) -> None:
    """Speed-to-lead and rep response: percentiles and bands, clock and business time.

    Per group, three measures: to_attempt (capture -> first call), to_conversation (capture
    -> first conversation) and rep_response (first assignment -> first call). p50/p90/p95
    are minutes of clock time (_min) and of business time (_bmin, opening hours only);
    shares are of every client of the group, not-yet-reached ones included (share_open),
    and open_past_sla counts those whose first-contact SLA has run out.

    \b
    Example:
      leadctl metrics speed --by rep --since 30d
      leadctl metrics speed --by week --format csv
    """
    from leadctl.output import render
    from leadctl.services.metrics.speed import COLUMNS, speed_rows

    rows = speed_rows(app.engine(), by=by, since=since, until=until, campaign=campaign_ref, rules=app.rules)
    shares = {c: percent for c in COLUMNS if c.startswith("share_")}
    render(rows, fmt, [by, *COLUMNS], empty="No clients in that period.", display=shares)


@metrics.command("sla")
@metric_options(
    ("rep", "source", "bucket", "campaign", "day", "week", "hour", "weekday"),
    default_by="rep",
    period="Only clients captured",
)
@click.option(
    "--fail-on-breach",
    is_flag=True,
    help=f"Exit {SLA_BREACH_EXIT} when any first-contact SLA in the period was breached (for cron).",
)
@format_option
@pass_app
def sla_cmd(
    app: AppContext,
    by: str,
    since: datetime | None,
    until: datetime | None,
    campaign_ref: str | None,
    fail_on_breach: bool,
    fmt: str,
) -> None:
    """First-contact SLA compliance: met / (met + breached), running SLAs left out.

    A client's first-contact SLA is met when its first call came within sla.first_contact
    (business minutes from capture), breached when later or still missing past it. Group by
    rep, source, bucket, campaign, day, week, or the hour of day / weekday of capture (in
    the business hours' zone).

    \b
    Example:
      leadctl metrics sla --by hour --since 30d
      leadctl metrics sla --since 1d --fail-on-breach --format json
    """
    from leadctl.output import message, render
    from leadctl.services.metrics.sla import COLUMNS, sla_rows

    rows = sla_rows(app.engine(), by=by, since=since, until=until, campaign=campaign_ref, rules=app.rules)
    render(rows, fmt, [by, *COLUMNS], empty="No clients in that period.", display={"compliance": percent})
    breached = sum(r["breached"] for r in rows)
    if breached:
        message(f"{plural(breached, 'first-contact SLA')} breached")
        if fail_on_breach:
            raise SystemExit(SLA_BREACH_EXIT)


@metrics.command("compliance")
@click.option(
    "--since",
    type=When(),
    default="30d",
    show_default=True,
    metavar="WHEN",
    help="Events since (date, 30d, yesterday).",
)
@click.option(
    "--by",
    type=click.Choice(("reason", "rep", "day")),
    default="reason",
    show_default=True,
    help="Count per reason, per rep and reason, or per day and reason.",
)
@format_option
@pass_app
def compliance_cmd(app: AppContext, since: datetime, by: str, fmt: str) -> None:
    """Calling compliance: attempts refused and logged calls that broke a rule.

    blocked counts attempts `leadctl next` refused (calling_window, call_cap, do_not_contact,
    cooldown); violations counts calls logged or imported that broke one (calling_window,
    call_cap, do_not_contact).

    \b
    Example:
      leadctl metrics compliance --since 7d --by rep
    """
    from leadctl.output import render
    from leadctl.services.metrics.compliance import columns, compliance

    rows = compliance(app.engine(), since=since, by=by)
    render(rows, fmt, columns(by), empty="No blocked attempts or violations in the period.")


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
    the rules (stages.attempted_minimum); with --fail-on-below-minimum the
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
        app.engine(),
        Scope(campaign=campaign_ref),
        app.rules.metrics,
        app.rules.cooldown,
        app.rules.stages.attempted_minimum,
        by,
        as_of,
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
        message(f"{plural(len(result.below_minimum), 'rep')} below the stage-2 minimum: {names}")
        if fail_on_below_minimum:
            raise SystemExit(BELOW_MINIMUM_EXIT)
