"""SLAs and speed metrics at scale: N clients, 200 reps, ~5 activities per client.

Times the real ``leadctl`` console script (start-up shown separately): ``sla check`` over the
whole database (every open client's SLA in business time), ``metrics speed`` and ``metrics
sla``, on SQLite and PostgreSQL, next to the practical limit: the one aggregate of the
activities by client that every one of them needs, run alone by the database's own client
library (sqlite3 / psycopg). Targets at 1,000,000 clients / 5,000,000 activities: sla check ≤ 3 s,
each metric ≤ 2 s.

    python -m benchmarks --only sla [--n 100000 --n 1000000] [--pg URL]

Measured 2026-12-02, 1,000,000 clients / 4,203,096 activities, shared 2-core machine (load
average 7-10 while populating, 1.4-2.9 while timing), seconds beyond start-up:

    command                       SQLite   PostgreSQL   limit (one aggregate) SQLite / PG
    sla check (230k rows listed)   16.95      12.45      3.53 / 1.15
    sla check --rep R (1.1k rows)   3.67       2.50
    metrics speed --by rep         16.94       9.76
    metrics sla --by rep            8.48       5.88

Measured 2026-12-03 (perf-facts, migration 0016: per-client facts stored in ``client_fact``) on
the shared metrics data set (benchmarks/metrics.py: 1,000,000 clients / 4,100,000 activities),
before = main 119922e, after = perf-facts, each pair run back to back on copies of the same
database; load average 10-20 on 2 cores (six helpers), so wall is mostly waiting: CPU is
user+sys of the leadctl process (on PostgreSQL the server's CPU is not in it):

    command                     SQLite CPU before → after     PG wall before → after (load)
    metrics speed                  18.7 s →  9.4 s              33.9 s → 43.8 s (20)
    metrics speed --by rep         18.2 s → 10.0 s              37.0 s → 33.7 s (15)
    metrics sla --by rep           12.6 s →  5.4 s              14.0 s → 11.7 s (11)
    metrics sla --by hour          12.8 s →  5.2 s              14.6 s → 12.2 s (10)
    sla check (645k rows listed)   24.1 s → 18.1 s              119.9 s → 114.6 s (10)
    start-up (rep show R)           0.4 s                        0.5 s

Targets missed: the metrics read the facts by key now (no GROUP BY of the activities), but at
1M clients SQLite still joins each client's active assignment and four day rows and sorts six
1M-row histograms (~3.5 s facts + ~4 s histograms CPU); ``sla check``'s SQL is ~2.5 s CPU on
SQLite, the rest is building and printing 645k rows in Python (~4 s rows, ~4 s JSON lines). In-
process: ``facts.current`` (is the table up to date for ``at``?) costs 3 ms. ``fold_cost``: the
maintainer merging 100k imported activities costs 0.6-1.0 s CPU on SQLite (3.3 s wall at load
12), 5.8 s wall on PostgreSQL; an index on ``last_touch_at`` doubled it and was dropped.

Measured 2026-12-03 (sla-check: deadline, share filter and order in SQL, rows streamed, a
table limited to the 50 most overdue) on the shared metrics data set (1,000,000 clients), before
= main e0e75fa, after = sla-check, each pair back to back on the same copy; CPU = user+sys of
the leadctl process, on PostgreSQL also the server backend's CPU (sampled from /proc, a lower
bound). Same rows, order and deadlines as main (643,004 rows, jsonl byte for byte at a fixed
``at``):

    command (rows listed)             backend  before CPU (wall)      after CPU (wall)     load
    sla check --format jsonl (643k)   SQLite   20.4 s (63 s)          14.9-15.9 s (35-52 s)   7
    sla check (table; 50 of 643k)     SQLite   67.1 s (248-264 s)     6.9-7.8 s (28-40 s)    10
    sla check --rep R --format jsonl  SQLite   0.9 s (12-14 s)        0.8-1.0 s (9-15 s)     16
      (4.5k rows)
    sla check (table)                 PG       65.6 s + 2.4 s server  0.8 s + 3.5 s server   15-17
                                               (797 s wall)           (29 s wall)
    sla check --format jsonl          PG       20.0 s + 2.6 s server  9.0 s + 5.7 s server   15
                                               (244 s wall)           (126 s wall)

Memory: 747 MB -> 61 MB (jsonl), 2.3 GB -> 59 MB (table). Target missed for the full listing:
643k JSON lines cost ~5 us each in Python (json encoding, datetimes), ~4 s on top of the SQL;
the table, which is what a person runs, is within reach on an idle machine (SQLite: the SQL
with its sort and one index seek per deadline ~4 s CPU at load 10, Python ~0.1 s).
``--escalate`` is still record-by-record in Python (``sla_escalate``, unchanged): on SQLite at
1M (load 12-16, after only: main's run is the same code plus its slower listing) the first run
fired 1,908,970 levels and reassigned 2,000 clients (reps' capacity) in 151 s CPU (1,614 s
wall, 3.4 GB); the cron rerun 26 min later fired 957 new levels in 55.6 s CPU (281 s wall,
1.2 GB): it still builds every crossed level in Python and lets the unique key drop them.

Measured 2026-12-03 (sla-escalate: the levels recorded by one ``INSERT … SELECT … ON CONFLICT
DO NOTHING`` from the state query, recorded levels skipped by ``NOT EXISTS`` on the unique key,
the reassign choice from a heap per campaign), before = integ 2d240ff, after = sla-escalate,
back to back on two copies of the shared 1M SQLite database (upgraded to 0024), in one process
at fixed moments (first run 2026-12-03 14:00 UTC, re-runs +5 and +10 min: the same driver as
``python -m benchmarks.sla --escalate-cycle URL``); CPU = user+sys, load average 2.2-3.5:

    run                                  fired       before CPU (wall)   after CPU (wall)
    first run (2,000 reassigned)         1,908,970   122.4 s (145 s)     80.1 s (88 s)
    re-run +5 min                        190          33.8 s (48 s)      14.0 s (15 s)
    re-run +10 min                       202          34.9 s (37 s)      14.6 s (19 s)
    peer: sla check (table, 50 listed)   -             6.2-6.7 s (same process, warm)
    peak memory                                      3.3 GB              2.8 GB

Same results: the 1,909,362 ``sla_escalation`` rows (deadline text, share, to_rep_id), the
escalation assignments and the ``escalated`` events' data are identical row for row between
the two copies. Left of the re-run: the escalation's own pass over the state query (~4-5 s,
the same SQL the listing runs again) and 1.9M index probes of the recorded levels (~2-3 s);
of the first run (cProfile, 98 s profiled): the 1.9M ``escalated`` events written through
``services/events`` ~48 s, the ``INSERT … SELECT`` with its state query ~15 s, reading this
run's rows back ~12 s and re-storing their shares rounded by Python ~8 s.

Measured 2026-12-03 (sla-queue-metrics, no migration), copies of the shared 1M SQLite file /
a TEMPLATE copy of the PostgreSQL database, before = main 241f2d0, after = sla-queue-metrics,
each pair back to back, CPU = user+sys of the leadctl process (load average 5-10):

    command                           backend  before CPU         after CPU        target
    sla check (table, 50 listed)      SQLite   6.6 / 6.1 / 8.6 / 7.8 s  2.8 / 2.7 / 3.9 / 2.7 s  ≤ 3 s
    check(limit=50), in process       SQLite   5.8 s              3.0 s (load 10)
    check(limit=50), server backend   PG       3.9 s              3.5 s (load 15)

Same result: ``check`` at a fixed moment with limit 50 and limit 0 (643,759 rows), sha256 of
rows, counts and ``more`` identical before/after on both backends. What made it: the state
query read ix_client_stage_merged_into_id_created_at (a covering index in stage order), so
every client's client_fact and assignment look-up was a random page (2-3 s of system time
reading pages); it now reads the clients by rowid (``sqlfunc.in_rowid_order``) and outer-joins
the day table, so SQLite streams ``s2`` instead of materialising 700k rows. Left on
PostgreSQL (3.5 s server CPU): the hash joins spill at the default work_mem and the
``sum() OVER ()`` tallies keep 643k rows in a tuplestore (~1.8 s of an EXPLAIN ANALYZE).

Measured 2026-12-03 (queue-pg): ``share_of`` divides a double by a double. SQLAlchemy renders
``Float / Integer`` with ``CAST(divisor AS NUMERIC)``, so PostgreSQL converted each row's
allowance integer → numeric → double, for the filter, the order and the output: the server CPU
of ``check(limit=50)`` on PostgreSQL at 200,000 clients 0.73-0.77 → 0.47-0.50 s (back to back,
load 4), the same quotient bit for bit (sha256 of rows, counts and ``more`` equal, limit 50 and
0, both backends); SQLite unchanged (1M copy: 2.06-2.15 → 2.10-2.21 s CPU in process; the
console script 2.8 s CPU at load 7.6).

The whole-database evaluation of `sla check` is close to the one aggregate of the activities
it needs (SQLite 3.7 s vs 3.5 s; PostgreSQL 2.5 s, within the 3 s target); listing 230k breached
clients adds Python row building and output. The metrics miss the 2 s target: speed scans its
materialised per-client facts six times (three measures × clock/business histograms).
Indexes used: ix_activity_client_id_at (activity aggregate), ux_assignment_active_client (the
active rep), the temporary day table's primary key (business time); a covering
(client_id, type, at, outcome) index gained only ~20% on the aggregate at 100k and was left out.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from leadctl.storage import bulk, schema
from leadctl.storage.engine import open_engine, write

LEADCTL = str(Path(sys.executable).with_name("leadctl"))
REPS = 200
TARGETS = {"sla check": 3.0, "metrics speed": 2.0, "metrics sla": 2.0}
ACT_COLS = [
    "activity_key",
    "client_id",
    "rep_id",
    "campaign_id",
    "type",
    "outcome",
    "at",
    "verified_dial",
    "duration_s",
    "source",
    "actor",
    "created_at",
]


def populate(url: str, n_clients: int, acts_per_client: int = 5, seed: int = 1) -> int:
    """Clients captured over 60 days, each assigned at once; 90% called (median first attempt
    ~40 min later), then touches hours to days apart; four in five clients older than a week
    closed or booked. Returns the number of activities."""
    rng = random.Random(seed)
    engine = open_engine(url)
    now = datetime.now(UTC).replace(microsecond=0)
    n_acts = 0
    with write(engine) as conn:
        camp = conn.execute(
            schema.campaign.insert().values(name="Bench", active=True, created_at=now, updated_at=now)
        ).inserted_primary_key[0]  # type: ignore[index]
        rep_ids = bulk.allocate_ids(conn, schema.rep, REPS)
        bulk.insert_rows(
            conn,
            schema.rep,
            ["id", "email", "name", "role", "skills", "territories", "active", "created_at", "updated_at"],
            [
                (r, f"rep{i}@bench.example", f"Rep {i}", "setter", [], [], True, now, now)
                for i, r in enumerate(rep_ids)
            ],
        )
        bulk.insert_rows(
            conn,
            schema.campaign_rep,
            ["campaign_id", "rep_id", "approved_at"],
            [(camp, r, now) for r in rep_ids],
        )
        step = 100_000
        for lo in range(0, n_clients, step):
            ids = bulk.allocate_ids(conn, schema.client, min(step, n_clients - lo))
            captured = {c: now - timedelta(seconds=rng.uniform(600, 60 * 86_400)) for c in ids}
            owner = {c: rep_ids[rng.randrange(REPS)] for c in ids}
            # Clients older than a week have mostly been worked through: closed, booked or nurtured.
            old = ("disqualified", "disqualified", "converted", "appointment", "attempted")
            stage = {
                c: rng.choice(old) if now - captured[c] > timedelta(days=7) else "attempted" for c in ids
            }
            bulk.insert_rows(
                conn,
                schema.client,
                [
                    "id",
                    "campaign_id",
                    "manager_id",
                    "bucket_label",
                    "email",
                    "custom",
                    "created_at",
                    "updated_at",
                    "stage",
                ],
                [
                    (
                        c,
                        camp,
                        owner[c],
                        "web" if c % 3 else "events",
                        f"c{c}@x.com",
                        {},
                        captured[c],
                        now,
                        stage[c],
                    )
                    for c in ids
                ],
            )
            bulk.insert_rows(
                conn,
                schema.assignment,
                ["client_id", "rep_id", "campaign_id", "rule", "reason", "actor", "started_at"],
                [
                    (c, owner[c], camp, "round_robin", {}, "bench", captured[c] + timedelta(seconds=5))
                    for c in ids
                ],
            )
            acts = []
            for c in ids:
                if rng.random() < 0.1:
                    continue  # never contacted: open first-contact SLAs
                t = captured[c] + timedelta(seconds=rng.expovariate(1 / 2400))
                for k in range(max(1, int(rng.gauss(acts_per_client / 0.9, 1.5)))):
                    if t >= now:
                        break
                    call = k == 0 or rng.random() < 0.7
                    outcome = rng.choice(("no_answer", "voicemail", "conversation")) if call else "sent"
                    acts.append(
                        (
                            f"s{c}-{k}",
                            c,
                            owner[c],
                            camp,
                            "call" if call else "email",
                            outcome,
                            t,
                            call,
                            rng.randrange(10, 600) if call else None,
                            "bench",
                            "bench",
                            t,
                        )
                    )
                    t += timedelta(seconds=rng.uniform(3600, 4 * 86_400))
            bulk.insert_rows(conn, schema.activity, ACT_COLS, acts)
            n_acts += len(acts)
        from leadctl.services.work import facts
        from leadctl.storage.sqlfunc import refresh_statistics

        facts.rebuild(conn)  # the activities went in directly: their per-client facts
        refresh_statistics(conn, "client", "activity", "assignment", "rep", "campaign_rep", "client_fact")
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE activity, client, assignment, client_fact")
    engine.dispose()
    return n_acts


def _time(url: str, *args: str) -> tuple[float, str]:
    t = time.perf_counter()
    p = subprocess.run([LEADCTL, "--db", url, *args], capture_output=True, text=True)
    dt = time.perf_counter() - t
    if p.returncode not in (0, 3):  # 3: --fail-on-breach found a breach
        raise RuntimeError(f"leadctl {' '.join(args)}: {p.stderr}")
    lines = p.stderr.strip().splitlines()
    return dt, (lines[-1] if lines else f"{len(p.stdout.splitlines())} lines")


def _label(name: str, args: tuple[str, ...]) -> str:
    """The row's command: ``sla check --rep R``, ``sla check (table)``, ``sla check --escalate``."""
    if "--rep" in args:
        return " ".join(args[:4])
    if name == "sla check" and "--format" not in args:
        return "sla check (table)"
    return f"{name} --escalate" if "--escalate" in args else name


