"""Benchmark the in-memory duplicate engine on generated leads with known truth.

Usage::

    python benchmarks/dedupe_engine.py --n 100000
    python benchmarks/dedupe_engine.py --n 10000 100000 1000000 --sweep
    python benchmarks/dedupe_engine.py --n 100000 --hard-rate 0.3

For each N it generates N leads (``leadctl.demo.fakedata``, ~10% duplicates with realistic
noise), normalises their phones to E.164 as the loader would, writes the canonical CSV and the
truth file once (cached under ``--cache``), then runs the engine — read, normalise, blocking,
compare, cluster — in a fresh child process so that time and peak memory are the engine's
alone. Prints a table: n, seconds, peak MB, precision, recall, F1.

``--hard-rate R`` makes that share of the duplicates *hard* (no e-mail or phone in common with
the person's earlier rows, only name/company/title noise): a harder benchmark next to the
default one, where nearly every duplicate shares an exact key.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REGION_OF = {
    "united states": "US",
    "us": "US",
    "usa": "US",
    "canada": "CA",
    "ca": "CA",
    "united kingdom": "GB",
    "uk": "GB",
    "gb": "GB",
}


def e164(text: str, country: str) -> str:
    """The loader's job, done here for the benchmark: a phone in E.164, or as given if unparsable."""
    import phonenumbers

    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, REGION_OF.get(country.strip().lower(), "US"))
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_possible_number(number):
        return text
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def dataset(
    n: int, seed: int, dup_rate: float, cache: Path, hard_rate: float = 0.0, *, trap_rate: float = 0.0
) -> tuple[Path, Path]:
    """(leads.csv with E.164 phones, truth.csv), generated once per (n, seed, dup_rate, hard_rate,
    trap_rate)."""
    from leadctl.demo import fakedata

    cache.mkdir(parents=True, exist_ok=True)
    stem = f"leads-n{n}-s{seed}-d{dup_rate:g}" + (f"-h{hard_rate:g}" if hard_rate else "")
    stem += f"-t{trap_rate:g}" if trap_rate else ""
    leads_path, truth_path = cache / f"{stem}.csv", cache / f"{stem}.truth.csv"
    if leads_path.exists() and truth_path.exists():
        return leads_path, truth_path
    leads = fakedata.generate(n, seed, dup_rate=dup_rate, hard_rate=hard_rate, trap_rate=trap_rate)
    rows = []
    for lead in leads:
        rec = dict(lead.record)
        for name in ("business_phone", "mobile_phone"):
            rec[name] = e164(rec[name], rec["country"])
        rows.append(fakedata.FakeLead(rec, lead.entity_id, lead.kind))
    tmp = leads_path.with_suffix(".tmp")
    fakedata.write_file(tmp, rows, "csv", custom_columns=False)
    fakedata.write_truth(truth_path, rows)
    tmp.replace(leads_path)
    return leads_path, truth_path


def read_truth(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["external_id"]: row["entity_id"] for row in csv.DictReader(fh)}


def peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_engine(leads_path: Path, truth_path: Path, rules: Path | None, sweep: bool) -> dict[str, object]:
    """Read, normalise, cluster and score one file; returns timings, memory and metrics."""
    from leadctl.reporting import Collect
    from leadctl.services.dedupe.blocking import ScanStats
    from leadctl.services.dedupe.clustering import assignments, cluster
    from leadctl.services.dedupe.config import MatchConfig
    from leadctl.services.dedupe.evaluation import pairwise_metrics, sweep
    from leadctl.services.dedupe.keys import normalise

    config = MatchConfig()
    if rules is not None:
        from leadctl.rules import load_rules

        config = MatchConfig.from_rules(load_rules(rules).duplicates)
    t0 = time.perf_counter()

    def records():
        with leads_path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                yield row["external_id"], normalise(row, config)

    stats = ScanStats()
    warnings: list[str] = []
    report = Collect()
    clusters = cluster(records(), config, stats=stats, report=report)
    warnings.extend(report.warnings)
    seconds = time.perf_counter() - t0
    truth = read_truth(truth_path)
    metrics = pairwise_metrics(assignments(clusters), truth)
    result: dict[str, object] = {
        "n": stats.records,
        "seconds": round(seconds, 2),
        "peak_mb": round(peak_rss_mb(), 1),
        "comparisons": stats.comparisons,
        "clusters": len(clusters),
        "warnings": warnings,
        **metrics,
    }
    if sweep:
        rows = sweep(
            (
                (row["external_id"], normalise(row, config))
                for row in csv.DictReader(leads_path.open(encoding="utf-8"))
            ),
            truth,
            config,
        )
        result["sweep"] = rows
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--n", type=int, nargs="+", default=[100_000], help="number of leads (several allowed)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dup-rate", type=float, default=0.10)
    parser.add_argument(
        "--hard-rate",
        type=float,
        default=0.0,
        help="share of duplicates with no shared e-mail or phone (default 0)",
    )
    parser.add_argument("--rules", type=Path, help="rules file whose duplicates section to use")
    parser.add_argument("--sweep", action="store_true", help="also print metrics across thresholds")
    parser.add_argument(
        "--cache", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "leadctl-bench"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--engine-only", nargs=2, metavar=("LEADS", "TRUTH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.engine_only:
        result = run_engine(Path(args.engine_only[0]), Path(args.engine_only[1]), args.rules, args.sweep)
        print(json.dumps(result))
        return 0

    results = []
    for n in args.n:
        leads_path, truth_path = dataset(n, args.seed, args.dup_rate, args.cache, args.hard_rate)
        cmd = [sys.executable, __file__, "--engine-only", str(leads_path), str(truth_path)]
        if args.rules:
            cmd += ["--rules", str(args.rules)]
        if args.sweep:
            cmd.append("--sweep")
        out = subprocess.run(cmd, check=True, capture_output=True, text=True)
        results.append({**json.loads(out.stdout.strip().splitlines()[-1]), "hard_rate": args.hard_rate})
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(
        f"{'n':>9} {'hard':>5} {'seconds':>8} {'peak MB':>8} {'precision':>9} {'recall':>7} {'F1':>7} {'compares':>10}"
    )
    for r in results:
        print(
            f"{r['n']:>9} {r['hard_rate']:>5g} {r['seconds']:>8.2f} {r['peak_mb']:>8.0f} {r['precision']:>9.4f} "
            f"{r['recall']:>7.4f} {r['f1']:>7.4f} {r['comparisons']:>10}"
        )
        for w in r["warnings"]:
            print(f"  warning: {w}")
        if args.sweep:
            print(f"  {'threshold':>9} {'precision':>9} {'recall':>7} {'F1':>7}")
            for row in r["sweep"]:
                print(
                    f"  {row['threshold']:>9.2f} {row['precision']:>9.4f} {row['recall']:>7.4f} {row['f1']:>7.4f}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
