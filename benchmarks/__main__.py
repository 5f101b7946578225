"""All benchmarks, one command, one table each::

    python -m benchmarks [--n 100000] [--n 1000000] [--pg URL] [--no-splink] [--only startup,load,process,dedupe,activities]
                         [--hard-rate 0.3]

- startup: `leadctl --help` and `leadctl leads list --limit 1 --format json` vs `import sqlalchemy`
- load: leadctl load rows/s into SQLite and PostgreSQL vs the practical limit and sqlite-utils
- process: `process` and `dedupe` wall time, peak memory and F1 against the truth, both backends
- assign: full `assign`, `topup` and `assign --explain --rep` over N clients, 200 reps, 10N activities
- dedupe: the matching engine alone vs splink (DuckDB, EM-trained) on the same generated file;
  --hard-rate makes that share of its duplicates share no e-mail or phone (default 0)
- sla: `sla check`, `metrics speed` and `metrics sla` over N clients, ~5N activities, both backends
- metrics: every `metrics` table, the full `report --html` and `sla check` over N clients, 5N
  activities, both backends, vs one GROUP BY of the activity table (databases built once, reused)
- scoring: `scoring.priorities` for one rep's 10,000 clients (wall, CPU, Python CPU) vs fetch only
- queue: `queue --limit 50` and `next` for a rep with 10,000 clients among N clients, 5N activities
- activities: `activity import` rows/s of a generated dialer file (--n rows, 100,000 clients) on
  SQLite and PostgreSQL vs plain sqlite3 executemany / psycopg COPY of the same rows

PostgreSQL runs when --pg (or LEADCTL_TEST_POSTGRES_URL) names a server; a throwaway
database is created and dropped there. Splink is a benchmark-only dependency
(``pip install splink``); without it that row is skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _table(title: str, rows: list[dict[str, object]]) -> None:
    from tabulate import tabulate

    print(f"\n## {title}\n")
    print(tabulate(rows, headers="keys", disable_numparse=True) if rows else "(nothing measured)")
    sys.stdout.flush()


def _engine_vs_splink(ns: list[int], splink: bool, hard_rate: float = 0.0) -> list[dict[str, object]]:
    from benchmarks.dedupe_engine import dataset

    cache = Path(os.environ.get("TMPDIR", "/tmp")) / "leadctl-bench"
    rows: list[dict[str, object]] = []
    for n in ns:
        leads, truth = dataset(n, 1, 0.10, cache, hard_rate)
        out = subprocess.run(
            [
                sys.executable,
                str(ROOT / "benchmarks" / "dedupe_engine.py"),
                "--engine-only",
                str(leads),
                str(truth),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(
            {
                "tool": "leadctl matching engine",
                "n": n,
                "hard_rate": f"{hard_rate:g}",
                "seconds": r["seconds"],
                "peak_mb": round(r["peak_mb"]),
                "precision": f"{r['precision']:.4f}",
                "recall": f"{r['recall']:.4f}",
                "f1": f"{r['f1']:.4f}",
            }
        )
        if not splink:
            continue
        peer = subprocess.run(
            [
                sys.executable,
                str(ROOT / "benchmarks" / "splink_peer.py"),
                "--leads",
                str(leads),
                "--truth",
                str(truth),
                "--json",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if peer.returncode != 0:
            rows.append({"tool": "splink (not installed or failed)", "n": n, "hard_rate": f"{hard_rate:g}"})
            continue
        p = json.loads(peer.stdout)
        best = max(p["by_threshold"], key=lambda r: r["f1"])
        rows.append(
            {
                "tool": f"splink (DuckDB, EM; best threshold {best['threshold']})",
                "n": n,
                "hard_rate": f"{hard_rate:g}",
                "seconds": round(float(p.get("seconds", 0)), 1),
                "peak_mb": round(float(p.get("peak_mb", 0))),
                "precision": f"{best['precision']:.4f}",
                "recall": f"{best['recall']:.4f}",
                "f1": f"{best['f1']:.4f}",
            }
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, action="append", help="leads per run (repeatable; default 100000)")
    parser.add_argument(
        "--pg", default=os.environ.get("LEADCTL_TEST_POSTGRES_URL"), help="PostgreSQL server URL"
    )
    parser.add_argument("--no-splink", action="store_true", help="skip the splink peer")
    parser.add_argument(
        "--only", default="startup,load,process,dedupe,activities", help="comma-separated subset"
    )
    parser.add_argument(
        "--hard-rate",
        type=float,
        default=0.0,
        help="dedupe table: share of duplicates with no shared e-mail or phone (default 0)",
    )
    args = parser.parse_args(argv)
    ns = args.n or [100_000]
    only = set(args.only.split(","))
    if "startup" in only:
        from benchmarks import startup

        _table("Start-up (median wall and CPU ms)", startup.run())
    if "load" in only:
        from benchmarks import load

        _table(f"Load {ns[0]:,} rows", load.run(ns[0], args.pg))
    if "process" in only:
        from benchmarks import process

        _table("Intake processing and dedupe scan", process.run(ns, args.pg))
    if "assign" in only:
        from benchmarks import assign

        _table("Assignment (assign, topup, explain one rep)", assign.run(ns, args.pg))
    if "dedupe" in only:
        _table("Duplicate matching vs splink", _engine_vs_splink(ns, not args.no_splink, args.hard_rate))
    if "queue" in only:
        from benchmarks import queue

        _table(
            "Queue and next for a rep with 10,000 clients (N clients, 5N activities)", queue.run(ns, args.pg)
        )
    if "activities" in only:
        from benchmarks import activities

        for n in ns:
            _table(f"Activity import {n:,} rows", activities.run(n, args.pg))
    if "sla" in only:
        from benchmarks import sla

        _table("SLA check and speed/sla metrics (whole database)", sla.run(ns, args.pg))
    if "metrics" in only:
        from benchmarks import metrics

        _table("Metrics tables, report and sla check (N clients, 5N activities)", metrics.run(ns, args.pg))
    if "scoring" in only:
        from benchmarks import scoring

        _table("Scoring: priorities of one rep's 10,000 clients", scoring.run(ns[0], args.pg))


if __name__ == "__main__":
    main()