def _limit(url: str) -> float:
    """The practical limit: one aggregate of activities by client, by the driver alone."""
    return driver_query_seconds(
        url,
        "SELECT client_id, count(*), min(at), max(at) FROM activity "
        "WHERE type IN ('call', 'email') GROUP BY client_id",
    )


def fold_cost(url: str, n: int = 100_000) -> tuple[float, float]:
    """(wall s, CPU s) of ``facts.fold`` merging ``n`` just-inserted activities (calls and
    e-mails on existing clients, spread over them) into the stored facts of a populated
    database — what ``activity import`` pays per ``n`` rows on top of inserting them. Runs in
    a transaction that is rolled back: the database is left as it was."""
    from sqlalchemy import func, select

    from leadctl.services.work import facts

    engine = open_engine(url)
    try:
        with engine.connect() as conn, conn.begin() as tx:
            A, C = schema.activity, schema.client
            top = int(conn.execute(select(func.max(A.c.id))).scalar() or 0)
            lo, hi = conn.execute(select(func.min(C.c.id), func.max(C.c.id))).one()
            now = datetime.now(UTC)
            step = max(1, (int(hi) - int(lo)) // n)
            rows = [
                (f"fold-{top}-{i}", int(lo) + (i * step) % (int(hi) - int(lo) + 1), 1,
                 "call" if i % 3 else "email", "conversation" if i % 7 == 0 else "no_answer" if i % 3 else "sent",
                 now, i % 3 != 0, "bench", "bench", now)
                for i in range(n)
            ]  # fmt: skip
            cols = ["activity_key", "client_id", "campaign_id", "type", "outcome", "at", "verified_dial"]
            bulk.insert_rows(conn, A, [*cols, "source", "actor", "created_at"], rows)
            ids = list(conn.execute(select(A.c.id).where(A.c.id > top)).scalars())
            t, cpu = time.perf_counter(), time.process_time()
            facts.fold(conn, ids)
            wall, cpu = time.perf_counter() - t, time.process_time() - cpu
            tx.rollback()
    finally:
        engine.dispose()
    return wall, cpu


def driver_query_seconds(url: str, sql: str) -> float:
    """Seconds the database's own driver takes to run ``sql`` to the end (no leadctl, no
    SQLAlchemy): the practical limit the metric benchmarks print beside leadctl's figures."""
    t = time.perf_counter()
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        conn.execute(f"SELECT count(*) FROM ({sql})").fetchone()
        conn.close()
    else:
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as pg:
            pg.execute(f"SELECT count(*) FROM ({sql}) s").fetchone()
    return time.perf_counter() - t


def run(ns: list[int], pg: str | None) -> list[dict[str, Any]]:
    tmp = Path(tempfile.mkdtemp(prefix="leadctl-bench-sla-"))
    out: list[dict[str, Any]] = []
    try:
        for backend in ("sqlite", "postgresql"):
            if backend == "postgresql" and not pg:
                continue
            for n in ns:
                if backend == "sqlite":
                    url, drop = f"sqlite:///{tmp / f'sla-{uuid.uuid4().hex[:6]}.db'}", (lambda: None)
                else:
                    from benchmarks.load import _pg_database

                    url, drop = _pg_database(pg)  # type: ignore[arg-type]
                try:
                    t0 = time.perf_counter()
                    n_acts = populate(url, n)
                    setup = time.perf_counter() - t0
                    _time(url, "sla", "check", "--format", "jsonl")  # warm the cache once
                    start, _ = _time(url, "sla", "--help")
                    limit = _limit(url)
                    for name, args in (
                        ("sla check", ("sla", "check", "--format", "jsonl")),
                        ("sla check", ("sla", "check")),  # a table: the 50 most overdue, all counted
                        ("sla check", ("sla", "check", "--rep", "rep7@bench.example", "--format", "jsonl")),
                        ("metrics speed", ("metrics", "speed", "--by", "rep", "--format", "json")),
                        ("metrics sla", ("metrics", "sla", "--by", "rep", "--format", "json")),
                        # last: they write (escalations, events, reassignments); first run, then cron again
                        ("sla check", ("sla", "check", "--escalate", "--format", "jsonl")),
                        ("sla check", ("sla", "check", "--escalate", "--format", "jsonl")),
                    ):
                        secs, note = _time(url, *args)
                        out.append(
                            {
                                "backend": backend,
                                "clients": n,
                                "activities": n_acts,
                                "command": _label(name, args),
                                "seconds": f"{secs:.2f}",
                                "beyond start-up": f"{secs - start:.2f}",
                                "target": f"≤ {TARGETS[name]:g} s",
                                "limit (one aggregate, driver alone)": f"{limit:.2f}",
                                "note": note[:60],
                                "setup_s": f"{setup:.0f}",
                            }
                        )
                finally:
                    drop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def escalate_cycle(url: str, at: datetime | None = None) -> list[dict[str, Any]]:
    """The cron cycle of ``sla check --escalate`` on an existing database (a copy: it writes):
    the first run, the re-run 5 minutes later, and next to it the plain ``sla check`` (the
    50 most overdue, what the re-run should cost), in this process at fixed moments; CPU is
    user+sys of this process (on PostgreSQL the server's is not in it)."""
    import resource

    from leadctl.rules import load_rules
    from leadctl.services.work import sla

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    first = at or datetime.now(UTC).replace(microsecond=0)
    engine, rules = open_engine(url), load_rules(None)
    out: list[dict[str, Any]] = []
    for label, when, escalate in (
        ("sla check --escalate (first run)", first, True),
        ("sla check --escalate (re-run +5 min)", first + timedelta(minutes=5), True),
        ("sla check (table, peer) +5 min", first + timedelta(minutes=5), False),
    ):
        c, t = cpu(), time.perf_counter()
        res = sla.check(engine, rules, at=when, escalate=escalate, limit=50)
        out.append(
            {
                "command": label,
                "CPU s": f"{cpu() - c:.1f}",
                "wall s": f"{time.perf_counter() - t:.1f}",
                "fired": res.fired,
                "reassigned": res.reassigned,
                "breached": res.breached,
                "load": Path("/proc/loadavg").read_text().split()[0],
            }
        )
    engine.dispose()
    return out


if __name__ == "__main__":  # python -m benchmarks.sla --escalate-cycle URL (a copy of a 1M database)
    if sys.argv[1:2] == ["--escalate-cycle"] and len(sys.argv) == 3:
        from tabulate import tabulate

        print(tabulate(escalate_cycle(sys.argv[2]), headers="keys"))
    else:
        sys.exit("usage: python -m benchmarks.sla --escalate-cycle URL")
