"""Benchmark intake processing end to end: load N generated leads, `process`, `dedupe` scan.

Usage::

    python benchmarks/process.py --n 100000 [--n 1000000] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test]

For each N and backend it generates leads with ~10% noisy duplicates and known truth
(``leadctl.demo.fakedata``, messy headers), loads them into a fresh database with the
real loader, then runs ``process`` and a ``dedupe`` scan each in a fresh child process, so
the wall time, CPU time (user + system) and peak RSS are theirs alone; the table also
gives the machine's load average, since on a shared machine only the CPU time compares
across runs. Quality is pairwise precision/recall/F1 of the stored outcome (leads grouped
by client) against the truth.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _child(step: str, url: str) -> dict[str, Any]:
    """Run one step in this (fresh) process; report seconds and peak RSS."""
    from leadctl.rules import load_rules
    from leadctl.storage.engine import open_engine

    engine = open_engine(url)
    rules = load_rules(None)
    cpu = _cpu_seconds()
    start = time.perf_counter()
    info: dict[str, Any] = {}
    if step == "process":
        from leadctl.services.intake import processing

        s = processing.process(engine, rules)
        info = {"selected": s.selected, "clients": s.processed, "duplicates": s.duplicate}
    elif step == "dedupe":
        from leadctl.services.dedupe import scan as dedupe

        r = dedupe.scan(engine, rules)
        info = {"clusters": len(r.clusters), "comparisons": r.stats.comparisons}
    seconds = time.perf_counter() - start
    cpu = _cpu_seconds() - cpu
    from benchmarks.dedupe_engine import peak_rss_mb

    return {"seconds": seconds, "cpu_seconds": cpu, "peak_mb": peak_rss_mb(), **info}


def _cpu_seconds() -> float:
    """User + system CPU of this process: on a shared machine wall time says little alone."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _in_child(step: str, url: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", step, "--url", url], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"{step} failed:\n{out.stderr}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _quality(url: str, truth_path: Path) -> dict[str, float]:
    from sqlalchemy import select

    from leadctl.services.dedupe.evaluation import pairwise_metrics
    from leadctl.services.dedupe.truth import read_truth
    from leadctl.storage import schema
    from leadctl.storage.engine import open_engine

    truth_by_ext = read_truth(truth_path)
    with open_engine(url).connect() as conn:
        rows = conn.execute(select(schema.lead.c.external_id, schema.lead.c.client_id)).all()
    predicted = {ext: cid for ext, cid in rows if cid is not None}
    truth = {ext: truth_by_ext[ext] for ext in predicted}
    return pairwise_metrics(predicted, truth)


def _database(backend: str, tmp: Path, pg: str | None) -> tuple[str, Any]:
    if backend == "sqlite":
        return f"sqlite:///{tmp / f'bench-{uuid.uuid4().hex[:6]}.db'}", lambda: None
    from benchmarks.load import _pg_database

    assert pg is not None
    return _pg_database(pg)


def run(ns: list[int], pg: str | None, seed: int = 1) -> list[dict[str, Any]]:

    tmp = Path(tempfile.mkdtemp(prefix="leadctl-bench-process-"))
    try:
        return _run(ns, pg, seed, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _run(ns: list[int], pg: str | None, seed: int, tmp: Path) -> list[dict[str, Any]]:
    from leadctl.demo import fakedata
    from leadctl.rules import load_rules
    from leadctl.services.admin import buckets, campaigns
    from leadctl.services.intake import loading
    from leadctl.storage.engine import open_engine

    results: list[dict[str, Any]] = []
    backends = ["sqlite"] + (["postgresql"] if pg else [])
    for n in ns:
        leads = fakedata.generate(n, seed=seed, dup_rate=0.10)
        data, truth = tmp / f"leads-{n}.csv", tmp / f"truth-{n}.csv"
        fakedata.write_file(data, leads, messy_headers=True)
        fakedata.write_truth(truth, leads)
        del leads
        for backend in backends:
            url, drop = _database(backend, tmp, pg)
            try:
                engine = open_engine(url)
                campaigns.create(engine, "Bench")
                buckets.create(engine, "bench", "Bench")
                start = time.perf_counter()
                loading.load_file(engine, load_rules(None), str(data), "bench")
                load_s = time.perf_counter() - start
                engine.dispose()
                proc = _in_child("process", url)
                scan = _in_child("dedupe", url)
                q = _quality(url, truth)
                results.append(
                    {
                        "backend": backend,
                        "n": n,
                        "load_s": round(load_s, 1),
                        "process_s": round(proc["seconds"], 1),
                        "process_cpu_s": round(proc["cpu_seconds"], 1),
                        "process_peak_mb": round(proc["peak_mb"]),
                        "leads_per_s": round(proc["selected"] / proc["seconds"]),
                        "dedupe_s": round(scan["seconds"], 1),
                        "dedupe_cpu_s": round(scan["cpu_seconds"], 1),
                        "dedupe_peak_mb": round(scan["peak_mb"]),
                        "precision": round(q["precision"], 4),
                        "recall": round(q["recall"], 4),
                        "f1": round(q["f1"], 4),
                    }
                )
                results[-1]["load_avg"] = round(os.getloadavg()[0], 1)
                print(json.dumps(results[-1]), file=sys.stderr, flush=True)
            finally:
                drop()
    by = {(r["backend"], r["n"]): r for r in results}
    for backend in backends:
        if len(ns) > 1 and (backend, min(ns)) in by and (backend, max(ns)) in by:
            small, big = by[(backend, min(ns))], by[(backend, max(ns))]
            big["time_ratio_vs_smallest"] = round(big["process_s"] / small["process_s"], 1)
            big["size_ratio"] = max(ns) // min(ns)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, action="append", help="number of leads (repeatable; default 100000)")
    parser.add_argument(
        "--pg",
        default=os.environ.get("LEADCTL_TEST_POSTGRES_URL"),
        help="PostgreSQL server URL (a throwaway database is created on it)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args.child, args.url)))
        return
    from tabulate import tabulate

    print(tabulate(run(args.n or [100_000], args.pg), headers="keys"))


if __name__ == "__main__":
    main()
