"""Duplicate detection on three kinds of data with known truth, leadctl beside splink.

Usage::

    python benchmarks/dedupe_sets.py --n 5000 [--sets leads,leads_hard,persons,sites] [--no-splink]

Sets (generated once, cached under ``--cache``):

- ``leads``: today's generator (``leadctl.demo.fakedata``), default rules;
- ``leads_hard``: the same with 30% hard duplicates (no shared e-mail or phone) and 20% trap
  people (namesakes, a first name at a free-mail provider, shared role mailboxes);
- ``persons``: person records with addresses and dates of birth, the issue's rules file;
- ``sites``: organisation sites with partial zips and 7-digit phones.

The person and site noise comes from ``benchmarks/data_persons.py``, not from the matcher's
tables. leadctl is trained without labels (``dedupe train``'s engine) and clustered at its
default threshold (links closed transitively, as ``dedupe scan``); splink 5 (DuckDB) is
EM-trained and reported at p ≥ 0.9 and at its best threshold. Each tool runs in a child
process so time and peak memory are its own. Splink is a benchmark-only dependency
(``pip install -e '.[bench]'`` in the benchmark's own virtualenv).
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this directory comes first on sys.path, and benchmarks/queue.py would shadow
# the standard library's queue (pyarrow, splink's engine, imports it): the repository root instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PERSON_RULES = """\
validation: {required_fields: [], phone_required: none, check_phone_numbers: false}
duplicates:
  exact_keys: []
  fields:
    name: {compare: name}
    date_of_birth: {compare: date}
    street_number: {compare: number}
    address_1: {compare: address}
    address_2: {compare: text}
    city: {compare: text}
    postcode: {compare: postcode}
    state: {compare: exact}
  blocking: [[first_name, last_name], [date_of_birth], [postcode, street_number], [postcode, last_name], [city, address_1]]
"""
SITE_RULES = """\
validation: {required_fields: [], phone_required: none, check_phone_numbers: false}
duplicates:
  exact_keys: []
  fields:
    company: {compare: company}
    address_1: {compare: address}
    city: {compare: text}
    postcode: {compare: postcode}
    phone: {compare: phone}
  blocking: [[company:5], [phone], [address_1], [postcode:3, company:2]]
