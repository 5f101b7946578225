"""leadctl sla …"""

from __future__ import annotations

import click

from leadctl.cli import AppContext, pass_app
from leadctl.commands._options import CampaignRef, RepRef
from leadctl.output import format_option
from leadctl.vocab import SlaStatus

BREACH_EXIT = 3  # --fail-on-breach: an SLA is breached (for cron alerts)
COLUMNS = [
    "client_id",
    "campaign",
    "rep",
    "sla",
    "calls",
    "started",
    "deadline",
    "elapsed_h",
    "allowed_h",
    "share",
    "status",
    "escalated",
]


@click.group()
def sla() -> None:
    """Service levels: first contact and follow-up deadlines in business time, escalation.

    \b
    Example:
      leadctl sla check --escalate --fail-on-breach
      leadctl sla explain 42
    """


@sla.command("check")
@click.option(
    "--escalate", is_flag=True, help="Fire the configured escalation levels (each once per deadline)."
)
@click.option(
    "--fail-on-breach", is_flag=True, help=f"Exit {BREACH_EXIT} when any SLA is breached (for cron alerts)."
)
@click.option("--campaign", "campaign_ref", type=CampaignRef(), metavar="C", help="Only this campaign.")
@click.option("--rep", "rep_ref", type=RepRef(), metavar="R", help="Only clients of this rep.")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=None,
    help="At most N clients, most overdue first; 0 = all (default: 50 in a table, all in json, jsonl and csv).",
)
@format_option
@pass_app
def check_cmd(
    app: AppContext,
    escalate: bool,
    fail_on_breach: bool,
    campaign_ref: str | None,
    rep_ref: str | None,
    limit: int | None,
    fmt: str,
) -> None:
    """List clients that breached an SLA or are about to, most overdue first.

    First contact: capture -> first call within sla.first_contact.minutes business minutes;
    follow-up: the next touch within the cadence's business days. With --escalate each level
    of sla.levels crossed fires exactly once per deadline (safe from cron and concurrent
    runs): raise_priority / notify write an escalated event, reassign moves the client to
    the least-loaded eligible rep. With --fail-on-breach the command exits 3 on any breach.
    A table lists the 50 most overdue (--limit); json, jsonl and csv list every client. The
    counts by SLA (breached, about to breach) always go to stderr, over every client.

    \b
    Example:
      leadctl sla check
      leadctl sla check --campaign "Outbound Q1" --format json
      */5 * * * * leadctl sla check --escalate --fail-on-breach --format jsonl
    """
    from leadctl.output import message, page_size, percent, render
    from leadctl.services.admin.common import actor
    from leadctl.services.work import sla as service
    from leadctl.words import plural

    with service.checking(
        app.engine(),
        app.rules,
        escalate=escalate,
        campaign=campaign_ref,
        rep=rep_ref,
        actor=actor(),
        limit=page_size(limit, fmt),
    ) as run:
        render(run.rows, fmt, COLUMNS, empty="No SLA breached or about to be.", display={"share": percent})
    if run.more:
        message(
            f"{plural(run.more, 'more client')} not shown (most overdue first): use --limit 0 or --format jsonl"
        )
    breached, at_risk = run.total(SlaStatus.BREACHED), run.total(SlaStatus.AT_RISK)
    text = f"{breached:,} breached, {at_risk:,} about to breach"
    kinds = sorted({k for k, _s in run.counts})
    if kinds:
        text += (
            " ("
            + "; ".join(
                f"{k}: {run.counts[k, SlaStatus.BREACHED.value]:,} breached, {run.counts[k, SlaStatus.AT_RISK.value]:,} about to"
                for k in kinds
            )
            + ")"
        )
    if escalate:
        text += f"; {plural(run.fired, 'escalation')} fired, {plural(run.reassigned, 'client')} reassigned"
    message(text)
    if fail_on_breach and breached:
        raise SystemExit(BREACH_EXIT)


@sla.command("explain")
@click.argument("client_id", type=click.IntRange(min=1), metavar="CLIENT")
@format_option
@pass_app
def explain_cmd(app: AppContext, client_id: int, fmt: str) -> None:
    """Show how a client's SLA deadline was computed (hours skipped and why).

    The SLA in effect, when it started, the business hours it allows, and the clock hours
    skipped for nights, weekends, holidays and the rep's time away.

    \b
    Example:
      leadctl sla explain 42
    """
    from leadctl.output import Section, percent, render_sections
    from leadctl.services.work import sla_explain as service

    record = service.explain(app.engine(), app.rules, client_id)
    render_sections(
        record,
        fmt,
        [Section("escalations", "Escalations fired", skip_empty=True)],
        display={"share": percent},
    )
