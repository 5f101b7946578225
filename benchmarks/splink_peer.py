"""Peer benchmark: splink (DuckDB backend, trained by EM) on the same generated leads.

Benchmark only: splink and duckdb are NOT leadctl dependencies. Install them into the
benchmark environment first (``pip install splink duckdb``). Usage::

    python benchmarks/splink_peer.py --n 100000
    python benchmarks/splink_peer.py --n 100000 --hard-rate 0.3
    python benchmarks/splink_peer.py --leads LEADS.csv --truth TRUTH.csv

The input is the same file ``benchmarks/dedupe_engine.py`` builds (phones already E.164). To be
fair, splink gets the same light cleaning our engine does before comparing — lower-cased e-mail
with Gmail folding, company without legal suffix, website/e-mail domain, letters-only names —
and a standard model: name, e-mail, phones, company, title, city and domain comparisons, blocking
on the same signals (e-mail, each phone, company + initial, domain + initial), λ from
deterministic rules, u by random sampling, m by EM. Prints seconds and pairwise precision/recall/F1
at several match-probability thresholds.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

THRESHOLDS = (0.5, 0.8, 0.9, 0.95, 0.99, 0.999)


def _clean_rows(leads_path: Path) -> list[dict[str, Any]]:
    from leadctl.services.dedupe.keys import company_key, domain_of, normalise_email
    from leadctl.services.dedupe.names import PERSONAL_DOMAINS

    def letters(text: str) -> str | None:
        s = "".join(ch for ch in text.lower() if ch.isalnum())
        return s or None

    rows = []
    with leads_path.open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            email = normalise_email(rec["email"])
            email_domain = email.rpartition("@")[2]
            domain = domain_of(rec["website"]) or (
                email_domain if email_domain not in PERSONAL_DOMAINS else ""
            )
            rows.append(
                {
                    "unique_id": rec["external_id"],
                    "first_name": letters(rec["first_name"]),
                    "last_name": letters(rec["last_name"]),
                    "email": email or None,
                    "business_phone": rec["business_phone"] or None,
                    "mobile_phone": rec["mobile_phone"] or None,
                    "company": company_key(rec["company"]) or None,
                    "title": rec["title"].lower() or None,
                    "city": rec["city"].lower() or None,
                    "domain": domain or None,
                }
            )
    return rows


def run_splink(
    leads_path: Path, truth_path: Path, *, max_pairs: float = 2e6, seed: int = 1
) -> dict[str, Any]:
    """Train splink on the file and score its clusters against the truth at several thresholds."""
    import pyarrow as pa
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from benchmarks.dedupe_engine import peak_rss_mb, read_truth
    from leadctl.services.dedupe.evaluation import pairwise_metrics

    logging.getLogger("splink").setLevel(logging.ERROR)
    t0 = time.perf_counter()
    rows = _clean_rows(leads_path)
    table = pa.Table.from_pylist(rows)
    del rows
    db_api = DuckDBAPI()
    sdf = db_api.register(table)
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        # First and last name separately (a mismatch on each counts), no separate domain
        # comparison (it is nearly the company again and would count the same evidence twice).
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("last_name"),
            cl.EmailComparison("email"),
            cl.ExactMatch("business_phone"),
            cl.ExactMatch("mobile_phone"),
            cl.JaroWinklerAtThresholds("company", [0.95, 0.88]),
            cl.JaroWinklerAtThresholds("title", [0.9, 0.7]),
            cl.ExactMatch("city"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("email"),
            block_on("business_phone"),
            block_on("mobile_phone"),
            block_on("company", "substr(last_name, 1, 1)"),
            block_on("domain", "substr(first_name, 1, 1)"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(sdf, settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("email"), block_on("business_phone"), block_on("mobile_phone")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    # EM passes on blocks that leave every comparison trained by at least one pass
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("email"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "last_name"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("business_phone"))
    train_seconds = time.perf_counter() - t0
    predictions = linker.inference.predict(threshold_match_probability=min(THRESHOLDS))
    logging.getLogger("splink.internals.connected_components").setLevel(logging.WARNING)
    results = []
    truth = read_truth(truth_path)
    for threshold in THRESHOLDS:
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=threshold
        )
        table = clusters.as_pandas_dataframe() if _has_pandas() else None
        if table is not None:
            predicted = dict(zip(table["unique_id"], table["cluster_id"], strict=True))
        else:
            got = db_api.duckdb_con.execute(
                f"select unique_id, cluster_id from {clusters.physical_name}"
            ).fetchall()
            predicted = dict(got)
        results.append({"threshold": threshold, **pairwise_metrics(predicted, truth)})
    seconds = time.perf_counter() - t0
    best = max(results, key=lambda r: r["f1"])
    return {
        "n": len(truth),
        "seconds": round(seconds, 2),
        "train_seconds": round(train_seconds, 2),
        "peak_mb": round(peak_rss_mb(), 1),
        "best": best,
        "by_threshold": results,
    }


def _has_pandas() -> bool:
    try:
        import pandas  # noqa: F401
    except ImportError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="generate (or reuse) a file of N leads")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dup-rate", type=float, default=0.10)
    parser.add_argument(
        "--hard-rate",
        type=float,
        default=0.0,
        help="share of duplicates with no shared e-mail or phone (default 0)",
    )
    parser.add_argument("--leads", type=Path, help="use this canonical CSV instead of generating")
    parser.add_argument("--truth", type=Path, help="truth CSV (external_id,entity_id) for --leads")
    parser.add_argument(
        "--cache", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "leadctl-bench"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.leads:
        if not args.truth:
            parser.error("--leads needs --truth")
        leads_path, truth_path = args.leads, args.truth
    else:
        from benchmarks.dedupe_engine import dataset

        leads_path, truth_path = dataset(args.n, args.seed, args.dup_rate, args.cache, args.hard_rate)
    result = run_splink(leads_path, truth_path)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(
        f"splink {result['n']} leads: {result['seconds']:.1f} s (training {result['train_seconds']:.1f} s), peak {result['peak_mb']:.0f} MB"
    )
    print(f"{'threshold':>9} {'precision':>9} {'recall':>7} {'F1':>7}")
    for r in result["by_threshold"]:
        print(f"{r['threshold']:>9.3f} {r['precision']:>9.4f} {r['recall']:>7.4f} {r['f1']:>7.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
