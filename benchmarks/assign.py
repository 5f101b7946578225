"""Assignment at scale: N clients in one campaign, 200 reps, 10 activities per client.

Times the real ``leadctl`` console script (start-up included): a full ``assign``, a ``topup``
for one rep, and ``assign --dry-run --explain --rep R`` (the one-rep explanation), on SQLite
and PostgreSQL. Targets at 100,000 clients: assign ≤ 5 s, topup ≤ 1 s, explain ≤ 1 s.

    python -m benchmarks --only assign [--n 10000 --n 100000 --n 1000000] [--pg URL]

``LEADCTL_BENCH_CACHE=DIR`` keeps each populated input (a SQLite file in DIR, a PostgreSQL
template database) so repeated and before/after runs use the same data (1M clients take
~30 min to populate on a loaded machine); ``LEADCTL_BENCH_BACKENDS=sqlite`` (or
``postgresql``) runs one backend. Drop the ``leadctl_bench_assign_*`` templates afterwards.

Measured 2026-12-03 on the shared 2-core machine (load 9–19; CPU s = leadctl + PostgreSQL
backend; before = main at 0015, after = this branch at 0018, back to back on the same input):
100k clients, SQLite: assign 2.87 → 2.37, topup 0.98 → 0.63, explain one rep 1.57 → 1.04;
PostgreSQL: assign 5.09 → 4.68 (server 3.68 → 3.37, mostly per-row foreign-key checks),
topup 1.64 → 0.89, explain 1.58 → 1.15. 1M clients, SQLite: assign 14.5 → 12.1, explain
9.7 → 6.0; PostgreSQL: assign 23.6 → 18.7, explain 10.1 → 5.8 (README has the table).

Branch assign-explain, measured 2026-12-03 (load 13–16 — CPU seconds inflate ~1.3× against
load 8; before = main e0e75fa, after = the branch, alternating back to back on one cached
input, median of 2–3; topup is ``--dry-run`` on the fresh input): explain one rep, 100k
SQLite 1.21 → 0.77, PostgreSQL 1.36 → 0.95 (at load 8.5: 0.92 → 0.72 and 1.15 → 0.80);
10k SQLite 0.74 → 0.64, PostgreSQL 0.86 → 0.84 (start-up bound). Explain at 1M (a copy of
the shared metrics 1M database with 80 % of its assignments ended: 850,000 candidates, 200k
terminal, ~10k in cooldown; load 16): SQLite 11.3 → 4.7, PostgreSQL 10.35 → 3.9. assign 100k
PostgreSQL 5.70 → 5.17 (server 4.11 → 4.02), SQLite 2.77 → 2.22; 10k assign SQLite 0.79 →
0.76, PostgreSQL 1.39 → 1.30; topup unchanged (10k SQLite 0.71 → 0.68, 100k PG 0.92 → 0.89).
What explain spent on things it does not print: a dict entry and a NewAssignment per handed
out client, a Python loop per candidate, cyclic GC walking the ~million live rows (the part
that grew faster than the clients), and on SQLite at 1M a correlated NOT EXISTS probing the
assignment index per client (2.9 s → 0.4 s as NOT IN) and a cooldown query that scanned the
whole activity-by-client index (0.6 → 0.1 s). Still paid, by design: all candidate ids and
the seeded shuffle (the one rep's clients depend on every other rep's quota), the ranking.

Each size is shown next to the practical limit (a raw bulk insert of the assignment rows and
``assigned`` events that size needs) and the peer a user would pick (one plain SQL
``INSERT … SELECT`` handing clients out round-robin), measured in the same run. Wall seconds
count other processes' load on a shared machine; the CPU seconds of the leadctl process do not,
nor do those of its PostgreSQL backend ("server", sampled from /proc: the server runs here;
0 on SQLite, where the database work is the leadctl process's own CPU).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import exists, func, select

from leadctl.services.assign import rollup
from leadctl.storage import bulk, schema
from leadctl.storage.engine import open_engine, write
from leadctl.vocab import OUTCOMES_BY_TYPE, ActivityType, AssignmentRule, EventKind, Stage

LEADCTL = str(Path(sys.executable).with_name("leadctl"))
REPS = 200
RULES = "assignment:\n  default_capacity: 2000\n  max_per_rep_per_run: 0\n"


P = 2_147_483_647  # a prime: the pseudo-random streams below live modulo it


def _stream(k: int, seed: int, i: str = "i") -> str:
    """SQL for a reproducible pseudo-random integer in 0..P-1 from the row number ``i``: stream
    ``k`` of ``seed`` (a linear step squared modulo P, so fields are not lattice-correlated)."""
    a, b = (48_271, 69_621, 16_807, 39_373, 62_089, 40_692)[k], 7_919 * (seed + 1) + 104_729 * k
    x = f"((({i} + 1) * {a} + {b}) % {P})"
    return f"(({x} * {x}) % {P})"


def _series(dialect: str, n: int) -> str:
    """A FROM clause giving ``i`` = 0..n-1."""
    if dialect == "postgresql":
        return f"generate_series(0::bigint, {int(n) - 1}) AS s(i)"
    return f"(WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {int(n) - 1}) SELECT i FROM s) AS s"


def populate(url: str, n_clients: int, n_reps: int = REPS, acts_per_client: int = 10, seed: int = 1) -> None:
    """One campaign ("Bench") of ``n_clients`` clients, ``n_reps`` reps (every 4th also on
    "Other"), ``acts_per_client`` × ``n_clients`` activities over the last 40 days (half the
    reps stopped two weeks ago: top-up donors), and a fifth of the clients held by those reps.

    Set-based: clients, activities and assignments are generated by ``INSERT … SELECT`` over a
    series inside the database (no Python loop per row), with reproducible pseudo-random
    fields for ``seed``; the activity indexes are dropped for the insert and built after (a
    sort instead of 10 million random index inserts). 1M clients / 10M activities fit this way.
    """
    engine = open_engine(url)
    now = datetime.now(UTC)
    n_acts = n_clients * acts_per_client
    with write(engine) as conn:
        dialect = conn.dialect.name

        def execute(sql: str) -> None:  # psycopg reads % as a placeholder
            t = time.perf_counter()
            conn.exec_driver_sql(sql.replace("%", "%%") if dialect == "postgresql" else sql)
            print(f"  populate: {sql[:40]}… {time.perf_counter() - t:.1f}s", file=sys.stderr)

        camp = conn.execute(
            schema.campaign.insert().values(name="Bench", active=True, created_at=now, updated_at=now)
        ).inserted_primary_key[0]  # type: ignore[index]
        other = conn.execute(
            schema.campaign.insert().values(name="Other", active=True, created_at=now, updated_at=now)
        ).inserted_primary_key[0]  # type: ignore[index]
        rep_ids = bulk.allocate_ids(conn, schema.rep, n_reps)
        assert rep_ids == list(range(rep_ids[0], rep_ids[0] + n_reps)), "a fresh database is expected"
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
            [(camp, r, now) for r in rep_ids] + [(other, r, now) for r in rep_ids[::4]],
        )
        c0 = bulk.allocate_ids(conn, schema.client, 1)[0]
        if dialect == "postgresql":
            ts = "'" + now.isoformat() + "'::timestamptz"
            seq = conn.exec_driver_sql("SELECT pg_get_serial_sequence('client', 'id')").scalar_one()
            conn.exec_driver_sql(f"SELECT setval('{seq}', {c0 + n_clients})")

            def at_expr(days: str) -> str:
                return f"({ts} - ({days})::float8 * interval '1 day')"

            true, false, empty = "true", "false", "'{}'"
            key = "'a' || lpad(i::text, 12, '0')"
        else:
            ts = "'" + bulk.sqlite_datetime(now) + "'"

            def at_expr(days: str) -> str:
                return f"(strftime('%Y-%m-%d %H:%M:%S', julianday({ts}) - ({days})) || '.000000')"

            true, false, empty = "1", "0", "'{}'"
            key = "printf('a%012d', i)"
        execute(
            "INSERT INTO client (id, campaign_id, first_name, last_name, email, country, custom, stage, "
            "created_at, updated_at) "
            f"SELECT {c0} + i, {camp}, 'F', 'L', 'c' || ({c0} + i) || '@x' || (({c0} + i) % 997) || '.com', "
            f"'US', {empty}, '{Stage.UNTOUCHED.value}', {ts}, {ts} FROM {_series(dialect, n_clients)}"
        )
        # Activities: type by weight (6 call, 2 email, 1 meeting, 1 disposition), an outcome
        # fitting it, one in ten on the other campaign; reps with odd index went quiet 14 days ago.
        types = (
            [ActivityType.CALL] * 6
            + [ActivityType.EMAIL] * 2
            + [ActivityType.MEETING, ActivityType.DISPOSITION]
        )
        # Each pseudo-random stream is computed once per row, in a materialised CTE.
        type_sql = "CASE p " + " ".join(f"WHEN {k} THEN '{t.value}'" for k, t in enumerate(types)) + " END"
        outcome_cases = []
        for k, t in enumerate(types):
            outs = [o.value for o in OUTCOMES_BY_TYPE[t]]
            inner = " ".join(f"WHEN {j} THEN '{o}'" for j, o in enumerate(outs))
            outcome_cases.append(f"WHEN {k} THEN CASE o % {len(outs)} {inner} END")
        outcome_sql = "CASE p " + " ".join(outcome_cases) + " END"
        age = "CASE WHEN rk % 2 = 1 THEN 14 + 26 * f ELSE 0.2 + 29.8 * f END"
        streams = (
            f"WITH r AS MATERIALIZED (SELECT i, {_stream(0, seed)} % {n_clients} AS cl, "
            f"{_stream(1, seed)} % {n_reps} AS rk, {_stream(2, seed)} % 10 AS p, {_stream(3, seed)} AS o, "
            f"({_stream(4, seed)} % 1000000) / 1000000.0 AS f, {_stream(5, seed)} % 590 AS d "
            f"FROM {_series(dialect, n_acts)}) "
        )
        indexes = list(schema.activity.indexes)
        for idx in indexes:
            idx.drop(conn)
        execute(
            "INSERT INTO activity (activity_key, client_id, rep_id, campaign_id, type, outcome, at, "
            "verified_dial, duration_s, source, actor, created_at) "
            f"{streams}SELECT {key}, {c0} + cl, {rep_ids[0]} + rk, "
            f"CASE WHEN i % 10 = 0 THEN {other} ELSE {camp} END, {type_sql}, {outcome_sql}, {at_expr(age)}, "
            f"CASE WHEN p < 6 THEN {true} ELSE {false} END, CASE WHEN p < 6 THEN 10 + d END, "
            f"'bench', 'bench', {ts} FROM r"
        )
        t_idx = time.perf_counter()
        for idx in indexes:
            idx.create(conn)
        print(f"  populate: activity indexes {time.perf_counter() - t_idx:.1f}s", file=sys.stderr)
        t_roll = time.perf_counter()
        rollup.rebuild(conn)  # what activity import / log maintain row by row
        print(f"  populate: activity rollup {time.perf_counter() - t_roll:.1f}s", file=sys.stderr)
        # Give the inactive (odd) reps a fifth of the clients, so a top-up has donors.
        half = max(n_reps // 2, 1)
        execute(
            "INSERT INTO assignment (client_id, rep_id, campaign_id, rule, reason, actor, started_at) "
            f"SELECT {c0} + i, {rep_ids[0]} + (i % {half}) * 2 + 1, {camp}, '{AssignmentRule.RANK.value}', {empty}, "
            f"'bench', {ts} "
            f"FROM {_series(dialect, n_clients // 5)}"
        )
        from leadctl.storage.sqlfunc import refresh_statistics

        refresh_statistics(conn, "client", "activity", "assignment", "rep", "campaign_rep")
    engine.dispose()


class _ServerCPU(threading.Thread):
    """CPU seconds of the PostgreSQL backends serving the database of ``url`` and their parallel
    workers (sampled from /proc every 20 ms while a command runs; the server runs on this
    machine; up to the last 20 ms of each process are missed). 0 when not PostgreSQL."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        from sqlalchemy.engine import make_url

        u = make_url(url)  # a client backend's title: "postgres: [CLUSTER: ]USER DATABASE HOST(PORT) …"
        self.name = f" {u.username} {u.database} " if u.get_backend_name() == "postgresql" else ""
        self.seen: dict[int, float] = {}
        self.backends: set[int] = set()
        self.done = threading.Event()
        self.tick = os.sysconf("SC_CLK_TCK")

    def run(self) -> None:
        while self.name and not self.done.is_set():
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        cmd = f.read().decode(errors="replace")
                    if not cmd.startswith("postgres:") or "autovacuum" in cmd:
                        continue
                    mine = self.name in cmd  # the backend, or one of its parallel workers
                    if not mine and not any(f"parallel worker for PID {b}" in cmd for b in self.backends):
                        continue
                    if mine:
                        self.backends.add(int(pid))
                    with open(f"/proc/{pid}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                self.seen[int(pid)] = (int(fields[11]) + int(fields[12])) / self.tick
            self.done.wait(0.02)

    def seconds(self) -> float:
        self.done.set()
        self.join()
        return sum(self.seen.values())


def _time(url: str, rules: Path, *args: str) -> tuple[float, float, float]:
    """Wall and CPU seconds (user + system of the leadctl process; and of its PostgreSQL
    backend, 0 on SQLite) of one command."""
    watch = _ServerCPU(url)
    watch.start()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run([LEADCTL, "--db", url, "--rules", str(rules), *args], capture_output=True, text=True)
    dt = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server = watch.seconds()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode != 0:
        raise RuntimeError(f"leadctl {' '.join(args)}: {p.stderr}")
    return dt, cpu, server


def _rolled_back(url: str, work: Any) -> float:
    """Seconds ``work(conn)`` takes in a write transaction that is then rolled back."""
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(leadctl_write=True)
            tx = conn.begin()
            t = time.perf_counter()
            work(conn)
            seconds = time.perf_counter() - t
            tx.rollback()
        return seconds
    finally:
        engine.dispose()


def _unassigned(conn: Any) -> list[int]:
    a, c = schema.assignment, schema.client
    free = ~exists().where(a.c.client_id == c.c.id, a.c.ended_at.is_(None))
    camp = select(schema.campaign.c.id).where(schema.campaign.c.name == "Bench").scalar_subquery()
    return list(conn.execute(select(c.c.id).where(c.c.campaign_id == camp, free).order_by(c.c.id)).scalars())


def practical_limit(url: str, share: float) -> float:
    """What any assign must write, alone: the assignment rows and ``assigned`` events of the
    clients it hands out (the unassigned minus the shared pool), by a raw bulk insert."""

    def work(conn: Any) -> None:
        from leadctl.services.assign.ledger import COLUMNS

        ids = _unassigned(conn)
        ids = ids[round(len(ids) * share) :]
        reps = list(conn.execute(select(schema.rep.c.id)).scalars())
        camp = conn.execute(
            select(schema.campaign.c.id).where(schema.campaign.c.name == "Bench")
        ).scalar_one()
        at = datetime.now(UTC)
        reason = bulk.JSONText('{"rank": 1, "score": 0.5}')
        bulk.insert_rows(
            conn,
            schema.assignment,
            COLUMNS,
            [
                (c, reps[k % len(reps)], camp, AssignmentRule.RANK.value, reason, None, "b", at)
                for k, c in enumerate(ids)
            ],
        )
        bulk.insert_rows(
            conn,
            schema.lead_event,
            ("lead_id", "client_id", "at", "kind", "actor", "data"),
            [(None, c, at, EventKind.ASSIGNED.value, "b", reason) for c in ids],
        )

    return _rolled_back(url, work)


def sql_peer(url: str, share: float) -> float:
    """The peer a user would pick: one plain SQL ``INSERT … SELECT`` handing the unassigned
    clients (minus a pool share) round-robin to the approved reps by client id — no ranking,
    no capacity, no cooldown, no explanation, no timeline, no manager columns."""

    def work(conn: Any) -> None:
        dialect = conn.dialect.name
        json_empty = "'{}'"
        now_sql = "CURRENT_TIMESTAMP"
        n_reps = conn.execute(select(func.count()).select_from(schema.rep)).scalar_one()
        r0 = conn.execute(select(func.min(schema.rep.c.id))).scalar_one()
        total = len(_unassigned(conn))
        skip = round(total * share)
        sql = (
            "INSERT INTO assignment (client_id, rep_id, campaign_id, rule, reason, actor, started_at) "
            f"SELECT c.id, {r0} + (c.id % {n_reps}), c.campaign_id, '{AssignmentRule.RANK.value}', {json_empty}, "
            f"'peer', {now_sql} FROM client c JOIN campaign k ON k.id = c.campaign_id AND k.name = 'Bench' "
            "WHERE NOT EXISTS (SELECT 1 FROM assignment a WHERE a.client_id = c.id AND a.ended_at IS NULL) "
            f"ORDER BY c.id LIMIT {total - skip} OFFSET {skip}"
        )
        if dialect == "postgresql":
            sql = sql.replace("%", "%%")
        conn.exec_driver_sql(sql)

    return _rolled_back(url, work)


def _vacuum(url: str) -> None:
    """PostgreSQL: VACUUM the tables the rolled-back measurements wrote to (SQLite: nothing)."""
    engine = open_engine(url)
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE assignment, lead_event")
    finally:
        engine.dispose()


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


BACKENDS = os.environ.get("LEADCTL_BENCH_BACKENDS", "sqlite,postgresql").split(",")  # e.g. only one


def _input(backend: str, n: int, tmp: Path, pg: str | None) -> tuple[str, Any, float]:
    """A populated database of ``n`` clients: (url, drop, seconds to build or copy); see
    :mod:`benchmarks.cached_db` (``LEADCTL_BENCH_CACHE``)."""
    from benchmarks.cached_db import database

    return database("assign", populate, backend, n, tmp, pg)


def run(ns: list[int], pg: str | None, pg_max: int = 1_000_000) -> list[dict[str, Any]]:
    """One row per backend and size: leadctl's wall and CPU seconds next to the practical limit
    (raw bulk insert of what assign writes) and the SQL peer, with the load average. PostgreSQL
    runs sizes up to ``pg_max`` clients."""
    import compileall

    import leadctl

    compileall.compile_dir(Path(leadctl.__file__).parent, quiet=1)  # as installed: no first-run compile
    tmp = Path(tempfile.mkdtemp(prefix="leadctl-bench-assign-"))
    rules = tmp / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    out: list[dict[str, Any]] = []
    share = 0.1  # assignment.shared_pool_share by default
    try:
        for backend in BACKENDS:
            if backend == "postgresql" and not pg:
                continue
            for n in ns:
                if backend == "postgresql" and n > pg_max:
                    continue
                url, drop, setup = _input(backend, n, tmp, pg)
                try:
                    limit = practical_limit(url, share)
                    peer = sql_peer(url, share)
                    _vacuum(url)  # the two rolled-back inserts leave no dead rows for leadctl to step over
                    a, a_cpu, a_srv = _time(
                        url, rules, "assign", "--campaign", "Bench", "--seed", "1", "--format", "json"
                    )
                    tp, tp_cpu, tp_srv = _time(
                        url,
                        rules,
                        "topup",
                        "--rep",
                        "rep0@bench.example",
                        "--campaign",
                        "Bench",
                        "--format",
                        "json",
                    )
                    ex, ex_cpu, ex_srv = _time(
                        url,
                        rules,
                        "assign",
                        "--campaign",
                        "Bench",
                        "--dry-run",
                        "--explain",
                        "--rep",
                        "rep0@bench.example",
                        "--format",
                        "json",
                    )
                    out.append(
                        {
                            "backend": backend,
                            "clients": f"{n:,}",
                            "reps": REPS,
                            "activities": f"{n * 10:,}",
                            "setup_s": f"{setup:.1f}",
                            "assign_s (cpu+server)": f"{a:.2f} ({a_cpu:.2f}+{a_srv:.2f})",
                            "limit: raw insert_s": f"{limit:.2f}",
                            "peer: SQL round robin_s": f"{peer:.2f}",
                            "topup_s (cpu+server)": f"{tp:.2f} ({tp_cpu:.2f}+{tp_srv:.2f})",
                            "explain_rep_s (cpu+server)": f"{ex:.2f} ({ex_cpu:.2f}+{ex_srv:.2f})",
                            "load": _load(),
                        }
                    )
                    print(out[-1], file=sys.stderr)
                finally:
                    drop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out