"""
SETS = ("leads", "leads_hard", "persons", "sites")


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def dataset(kind: str, n: int, cache: Path) -> tuple[Path, Path, Path | None]:
    """(data CSV, truth CSV with external_id/entity_id, rules file or None for the defaults)."""
    from benchmarks import data_persons
    from benchmarks.dedupe_engine import dataset as leads_dataset

    cache.mkdir(parents=True, exist_ok=True)
    if kind == "leads":
        data, truth = leads_dataset(n, 1, 0.10, cache)
        return data, truth, None
    if kind == "leads_hard":
        data, truth = leads_dataset(n, 1, 0.10, cache, 0.3, trap_rate=0.2)
        return data, truth, None
    data, truth = cache / f"{kind}-n{n}.csv", cache / f"{kind}-n{n}.truth.csv"
    rules = cache / f"{kind}.rules.yaml"
    rules.write_text(PERSON_RULES if kind == "persons" else SITE_RULES, encoding="utf-8")
    if not (data.exists() and truth.exists()):
        rows, labels = data_persons.persons(n) if kind == "persons" else data_persons.sites(n)
        for r in rows:
            r["external_id"] = r.pop("rec_id")
            if "phone" in r:
                r["business_phone"] = r.pop("phone")
        _write(data, rows)
        _write(truth, [{"external_id": k, "entity_id": v} for k, v in labels.items()])
    return data, truth, rules


def run_leadctl(data: Path, truth_path: Path, rules: Path | None) -> dict[str, Any]:
    """Normalise, train without labels, cluster at the default threshold; time, memory, P/R/F1."""
    from benchmarks.dedupe_engine import peak_rss_mb, read_truth
    from leadctl.rules import load_rules
    from leadctl.services.dedupe.clustering import assignments, cluster
    from leadctl.services.dedupe.config import MatchConfig
    from leadctl.services.dedupe.evaluation import pairwise_metrics
    from leadctl.services.dedupe.keys import normalise
    from leadctl.services.dedupe.train import train

    config = MatchConfig.from_rules(load_rules(rules).duplicates)
    t0 = time.perf_counter()
    with data.open(encoding="utf-8", newline="") as fh:
        records = [(row["external_id"], normalise(row, config)) for row in csv.DictReader(fh)]
    model = train([r for _i, r in records], config)
    trained = config.with_model(model)
    t1 = time.perf_counter()
    clusters = cluster(records, trained)
    seconds = time.perf_counter() - t0
    metrics = pairwise_metrics(assignments(clusters), read_truth(truth_path))
    return {
        "seconds": round(seconds, 2),
        "train_seconds": round(t1 - t0, 2),
        "peak_mb": round(peak_rss_mb(), 1),
        "threshold": config.threshold,
        **metrics,
    }


def _splink_settings(kind: str) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
    """(comparisons, prediction blocking, deterministic rules for λ, EM blocks) for a set."""
    import splink.comparison_library as cl
    from splink import block_on

    if kind == "persons":
        return (
            [
                cl.NameComparison("first_name"),
                cl.NameComparison("last_name"),
                cl.DateOfBirthComparison("date_of_birth", input_is_string=True, invalid_dates_as_null=True),
                cl.ExactMatch("street_number"),
                cl.JaroWinklerAtThresholds("address_1", [0.95, 0.88]),
                cl.JaroWinklerAtThresholds("address_2", [0.95, 0.88]),
                cl.JaroWinklerAtThresholds("city", [0.95, 0.88]),
                cl.PostcodeComparison("postcode"),
                cl.ExactMatch("state"),
            ],
            [
                block_on("first_name", "last_name"),
                block_on("date_of_birth"),
                block_on("postcode", "street_number"),
                block_on("postcode", "last_name"),
                block_on("city", "address_1"),
            ],
            [block_on("first_name", "last_name", "date_of_birth"), block_on("postcode", "street_number")],
            [block_on("date_of_birth"), block_on("first_name", "last_name"), block_on("postcode")],
        )
    return (
        [
            cl.JaroWinklerAtThresholds("company", [0.95, 0.88, 0.7]),
            cl.JaroWinklerAtThresholds("address_1", [0.95, 0.88]),
            cl.JaroWinklerAtThresholds("city", [0.95]),
            cl.JaroWinklerAtThresholds("postcode", [0.95]),
            cl.ExactMatch("business_phone"),
        ],
        [
            block_on("substr(company, 1, 5)"),
            block_on("business_phone"),
            block_on("address_1"),
            block_on("substr(postcode, 1, 3)", "substr(company, 1, 2)"),
        ],
        [block_on("business_phone"), block_on("company", "address_1")],
        [block_on("business_phone"), block_on("address_1"), block_on("substr(company, 1, 5)")],
    )


def run_splink_generic(kind: str, data: Path, truth_path: Path) -> dict[str, Any]:
    import pyarrow as pa
    from splink import DuckDBAPI, Linker, SettingsCreator

    from benchmarks.dedupe_engine import peak_rss_mb, read_truth
    from benchmarks.splink_peer import THRESHOLDS
    from leadctl.services.dedupe.evaluation import pairwise_metrics

    logging.getLogger("splink").setLevel(logging.ERROR)
    t0 = time.perf_counter()
    with data.open(encoding="utf-8", newline="") as fh:
        rows = [
            {
                ("unique_id" if k == "external_id" else k): ((v or "").strip().lower() or None)
                for k, v in r.items()
            }
            for r in csv.DictReader(fh)
        ]
    db_api = DuckDBAPI()
    sdf = db_api.register(pa.Table.from_pylist(rows))
    comparisons, blocking, deterministic, em_blocks = _splink_settings(kind)
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(sdf, settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    for b in em_blocks:
        linker.training.estimate_parameters_using_expectation_maximisation(b)
    predictions = linker.inference.predict(threshold_match_probability=min(THRESHOLDS))
    truth = read_truth(truth_path)
    results = []
    for threshold in THRESHOLDS:
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=threshold
        )
        got = db_api._con.execute(f"select unique_id, cluster_id from {clusters.physical_name}").fetchall()
        results.append({"threshold": threshold, **pairwise_metrics(dict(got), truth)})
    return {
        "seconds": round(time.perf_counter() - t0, 2),
        "peak_mb": round(peak_rss_mb(), 1),
        "by_threshold": results,
    }


def _child(args: list[str]) -> dict[str, Any] | None:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.stderr.write(out.stderr[-2000:])
        return None
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def run(ns: list[int], sets: list[str], splink: bool, cache: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for kind in sets:
        for n in ns:
            data, truth, rules = dataset(kind, n, cache)
            me = _child(["--leadctl", str(data), str(truth), str(rules or "")])
            if me is not None:
                rows.append(
                    {
                        "set": kind,
                        "n": n,
                        "tool": f"leadctl (trained, no labels; p ≥ {me['threshold']:g})",
                        "seconds": me["seconds"],
                        "train_s": me["train_seconds"],
                        "peak_mb": round(me["peak_mb"]),
                        "precision": f"{me['precision']:.4f}",
                        "recall": f"{me['recall']:.4f}",
                        "f1": f"{me['f1']:.4f}",
                    }
                )
            if not splink:
                continue
            if kind.startswith("leads"):
                peer = _child(["--splink-leads", str(data), str(truth)])
            else:
                peer = _child(["--splink", kind, str(data), str(truth)])
            if peer is None:
                rows.append({"set": kind, "n": n, "tool": "splink (not installed or failed)"})
                continue
            at9 = next(r for r in peer["by_threshold"] if r["threshold"] == 0.9)
            best = max(peer["by_threshold"], key=lambda r: r["f1"])
            for label, r in (("p ≥ 0.9", at9), (f"best, p ≥ {best['threshold']}", best)):
                rows.append(
                    {
                        "set": kind,
                        "n": n,
                        "tool": f"splink 5 (EM; {label})",
                        "seconds": peer["seconds"],
                        "train_s": "",
                        "peak_mb": round(peer["peak_mb"]),
                        "precision": f"{r['precision']:.4f}",
                        "recall": f"{r['recall']:.4f}",
                        "f1": f"{r['f1']:.4f}",
                    }
                )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, action="append", help="records per set (repeatable; default 5000)")
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--no-splink", action="store_true")
    parser.add_argument(
        "--cache", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "leadctl-bench"
    )
    parser.add_argument("--leadctl", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--splink", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--splink-leads", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.leadctl:
        data, truth, rules = args.leadctl
        print(json.dumps(run_leadctl(Path(data), Path(truth), Path(rules) if rules else None)))
        return 0
    if args.splink:
        kind, data, truth = args.splink
        print(json.dumps(run_splink_generic(kind, Path(data), Path(truth))))
        return 0
    if args.splink_leads:
        from benchmarks.splink_peer import run_splink

        print(json.dumps(run_splink(Path(args.splink_leads[0]), Path(args.splink_leads[1]))))
        return 0
    from tabulate import tabulate

    rows = run(args.n or [5000], args.sets.split(","), not args.no_splink, args.cache)
    print(tabulate(rows, headers="keys", disable_numparse=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
