"""leadctl dedupe …"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from leadctl.cli import AppContext, pass_app
from leadctl.commands._options import BucketRef, CampaignRef, Fraction, input_file_argument
from leadctl.output import Section, fixed, format_option
from leadctl.words import plural

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
        "Threshold sweep: what process would produce (f1_linked: all links closed transitively)",
        ["threshold", "precision", "recall", "f1", "tp", "fp", "fn", "f1_linked"],
        display={**_SCORES, "f1_linked": fixed(4)},
    ),
    Section(
        "misses",
        "True pairs process misses at the threshold, by the fields that disagree",
        ["pairs", "pattern"],
        skip_empty=True,
    ),
)


@click.group()
def dedupe() -> None:
    """Find and merge duplicate clients (reversibly); evaluate the duplicate rules.

    'dedupe scan' reports duplicate clusters among clients; with --apply it merges them,
    and 'dedupe undo MERGE_ID' puts a merge back. 'dedupe proposals' lists the merges
    process proposed (clients one new lead matches); 'dedupe apply|reject' decides them.

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
        report=app.report("clients"),
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
        f"Scanned {plural(st.records, 'client')}, {plural(st.comparisons, 'comparison')}: "
        f"{plural(len(clusters), 'cluster')}, "
        f"{plural(sum(len(c['members']) - 1 for c in clusters), 'duplicate client')}."
    )
    if result.merges:
        message(
            f"Merged {plural(len(result.merges), 'cluster')}: merge ids {result.merges[0]['merge_id']}–"
            f"{result.merges[-1]['merge_id']} ('leadctl dedupe undo MERGE_ID' reverses one)."
        )
    elif clusters and not apply_:
        message("Nothing changed: add --apply to merge these clusters ('leadctl dedupe scan --apply').")
    if result.proposals:
        message(
            f"{plural(result.proposals, 'merge proposal')} from process "
            f"{'awaits' if result.proposals == 1 else 'await'} a decision: clients one lead "
            "matches ('leadctl dedupe proposals', then 'dedupe apply ID' or 'dedupe reject ID')."
        )


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


PROPOSAL_COLUMNS = [
    "proposal_id",
    "status",
    "client_ids",
    "clients",
    "lead_id",
    "score",
    "created_at",
    "merge_id",
]


@dedupe.command("proposals")
@click.option("--all", "all_", is_flag=True, help="Also applied, rejected and superseded proposals.")
@format_option
@pass_app
def proposals_cmd(app: AppContext, all_: bool, fmt: str) -> None:
    """List merge proposals: clients that one processed lead matches, which process does not merge.

    A lead matching several clients joins the best one; the others may be the same person
    (or namesakes), so process proposes merging them instead of doing it. Decide with
    'dedupe apply ID' (a reversible merge, like 'dedupe scan --apply') or 'dedupe reject ID'.

    \b
    Example:
      leadctl dedupe proposals
      leadctl dedupe proposals --all --format json
    """
    from leadctl.output import fixed, render
    from leadctl.services.dedupe import proposals as svc
    from leadctl.vocab import ProposalStatus

    rows = svc.listing(app.engine(), None if all_ else ProposalStatus.OPEN)
    render(
        rows,
        fmt,
        PROPOSAL_COLUMNS if fmt == "table" else None,
        empty="No merge proposals." if all_ else "No open merge proposals.",
        display={"score": fixed(3)},
    )


@dedupe.command("apply")
@click.argument("proposal_ids", nargs=-1, type=int, metavar="PROPOSAL_ID...")
@click.option("--all", "all_", is_flag=True, help="Apply every open proposal.")
@format_option
@pass_app
def apply_cmd(app: AppContext, proposal_ids: tuple[int, ...], all_: bool, fmt: str) -> None:
    """Merge the clients of merge proposals (reversibly: 'dedupe undo MERGE_ID').

    The survivor is chosen as 'dedupe scan --apply' chooses it; a proposal whose clients were
    merged or retired since is marked superseded.

    \b
    Example:
      leadctl dedupe apply 4 7
      leadctl dedupe apply --all
    """
    from leadctl.output import message, render
    from leadctl.services.dedupe import proposals as svc

    if bool(proposal_ids) == all_:
        raise click.UsageError("give PROPOSAL_ID... or --all (one of them)")
    done = svc.apply(app.engine(), app.rules, None if all_ else list(proposal_ids))
    cols = ["proposal_id", "status", "merge_id", "survivor_id", "merged_ids", "leads_moved"]
    render(done, fmt, cols if fmt == "table" else None, empty="No open merge proposals.")
    merged = [d for d in done if d.get("merge_id")]
    if merged:
        message(f"Merged {len(merged)} proposal(s) ('leadctl dedupe undo MERGE_ID' reverses one).")


@dedupe.command("reject")
@click.argument("proposal_ids", nargs=-1, type=int, required=True, metavar="PROPOSAL_ID...")
@format_option
@pass_app
def reject_cmd(app: AppContext, proposal_ids: tuple[int, ...], fmt: str) -> None:
    """Keep the clients of merge proposals apart: those sets are never proposed again.

    \b
    Example:
      leadctl dedupe reject 5
    """
    from leadctl.output import render
    from leadctl.services.dedupe import proposals as svc

    render(svc.reject(app.engine(), list(proposal_ids)), fmt)


