"""leadctl assign | topup | reassign"""

from __future__ import annotations

import click

from leadctl.cli import AppContext, pass_app
from leadctl.commands._options import InputFile, open_input
from leadctl.output import format_option, heading, message, render, render_record, warn


@click.command("assign")
@click.option(
    "--campaign", "campaign_ref", metavar="C", help="Only this campaign (default: every active one)."
)
@click.option("-n", "--dry-run", is_flag=True, help="Show what would be assigned; write nothing.")
@click.option("--explain", is_flag=True, help="Also show why each client went where, or was not assigned.")
@click.option("--rep", "rep_ref", metavar="REP", help="With --explain: only this rep.")
@click.option(
    "--client",
    "client_ids",
    type=int,
    multiple=True,
    metavar="ID",
    help="With --explain: only these clients.",
)
@click.option("--seed", type=int, help="Seed of the shuffle: same data + rules + seed = same result.")
@format_option
@pass_app
def assign(
    app: AppContext,
    campaign_ref: str | None,
    dry_run: bool,
    explain: bool,
    rep_ref: str | None,
    client_ids: tuple[int, ...],
    seed: int | None,
    fmt: str,
) -> None:
    """Assign unassigned clients to stack-ranked reps (safe from cron).

    Keeps the shared pool, ranks approved active reps by the nine factors of
    rules.assignment.weights and gives more to higher-ranked reps within capacity.
    Clients in cooldown, disqualified or do-not-contact are never handed out.

    \b
    Example:
      leadctl assign --campaign "Outbound Q1" --dry-run --explain
      leadctl assign --explain --rep ana@example.com --format json
      * * * * * leadctl assign >> ~/leadctl-assign.log 2>&1     # crontab
    """
    from leadctl.services.admin.common import actor
    from leadctl.services.assign import campaign_run

    results = campaign_run.run(
        app.engine(),
        app.rules,
        campaign_ref,
        dry_run=dry_run,
        seed=seed,
        actor=actor(),
        explain_rep=rep_ref,
        explain_clients=client_ids,
        explain=explain,
    )
    if fmt != "table":
        dicts = [r.as_dict(clients=explain) for r in results]
        if fmt == "json":
            render_record({"campaigns": dicts}, fmt)
        else:
            render(dicts, fmt)
        return
    for r in results:
        if r.error:
            warn(f"{r.campaign}: not assigned: {r.error}")
            continue
        verb = "would assign" if r.dry_run else "assigned"
        message(
            f"{r.campaign}: {verb} {r.assigned} of {r.candidates} unassigned clients (seed {r.seed}"
            + (f", run {r.run_id})" if r.run_id else ")")
        )
        for why, n in sorted(r.not_assigned.items()):
            message(f"  not assigned: {n} {why}")
        heading(f"Reps of {r.campaign} (best first)")
        render(
            r.reps,
            fmt,
            ["rank", "rep", "score", "received", "headroom", "open", "recency", "hold_rate"],
            empty="No eligible rep.",
        )
        if r.skipped_reps:
            heading("Reps skipped")
            render(r.skipped_reps, fmt, ["rep", "reason"])
        if explain:
            heading("Clients")
            render(r.clients, fmt, ["client_id", "rep", "why"], empty="No clients to explain.")


def _read_ids(path: str | None) -> list[int]:
    if path is None:
        return []
    from leadctl.errors import InputError

    name, stream = open_input(path)
    ids = []
    try:
        for n, line in enumerate(stream, 1):
            text = line.strip().split(",")[0].strip()
            if not text or text.lower() in ("id", "client_id"):
                continue
            if not text.isdigit():
                raise InputError(f"{name} line {n}: client id: expected a number, got {text!r}")
            ids.append(int(text))
    finally:
        if name != "stdin":
            stream.close()
    return ids


@click.command("reassign")
@click.option("--to", "to_ref", required=True, metavar="REP", help="The rep who gets the clients.")
@click.option("--from", "from_ref", metavar="REP", help="Move this rep's clients (all, or only those given).")
@click.option(
    "--client", "client_ids", type=int, multiple=True, metavar="ID", help="A client id (repeatable)."
)
@click.option(
    "--ids-from",
    "ids_file",
    metavar="FILE",
    type=InputFile(),
    help="Client ids, one a line (or '-' for stdin).",
)
@click.option("--reason", help="Why (kept on the assignment).")
@click.option("-n", "--dry-run", is_flag=True, help="Show what would move; write nothing.")
@format_option
@pass_app
def reassign(
    app: AppContext,
    to_ref: str,
    from_ref: str | None,
    client_ids: tuple[int, ...],
    ids_file: str | None,
    reason: str | None,
    dry_run: bool,
    fmt: str,
) -> None:
    """Move clients to another rep by hand (recorded as manual).

    \b
    Example:
      leadctl reassign --to ben@example.com --client 12 --client 13 --reason "speaks German"
      leadctl reassign --to ben@example.com --from ana@example.com --dry-run
      cut -d, -f1 ids.csv | leadctl reassign --to ben@example.com --ids-from -
    """
    from leadctl.services.admin.common import actor
    from leadctl.services.assign import manual

    out = manual.reassign(
        app.engine(),
        to_ref,
        from_ref=from_ref,
        client_ids=[*client_ids, *_read_ids(ids_file)],
        reason=reason,
        dry_run=dry_run,
        actor=actor(),
    )
    verb = "would move" if dry_run else "moved"
    message(f"{verb} {len(out['moved'])} client(s) to {out['to']}")
    if fmt == "table":
        render(out["moved"], fmt, ["client_id", "from_rep"], empty="Nothing to move.")
    else:
        render_record(out, fmt)


@click.command("topup")
@click.option("--rep", "rep_ref", required=True, metavar="REP", help="The rep asking for more clients.")
@click.option("--campaign", "campaign_ref", metavar="C", help="The campaign (needed if the rep has several).")
@click.option(
    "--target", type=click.IntRange(min=1), help="Untouched clients to reach (default: rules topup.target)."
)
@click.option("-n", "--dry-run", is_flag=True, help="Show what would move; write nothing.")
@format_option
@pass_app
def topup(
    app: AppContext, rep_ref: str, campaign_ref: str | None, target: int | None, dry_run: bool, fmt: str
) -> None:
    """Top a rep up with clients from reps inactive on the campaign.

    Takes from reps inactive for topup.inactive_business_days, weakest first, a
    share of their movable clients (never booked appointments; nurture only
    after nurture.reserve_days), until the rep holds --target untouched clients.

    \b
    Example:
      leadctl topup --rep ana@example.com --campaign "Outbound Q1" --dry-run
      leadctl topup --rep ana@example.com --target 150 --format json
    """
    from leadctl.services.admin.common import actor
    from leadctl.services.assign import topup as service

    out = service.topup(
        app.engine(), app.rules, rep_ref, campaign_ref, target=target, dry_run=dry_run, actor=actor()
    )
    if fmt != "table":
        render_record(out, fmt)
        return
    verb = "would move" if dry_run else "moved"
    message(f"{out['rep']} on {out['campaign']}: {verb} {len(out['moved'])}; {out['reason']}")
    render(
        out["donors"],
        fmt,
        ["rank", "rep", "last_active", "holds", "movable", "reserved_nurture", "taken"],
        empty="No donor.",
    )
