"""leadctl metrics …"""

from __future__ import annotations

import click

from leadctl.cli import AppContext, pass_app
from leadctl.output import format_option

SPIKE_EXIT = 3


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
@click.option("--since", help="Only leads that arrived since this date (e.g. 2026-11-01, 30d, yesterday).")
@click.option("--until", help="Only leads that arrived until this date.")
@click.option(
    "--fail-on-spike", is_flag=True, help=f"Exit {SPIKE_EXIT} when a spike is found (for cron alerts)."
)
@format_option
@pass_app
def duplicates_cmd(
    app: AppContext, by: str, since: str | None, until: str | None, fail_on_spike: bool, fmt: str
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
    from leadctl.output import message, render
    from leadctl.services.metrics.duplicates import duplicate_rates
    from leadctl.timeutil import parse_user_datetime

    since_dt = parse_user_datetime(since, "--since") if since else None
    until_dt = parse_user_datetime(until, "--until", end_of_day=True) if until else None
    rows = duplicate_rates(app.engine(), by, since=since_dt, until=until_dt, rule=app.rules.monitoring)
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
    if fmt == "table":
        shown = [
            {
                **r,
                "duplicate_rate": _pct(r["duplicate_rate"]),
                "rejection_rate": _pct(r["rejection_rate"]),
                "baseline_rate": _pct(r["baseline_rate"]),
                "spike": "SPIKE" if r["spike"] else "",
            }
            for r in rows
        ]
        render(shown, fmt, columns, empty="No leads in that period.")
    else:
        render(rows, fmt, columns)
    spikes = [r for r in rows if r["spike"]]
    if spikes:
        worst = max(spikes, key=lambda r: r["duplicate_rate"])
        message(
            f"{len(spikes)} spike(s): worst {by} {worst[by]} at {_pct(worst['duplicate_rate'])} duplicates "
            f"vs baseline {_pct(worst['baseline_rate'])}"
        )
        if fail_on_spike:
            raise SystemExit(SPIKE_EXIT)


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


@metrics.command("assignment")
@click.option(
    "--since", default="30d", show_default=True, help="Assignments made since (date, 30d, yesterday)."
)
@click.option("--campaign", "campaign_ref", metavar="C", help="Only this campaign.")
@format_option
@pass_app
def assignment_cmd(app: AppContext, since: str, campaign_ref: str | None, fmt: str) -> None:
    """Clients received per rep vs their rank and score (a fairness ledger).

    \b
    Example:
      leadctl metrics assignment --since 7d --campaign "Outbound Q1"
    """
    from leadctl.output import render
    from leadctl.services.assign.fairness import assignment_metrics
    from leadctl.timeutil import parse_user_datetime

    rows = assignment_metrics(app.engine(), parse_user_datetime(since, "--since"), campaign_ref)
    render(
        rows,
        fmt,
        ["campaign", "rep", "received", "share", "avg_rank", "avg_score", "runs", "by_rule"],
        empty="No assignments in the period.",
    )
