"""leadctl dedupe …"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from leadctl.cli import AppContext, pass_app
from leadctl.output import format_option


@click.group(invoke_without_command=True)
@click.option("--campaign", help="Only clients of this campaign (name or id).")
@click.option("--bucket", help="Only clients created from this bucket's leads (name or id).")
@click.option("--threshold", type=float, help="Score threshold for this scan (default: the rules').")
@click.option(
    "--explain", is_flag=True, help="Show every link: the pair, its score, the rule and field similarities."
)
@click.option("--apply", "apply_", is_flag=True, help="Merge each cluster into its survivor (reversible).")
@click.option("-n", "--dry-run", is_flag=True, help="Report only (the default without --apply).")
@format_option
@click.pass_context
def dedupe(
    ctx: click.Context,
    campaign: str | None,
    bucket: str | None,
    threshold: float | None,
    explain: bool,
    apply_: bool,
    dry_run: bool,
    fmt: str,
) -> None:
    """Find duplicate clusters among clients; merge them reversibly with --apply.

    Scans the existing clients with the central duplicate rules (blocking keys, then a
    scored comparison) and reports each cluster: its members (survivor first), the weakest
    link's score and the rules that fired. With --apply each cluster is merged into its
    survivor: the most complete client (then the earliest); empty fields are filled from
    the others; merged clients and re-pointed leads are kept and 'leadctl dedupe undo
    MERGE_ID' puts everything back.

    \b
    Example:
      leadctl dedupe --campaign "Outbound Q1" --explain
      leadctl dedupe --threshold 0.75 --apply
      leadctl dedupe undo 3
    """
    if ctx.invoked_subcommand is not None:
        return
    app = ctx.find_object(AppContext)
    assert app is not None
    from leadctl.output import heading, message, render, warn
    from leadctl.services.admin.lookup import find_bucket, find_campaign
    from leadctl.services.dedupe import scan as svc

    engine = app.engine()
    with engine.connect() as conn:
        campaign_id = int(find_campaign(conn, campaign)["id"]) if campaign else None
        bucket_id = int(find_bucket(conn, bucket)["id"]) if bucket else None
    result = svc.scan(
        engine,
        app.rules,
        campaign_id=campaign_id,
        bucket_id=bucket_id,
        threshold=threshold,
        apply=apply_ and not dry_run,
        on_warning=warn,
    )
    clusters = [_cluster(n, c, result.clients, explain) for n, c in enumerate(result.clusters, start=1)]
    if fmt == "table":
        rows = [
            {
                "cluster": c["cluster"],
                "client_id": m["client_id"],
                "survivor": "yes" if m["survivor"] else "",
                "name": f"{m['first_name'] or ''} {m['last_name'] or ''}".strip(),
                "email": m["email"],
                "company": m["company"],
                "score": c["score"] if m["survivor"] else "",
                "rules": ", ".join(c["rules"]) if m["survivor"] else "",
            }
            for c in clusters
            for m in c["members"]
        ]
        render(
            rows,
            fmt,
            ["cluster", "client_id", "survivor", "name", "email", "company", "score", "rules"],
            empty="No duplicate clusters found.",
        )
        if explain and clusters:
            heading("Links")
            render(
                [{"cluster": c["cluster"], **link} for c in clusters for link in c["links"]],
                fmt,
                ["cluster", "a", "b", "score", "rule", "fields"],
            )
    else:
        render(clusters, fmt)
    st = result.stats
    message(
        f"Scanned {st.records:,} clients, {st.comparisons:,} comparisons: {len(clusters)} cluster(s), "
        f"{sum(len(c['members']) - 1 for c in clusters)} duplicate client(s)."
    )
    if result.merges:
        message(
            f"Merged {len(result.merges)} cluster(s): merge ids {result.merges[0]['merge_id']}–"
            f"{result.merges[-1]['merge_id']} ('leadctl dedupe undo MERGE_ID' reverses one)."
        )
    elif clusters and not apply_:
        message("Nothing changed: add --apply to merge these clusters.")


def _cluster(n: int, c: Any, clients: dict[int, dict[str, Any]], explain: bool) -> dict[str, Any]:
    fields = ("first_name", "last_name", "email", "company", "business_phone", "mobile_phone")
    out: dict[str, Any] = {
        "cluster": n,
        "score": round(c.score, 3),
        "rules": c.rules,
        "members": [
            {"client_id": cid, "survivor": i == 0, **{f: clients[cid].get(f) for f in fields}}
            for i, cid in enumerate(c.members)
        ],
    }
    links = [
        {
            "a": link.a,
            "b": link.b,
            "score": round(link.comparison.score, 3),
            "rule": link.comparison.rule,
            "matched": link.comparison.matched_fields,
            "fields": {k: round(v, 2) for k, v in link.comparison.fields.items() if v is not None},
        }
        for link in c.links
    ]
    out["matched_fields"] = sorted({f for link in links for f in link["matched"]})
    if explain:
        out["links"] = links
    return out


@dedupe.command("undo")
@click.argument("merge_id", type=int)
@format_option
@pass_app
def undo_cmd(app: AppContext, merge_id: int, fmt: str) -> None:
    """Reverse a merge: restore the survivor's fields, the merged clients and their leads.

    \b
    Example:
      leadctl dedupe undo 3
    """
    from leadctl.output import render_record
    from leadctl.services.dedupe import merges as svc

    render_record(svc.undo(app.engine(), app.rules, merge_id), fmt)


@dedupe.command("history")
@format_option
@pass_app
def history_cmd(app: AppContext, fmt: str) -> None:
    """List merges made by 'dedupe --apply' (and whether they were undone).

    \b
    Example:
      leadctl dedupe history --format json
    """
    from leadctl.output import render
    from leadctl.services.dedupe import merges as svc

    render(svc.history(app.engine()), fmt, empty="No merges yet.")


@dedupe.command("evaluate")
@click.argument("truth", type=click.Path(dir_okay=False, path_type=Path))
@format_option
@pass_app
def evaluate_cmd(app: AppContext, truth: Path, fmt: str) -> None:
    """Score the duplicate rules against a labelled file (external_id, entity_id).

    Pairwise precision, recall and F1 of the stored outcome (leads grouped by client), then
    of the rules across a threshold sweep, so you can tune duplicates.threshold on your
    own labelled sample.

    \b
    Example:
      leadctl dedupe evaluate labelled-sample.csv
    """
    from leadctl.output import heading, message, render, render_record
    from leadctl.services.dedupe import truth as svc

    report = svc.evaluate(app.engine(), app.rules, truth)
    if fmt != "table":
        render_record(report, fmt)
        return
    message(
        f"{report['leads_found']:,} of {report['labelled_rows']:,} labelled rows found as leads; "
        f"{report['leads_with_client']:,} have a client."
    )
    cur = report["stored_outcome"]
    heading(f"Stored outcome (threshold {report['threshold']})")
    render([{k: _fmt(v) for k, v in cur.items()}], fmt, ["precision", "recall", "f1", "tp", "fp", "fn"])
    heading("Threshold sweep")
    render(
        [{k: _fmt(v) for k, v in r.items()} for r in report["sweep"]],
        fmt,
        ["threshold", "precision", "recall", "f1", "tp", "fp", "fn"],
    )


def _fmt(v: Any) -> Any:
    return f"{v:.4f}" if isinstance(v, float) else v
