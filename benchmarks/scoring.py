"""Scoring speed: ``scoring.priorities`` for the 10,000 clients of one rep, as the queue calls it
before every dial, on SQLite and PostgreSQL.

Usage::

    python benchmarks/scoring.py --clients 100000 --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    python -m benchmarks --only scoring --n 100000

The database (``benchmarks.assign.populate``: ``--n`` clients, 5 activities each) gets titles,
headcounts, revenues, industries and custom fields from the demo's word lists; 10,000 of its
clients are scored with the default rules (11 conditions, recency, age, intent). Rows:

- ``leadctl priorities``: the whole call (median of 7 after a warm-up): wall time, CPU time
  of this process (SQLite runs in it; PostgreSQL's server work is not counted), and
  ``python_cpu_ms``: the CPU time spent evaluating conditions and components on the fetched
  values (the call minus its queries). CPU times are what to compare on a loaded machine;
- ``fetch only (practical limit)``: the clients' fields and their raw activity rows fetched
  with nothing computed — what an implementation aggregating in Python would pay first.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.load import _pg_database  # noqa: E402

TITLES = (
    "VP Sales",
    "Head of Growth",
    "Sales Manager",
    "Account Executive",
    "CEO",
    "Intern",
    "Director of Ops",
)
INDUSTRIES = ("Software", "SaaS", "Healthcare", "Retail", "Manufacturing", "Financial Services", "Education")
HEADCOUNTS = ("1-10", "11-50", "51-200", "201-500", "501-1000", "1000+", "5000")
REVENUES = ("$1M", "$5M-$10M", "12,000,000", "$50M", "n/a", "250k")
ONE_REP = 10_000


def _populate(url: str, n: int) -> list[int]:
    from benchmarks.assign import populate
    from leadctl.storage import bulk, schema
    from leadctl.storage.engine import open_engine, write

    populate(url, n, n_reps=20, acts_per_client=5, seed=3)
    rng = random.Random(3)
    engine = open_engine(url)
    with write(engine) as conn:
        ids = sorted(conn.execute(schema.client.select().with_only_columns(schema.client.c.id)).scalars())
        rows = [
            (
                cid,
                rng.choice(TITLES),
                rng.choice(INDUSTRIES),
                rng.choice(HEADCOUNTS),
                rng.choice(REVENUES),
                {"Plan": rng.choice(("free", "pro", "enterprise"))},
            )
            for cid in ids
        ]
        bulk.update_by_id(conn, schema.client, ("title", "industry", "headcount", "revenue", "custom"), rows)
    engine.dispose()
    return ids[:ONE_REP]


def _measure(label: str, url: str, ids: list[int]) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from leadctl.rules import load_rules
    from leadctl.services.work import scoring, scoring_static
    from leadctl.storage.engine import open_engine

    rules = load_rules(None)
    engine = open_engine(url)
    now = datetime.now(UTC)
    wall, cpu, python, fetch = [], [], [], []
    with engine.connect() as conn:
        scoring.priorities(conn, rules, ids, now)  # warm-up (statement cache, page cache)
        for _ in range(7):
            t0, c0 = time.perf_counter(), time.process_time()
            got = scoring.priorities(conn, rules, ids, now)
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            c0 = time.process_time()
            scoring_static.gather(conn, rules, ids, now)
            python.append(max(cpu[-1] - (time.process_time() - c0), 0.0))
            t0 = time.perf_counter()
            C, ACT = scoring.C, scoring.ACT
            for cond in scoring.in_chunks(conn, C.c.id, ids):
                conn.execute(
                    select(C.c.id, C.c.title, C.c.industry, C.c.headcount, C.c.revenue, C.c.custom).where(
                        cond
                    )
                ).all()
            for cond in scoring.in_chunks(conn, ACT.c.client_id, ids):
                conn.execute(select(ACT.c.client_id, ACT.c.type, ACT.c.outcome, ACT.c.at).where(cond)).all()
            fetch.append(time.perf_counter() - t0)
    engine.dispose()
    assert len(got) == len(ids)

    def ms(xs: list[float]) -> str:
        return f"{statistics.median(xs) * 1000:.0f}"

    return [
        {
            "backend": label,
            "what": "leadctl priorities (10,000 clients)",
            "wall_ms": ms(wall),
            "cpu_ms": ms(cpu),
            "python_cpu_ms": ms(python),
        },
        {
            "backend": label,
            "what": "fetch only (practical limit)",
            "wall_ms": ms(fetch),
            "cpu_ms": "",
            "python_cpu_ms": "",
        },
    ]


def run(n: int, pg_url: str | None) -> list[dict[str, Any]]:
    tmp = Path(tempfile.mkdtemp(prefix="leadctl-bench-scoring-"))
    rows: list[dict[str, Any]] = []
    try:
        url = f"sqlite:///{tmp / 'leadctl.db'}"
        rows += _measure(f"SQLite ({n:,} clients)", url, _populate(url, n))
        if pg_url:
            db_url, drop = _pg_database(pg_url)
            try:
                rows += _measure(f"PostgreSQL ({n:,} clients)", db_url, _populate(db_url, n))
            finally:
                drop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return rows


if __name__ == "__main__":
    import os

    from tabulate import tabulate

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--pg-url", default=os.environ.get("LEADCTL_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    print(tabulate(run(args.clients, args.pg_url), headers="keys", disable_numparse=True))
