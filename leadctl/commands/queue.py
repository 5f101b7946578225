"""leadctl queue, leadctl next, leadctl timezones: the rep's next-best-lead queue and the dialer's claim."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import click

from leadctl.cli import AppContext, pass_app
from leadctl.commands._options import RepRef, When
from leadctl.output import format_option


@click.command("queue")
@click.option(
    "--rep", "rep_ref", required=True, type=RepRef(), metavar="REP", help="The rep (e-mail, name or id)."
)
@click.option(
    "--limit", type=click.IntRange(min=0), default=50, show_default=True, help="At most N clients; 0 = all."
)
@click.option("--campaign", metavar="CAMPAIGN", help="Only this campaign (name or id).")
@click.option(
    "--at",
    "at",
    type=When(),
    metavar="TIME",
    help="Evaluate the queue as of this moment (audits, tests, 'tomorrow morning').",
)
@click.option(
    "--include-blocked", is_flag=True, help="Also list clients not callable now, with why and when."
)
@format_option
@pass_app
def queue_cmd(
    app: AppContext,
    rep_ref: str,
    limit: int,
    campaign: str | None,
    at: datetime | None,
    include_blocked: bool,
    fmt: str,
) -> None:
    """The rep's ordered queue: what to do next, and why each client is where it is.

    Tiers in the daily order of work: unconfirmed appointments due in 2-3 h (call), due
    within 24 h (e-mail), due this week but booked over a week ago; engaged clients with a
    callback due; other engaged; attempted; untouched already researched; untouched new.
    Within a tier, by priority. Clients in cooldown, over a call cap, outside calling hours
    in their own time zone, or waiting for a retry are left out (the summary on stderr says
    how many and when the next becomes callable; --include-blocked lists them).

    \b
    Example:
      leadctl queue --rep ana@example.com --limit 20
      leadctl queue --rep ana@example.com --at 2026-03-09T13:00 --format json
    """
    from leadctl.output import heading, message, render
    from leadctl.services.work import queue as service

    result = service.queue(app.engine(), app.rules, rep_ref, limit=limit, campaign=campaign, at=at)
    columns = service.TABLE_COLUMNS if fmt == "table" else service.ROW_FIELDS
    if include_blocked and fmt != "table":
        rows = result.rows + [{**b, "position": None, "action": None} for b in result.blocked]
        render(rows, fmt, [*service.ROW_FIELDS, "blocked", "callable_at"])
    else:
        render(result.rows, fmt, columns, empty="Nothing to do now.")
        if include_blocked and result.blocked:
            heading("Not now")
            render(sorted(result.blocked, key=_callable_key), fmt, service.BLOCKED_FIELDS)
    message(result.summary())


def _callable_key(row: Mapping[str, Any]) -> str:
    at = row.get("callable_at")
    return at.isoformat() if isinstance(at, datetime) else "~"


@click.command("next")
@click.option(
    "--rep", "rep_ref", required=True, type=RepRef(), metavar="REP", help="The rep (e-mail, name or id)."
)
@click.option("--campaign", metavar="CAMPAIGN", help="Only this campaign (name or id).")
@click.option(
    "--client",
    "client_id",
    type=click.IntRange(min=1),
    metavar="ID",
    help="Claim this client (a callback the rep picked) instead of the queue's best.",
)
@format_option
@pass_app
def next_cmd(app: AppContext, rep_ref: str, campaign: str | None, client_id: int | None, fmt: str) -> None:
    """Claim the rep's next callable client for the dialer (a short lease).

    Exactly one client, leased for queue.lease_seconds so no other session or rep gets it
    meanwhile (an expired lease is taken over: a crashed dialer strands nothing). Calling
    hours, cooldown, call caps and do-not-contact are checked again when claiming; a refused
    client is recorded (call_blocked) with the reason. --format json gives the dialer E.164
    phones, local time and zone, the tier and why, and the custom fields. Exit 1 when there
    is nothing to call now (or the named client may not be called, with why and until when).

    \b
    Example:
      leadctl next --rep ana@example.com --format json
      leadctl next --rep ana@example.com --client 42
    """
    from leadctl.errors import InputError
    from leadctl.output import render_record, warn
    from leadctl.services.work import dialer, queue

    claim = dialer.claim_next(app.engine(), app.rules, rep_ref, campaign=campaign, client_id=client_id)
    for r in claim.refused:
        until = r["until"].isoformat() if r["until"] else "not in the next days"
        warn(f"client {r['client_id']} refused: {r['reason']} ({r['why']}); callable {until}")
    if claim.record is None:
        raise InputError(claim.message or "nothing to call now")
    render_record(claim.record, fmt, fields=queue.DIALER_TABLE_FIELDS)


@click.command("timezones")
@click.option("--refresh", is_flag=True, required=True, help="Re-derive every client's time zone.")
@click.option("-n", "--dry-run", is_flag=True, help="Count what would change; change nothing.")
@format_option
@pass_app
def timezones_cmd(app: AppContext, refresh: bool, dry_run: bool, fmt: str) -> None:
    """Re-derive clients' time zones: explicit field > postal code > state > phone > default.

    New clients get theirs at processing; run this after upgrading (existing zones came from
    the phone alone) or after correcting states and postal codes.

    \b
    Example:
      leadctl timezones --refresh --dry-run
    """
    from leadctl.output import render_record
    from leadctl.services.work.timezones import refresh as run

    render_record(run(app.engine(), dry_run=dry_run), fmt)
