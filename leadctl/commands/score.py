"""leadctl score: static score and dynamic priority of clients, with the components."""

from __future__ import annotations

from datetime import datetime

import click

from leadctl.cli import AppContext, pass_app
from leadctl.commands._options import RepRef, When
from leadctl.output import fixed, format_option


@click.command()
@click.option(
    "--client",
    "clients",
    multiple=True,
    type=click.IntRange(min=1),
    metavar="ID",
    help="A client (repeatable).",
)
@click.option(
    "--rep", "rep_ref", type=RepRef(), metavar="REP", help="Every client actively assigned to this rep."
)
@click.option(
    "--explain", is_flag=True, help="Add why: each condition that held and each component's reason."
)
@click.option("--at", "at", type=When(), metavar="TIME", help="Evaluate as of another moment (default: now).")
@click.option("--limit", type=click.IntRange(min=0), default=0, help="Only the N best; 0 = all.")
@click.option(
    "--refresh",
    is_flag=True,
    help="Store every client's static score for the queue under these rules (after a rules change).",
)
@format_option
@pass_app
def score(
    app: AppContext,
    clients: tuple[int, ...],
    rep_ref: str | None,
    explain: bool,
    at: datetime | None,
    limit: int,
    refresh: bool,
    fmt: str,
) -> None:
    """Score and prioritise clients (fit, behaviour, recency, intent).

    total = static + the dynamic components; static = fit + behaviour, the points of the
    rules file's scoring conditions that hold (see 'leadctl rules show scoring'). The
    dynamic components: recency of engagement, age decay (negative) and real-time intent.
    Best first.

    \b
    Example:
      leadctl score --rep ana@example.com --limit 20
      leadctl score --client 42 --client 43 --explain
      leadctl score --client 42 --at 2026-03-20T09:00 --format json
      leadctl score --refresh
    """
    from leadctl.output import render
    from leadctl.services.work import scoring

    if refresh:
        from leadctl.output import message
        from leadctl.services.work import score_store
        from leadctl.words import plural

        n = score_store.refresh_all(app.engine(), app.rules)
        message(f"Stored the static score of {plural(n, 'client')}.")
        return
    if not clients and rep_ref is None:
        raise click.UsageError("give --client ID (repeatable) or --rep REP")
    result = scoring.score(
        app.engine(), app.rules, clients=clients, rep=rep_ref, at=at, explain=explain, limit=limit
    )
    columns = ["client_id", "name", "rep", "stage", "total", "static", *result.components]
    if explain:
        columns.append("why")
    shown = {c: fixed(1) for c in ["total", "static", *result.components]}
    render(result.rows, fmt, columns, empty="No clients to score.", display=shown)