def _grid(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[float, ...] | None:
    if value is None:
        return None
    try:
        out = tuple(sorted({float(v) for v in value.split(",") if v.strip()}))
    except ValueError:
        raise click.BadParameter(f"expected numbers from 0 to 1 separated by commas, got {value!r}") from None
    if not out or not all(0 <= t <= 1 for t in out):
        raise click.BadParameter(f"expected numbers from 0 to 1 separated by commas, got {value!r}")
    return out


@dedupe.command("evaluate")
@input_file_argument("truth", metavar="TRUTH.csv|-")
@click.option(
    "--id-column", default="external_id", show_default=True, help="Truth column with the lead's external id."
)
@click.option(
    "--entity-column", default="entity_id", show_default=True, help="Truth column with the true entity."
)
@click.option(
    "--thresholds", callback=_grid, metavar="T1,T2,…", help="Threshold grid (default 0.5, 0.55 … 0.95)."
)
@format_option
@pass_app
def evaluate_cmd(
    app: AppContext,
    truth: str,
    id_column: str,
    entity_column: str,
    thresholds: tuple[float, ...] | None,
    fmt: str,
) -> None:
    """Score the duplicate rules against a labelled file (a lead id and its true entity).

    Pairwise precision, recall and F1 of the stored outcome (leads grouped by client), then
    across a threshold sweep of what 'process' would produce (each lead joins its best
    client, as process does; f1_linked closes every link transitively), the blocking recall
    (the share of true pairs any blocking rule compares: the ceiling of recall) and the true
    pairs missed, by the fields that disagree — to tune duplicates.threshold, fields and
    blocking on your own labelled sample.

    \b
    Example:
      leadctl dedupe evaluate labelled-sample.csv
      gunzip -c labelled.csv.gz | leadctl dedupe evaluate -
      leadctl dedupe evaluate people.csv --id-column rec_id --entity-column cluster --thresholds 0.5,0.8,0.9,0.99
    """
    from leadctl.output import message, render_sections
    from leadctl.services.dedupe import truth as svc
    from leadctl.services.dedupe.evaluation import DEFAULT_SWEEP

    report = svc.evaluate(
        app.engine(),
        app.rules,
        Path(truth),
        thresholds or DEFAULT_SWEEP,
        id_column=id_column,
        entity_column=entity_column,
    )
    if fmt == "table":
        message(
            f"{report['leads_found']:,} of {report['labelled_rows']:,} labelled rows found as leads; "
            f"{report['leads_with_client']:,} have a client. Blocking recall "
            f"{report['blocking_recall']:.4f} ({report['candidate_pairs']:,} candidate pairs, "
            f"{report['true_pairs']:,} true pairs); {report['model']} model."
        )
    render_sections(report, fmt, EVALUATE_SECTIONS, fields=())


MODEL_SECTIONS = (
    Section(
        "fields",
        "Levels, m, u and match weight (log2 m/u) per field",
        ["field", "compare", "level", "agreement", "m", "u", "weight", "common_values"],
    ),
)


@dedupe.command("train")
@click.option(
    "--campaign", type=CampaignRef(), metavar="CAMPAIGN", help="Learn from this campaign's leads only."
)
@click.option("--bucket", type=BucketRef(), metavar="BUCKET", help="Learn from this bucket's leads only.")
@format_option
@pass_app
def train_cmd(app: AppContext, campaign: str | None, bucket: str | None, fmt: str) -> None:
    """Learn the duplicate model from the stored leads (no labels needed) and store it.

    Fellegi–Sunter: for each field of duplicates.fields and each of its levels (exact,
    close, …, else), u is estimated from random pairs of leads and m by expectation-
    maximisation over the candidate pairs; common values (a frequent surname, info@, a
    switchboard number) count for less. Scores become match probabilities and
    duplicates.threshold a probability. 'leadctl dedupe model' shows what was learned.

    \b
    Example:
      leadctl dedupe train
      leadctl dedupe train --campaign "Outbound Q1"
    """
    from leadctl.output import message, render_record
    from leadctl.services.admin.lookup import scope_ids
    from leadctl.services.dedupe import model as svc

    engine = app.engine()
    bucket_id, campaign_id = scope_ids(engine, bucket, campaign)
    summary = svc.train(engine, app.rules, bucket_id=bucket_id, campaign_id=campaign_id, report=app.report())
    shown = {k: v for k, v in summary.items() if k not in ("sessions", "values_present")}
    render_record(shown if fmt == "table" else summary, fmt)
    if fmt == "table":
        message(
            f"Learned from {summary['records']:,} leads and {summary['pairs']:,} candidate pairs "
            "('leadctl dedupe model' shows the weights)."
        )


@dedupe.command("model")
@format_option
@pass_app
def model_cmd(app: AppContext, fmt: str) -> None:
    """Show the learned duplicate model: when and on what it was trained, levels, m, u, weights.

    \b
    Example:
      leadctl dedupe model
      leadctl dedupe model --format json
    """
    from leadctl.output import message, render_sections
    from leadctl.services.dedupe import model as svc

    report = svc.show(app.engine(), app.rules)
    if fmt == "table":
        message(
            f"Model {report['model_id']} trained {report['trained_at']:%Y-%m-%d %H:%M} UTC by "
            f"{report['actor']} on {report['records']:,} leads, {report['pairs']:,} candidate pairs "
            f"(match share {report['match_share']:.4f})"
            + ("" if report["in_force"] else "; NOT in force: the rules compare other fields, retrain")
            + "."
        )
    render_sections(report, fmt, MODEL_SECTIONS, fields=())
