"""leadctl metrics …"""

from __future__ import annotations

from datetime import datetime

import click

from leadctl.cli import AppContext, pass_app
from leadctl.commands._options import When, metric_options
from leadctl.output import fixed, flag, format_option, percent

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
@click.option(
    "--by",
    type=click.Choice(("day", "bucket", "campaign", "source")),
    default="day",
    show_default=True,
    help="Group leads by arrival day, bucket, campaign or source.",
)
@click.option(
    "--since",
    type=When(),
    metavar="WHEN",
    help="Only leads that arrived since this date (e.g. 2026-11-01, 30d, yesterday).",
)
@click.option(
    "--until", type=When(end_of_day=True), metavar="WHEN", help="Only leads that arrived until this date."
)
@click.option(
    "--fail-on-spike", is_flag=True, help=f"Exit {SPIKE_EXIT} when a spike is found (for cron alerts)."
)
@format_option
@pass_app
def duplicates_cmd(
    app: AppContext, by: str, since: datetime | None, until: datetime | None, fail_on_spike: bool, fmt: str
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

    rows = duplicate_rates(app.engine(), by, since=since, until=until, rule=app.rules.monitoring)
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
@click.option(
    "--since",
    type=When(),
    default="30d",
    show_default=True,
    metavar="WHEN",
    help="Assignments made since (date, 30d, yesterday).",
)
@click.option("--campaign", "campaign_ref", metavar="C", help="Only this campaign.")
@format_option
@pass_app
def assignment_cmd(app: AppContext, since: datetime, campaign_ref: str | None, fmt: str) -> None:
    """Clients received per rep vs their rank and score (a fairness ledger).

    \b
    Example:
      leadctl metrics assignment --since 7d --campaign "Outbound Q1"
    """
    from leadctl.output import render
    from leadctl.services.assign.fairness import assignment_metrics

    rows = assignment_metrics(app.engine(), since, campaign_ref)
    render(
        rows,
        fmt,
        ["campaign", "rep", "received", "share", "avg_rank", "avg_score", "runs", "by_rule"],
        empty="No assignments in the period.",
        display={"share": percent},
    )


# ------------------------------------------------------------------ speed and sla (issue 11)

SLA_BREACH_EXIT = 3
MINUTES = fixed(1)


@metrics.command("speed")
@metric_options(("rep", "source", "bucket", "campaign", "day", "week"), "campaign")
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
@metric_options(("rep", "source", "bucket", "campaign", "day", "week", "hour", "weekday"), "rep")
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
        message(f"{breached} first-contact SLA(s) breached")
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
