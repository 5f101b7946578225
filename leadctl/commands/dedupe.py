"""leadctl dedupe …"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from leadctl.cli import AppContext, pass_app
from leadctl.commands._options import BucketRef, CampaignRef, Fraction
from leadctl.output import Section, fixed, format_option

SCAN_COLUMNS = ["cluster", "client_id", "survivor", "name", "email", "company", "score", "rules"]
LINKS_SECTION = (
    Section("links", "Links", ["cluster", "a", "b", "score", "rule", "fields"], skip_empty=True),
)
_SCORES = {k: fixed(4) for k in ("threshold", "precision", "recall", "f1")}
EVALUATE_SECTIONS = (
    Section(
        "stored_outcome",
        lambda r: f"Stored outcome (threshold {r['threshold']})",
        ["precision", "recall", "f1", "tp", "fp", "fn"],
        rows=lambda r: [r["stored_outcome"]],
        display=_SCORES,
    ),
    Section(
        "sweep",
        "Threshold sweep",
        ["threshold", "precision", "recall", "f1", "tp", "fp", "fn"],
        display=_SCORES,
    ),
)


@click.group()
def dedupe() -> None:
    """Find and merge duplicate clients (reversibly); evaluate the duplicate rules.

    'dedupe scan' reports duplicate clusters among clients; with --apply it merges them,
    and 'dedupe undo MERGE_ID' puts a merge back.

    \b
    Example:
      leadctl dedupe scan --campaign "Outbound Q1" --explain
      leadctl dedupe scan --threshold 0.75 --apply
      leadctl dedupe undo 3
    """


@dedupe.command("scan")
@click.option(
    "--campaign", type=CampaignRef(), metavar="CAMPAIGN", help="Only clients of this campaign (name or id)."
)
@click.option(
    "--bucket",
    type=BucketRef(),
    metavar="BUCKET",
    help="Only clients created from this bucket's leads (name or id).",
)
@click.option(
    "--threshold",
    type=Fraction(),
    help="Score threshold for this scan, 0 to 1 (default: the rules').",
)
@click.option(
    "--explain", is_flag=True, help="Show every link: the pair, its score, the rule and field similarities."
)
@click.option("--apply", "apply_", is_flag=True, help="Merge each cluster into its survivor (reversible).")
@click.option("-n", "--dry-run", is_flag=True, help="Report only (the default without --apply).")
@format_option
@pass_app
def scan_cmd(
    app: AppContext,
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
      leadctl dedupe scan --campaign "Outbound Q1" --explain
      leadctl dedupe scan --threshold 0.75 --apply
    """
    from leadctl.output import flag, message, render, render_sections
    from leadctl.services.admin.lookup import scope_ids
    from leadctl.services.dedupe import scan as svc

    engine = app.engine()
    bucket_id, campaign_id = scope_ids(engine, bucket, campaign)
    result = svc.scan(
        engine,
        app.rules,
        campaign_id=campaign_id,
        bucket_id=bucket_id,
        threshold=threshold,
        apply=apply_ and not dry_run,
        on_warning=app.report("clients").warn,
    )
    clusters = [_cluster(n, c, result.clients, explain) for n, c in enumerate(result.clusters, start=1)]
    if fmt == "table":
        rows = [
            {
                "cluster": c["cluster"],
                "client_id": m["client_id"],
                "survivor": m["survivor"],
                "name": f"{m['first_name'] or ''} {m['last_name'] or ''}".strip(),
                "email": m["email"],
                "company": m["company"],
                "score": c["score"] if m["survivor"] else None,
                "rules": c["rules"] if m["survivor"] else None,
            }
            for c in clusters
            for m in c["members"]
        ]
        links = [{"cluster": c["cluster"], **link} for c in clusters for link in c.get("links", [])]
        render(
            rows, fmt, SCAN_COLUMNS, empty="No duplicate clusters found.", display={"survivor": flag("yes")}
        )
        render_sections({"links": links}, fmt, LINKS_SECTION)
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
        message("Nothing changed: add --apply to merge these clusters ('leadctl dedupe scan --apply').")


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
    """List merges made by 'dedupe scan --apply' (and whether they were undone).

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
    from leadctl.output import message, render_sections
    from leadctl.services.dedupe import truth as svc

    report = svc.evaluate(app.engine(), app.rules, truth)
    if fmt == "table":
        message(
            f"{report['leads_found']:,} of {report['labelled_rows']:,} labelled rows found as leads; "
            f"{report['leads_with_client']:,} have a client."
        )
    render_sections(report, fmt, EVALUATE_SECTIONS, fields=())
