"""Assignment at scale: N clients in one campaign, 200 reps, 10 activities per client.

Times the real ``leadctl`` console script (start-up included): a full ``assign``, a ``topup``
for one rep, and ``assign --dry-run --explain --rep R`` (the one-rep explanation), on SQLite
and PostgreSQL. Targets at 100,000 clients: assign ≤ 5 s, topup ≤ 1 s, explain ≤ 1 s.

    python -m benchmarks --only assign [--n 10000 --n 100000] [--pg URL]
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
from leadctl.vocab import OUTCOMES_BY_TYPE, ActivityType

LEADCTL = str(Path(sys.executable).with_name("leadctl"))
REPS = 200
RULES = "assignment:\n  default_capacity: 2000\n  max_per_rep_per_run: 0\n"


def populate(url: str, n_clients: int, n_reps: int = REPS, acts_per_client: int = 10, seed: int = 1) -> None:
    rng = random.Random(seed)
    engine = open_engine(url)
    now = datetime.now(UTC)
    with write(engine) as conn:
        camp = conn.execute(
            schema.campaign.insert().values(name="Bench", active=True, created_at=now, updated_at=now)
        ).inserted_primary_key[0]  # type: ignore[index]
        other = conn.execute(
            schema.campaign.insert().values(name="Other", active=True, created_at=now, updated_at=now)
        ).inserted_primary_key[0]  # type: ignore[index]
        rep_ids = bulk.allocate_ids(conn, schema.rep, n_reps)
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
        client_ids = bulk.allocate_ids(conn, schema.client, n_clients)
        bulk.insert_rows(
            conn,
            schema.client,
            [
                "id",
                "campaign_id",
                "first_name",
                "last_name",
                "email",
                "country",
                "custom",
                "created_at",
                "updated_at",
            ],
            [(c, camp, "F", "L", f"c{c}@x{c % 997}.com", "US", {}, now, now) for c in client_ids],
        )
        types = (
            [ActivityType.CALL] * 6
            + [ActivityType.EMAIL] * 2
            + [ActivityType.MEETING, ActivityType.DISPOSITION]
        )
        # Half the reps stopped working two weeks ago (top-up donors); the rest are active.
        rows = []
        n_acts = n_clients * acts_per_client
        for i in range(n_acts):
            rep_i = rng.randrange(n_reps)
            t = types[rng.randrange(len(types))]
            age = rng.uniform(14, 40) if rep_i % 2 else rng.uniform(0.2, 30)
            rows.append(
                (
                    f"a{i}",
                    client_ids[rng.randrange(n_clients)],
                    rep_ids[rep_i],
                    other if i % 10 == 0 else camp,
                    t.value,
                    rng.choice(OUTCOMES_BY_TYPE[t]).value,
                    now - timedelta(days=age),
                    t is ActivityType.CALL,
                    rng.randrange(10, 600) if t is ActivityType.CALL else None,
                    "bench",
                    "bench",
                    now,
                )
            )
        bulk.insert_rows(
            conn,
            schema.activity,
            [
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
            ],
            rows,
        )
        # Give the inactive reps some clients (so a top-up has donors).
        starts = [
            (c, rep_ids[(k % (n_reps // 2)) * 2 + 1], camp, "rank", {}, None, "bench", now)
            for k, c in enumerate(client_ids[: n_clients // 5])
        ]
        bulk.insert_rows(
            conn,
            schema.assignment,
            list(__import__("leadctl.services.assign.ledger", fromlist=["COLUMNS"]).COLUMNS),
            starts,
        )
        conn.execute(
            schema.client.update()
            .where(
                schema.client.c.id.in_(
                    schema.assignment.select()
                    .with_only_columns(schema.assignment.c.client_id)
                    .scalar_subquery()
                )
            )
            .values(manager_id=None)
        )
        from leadctl.storage.sqlfunc import refresh_statistics

        refresh_statistics(conn, "client", "activity", "assignment", "rep", "campaign_rep")
    engine.dispose()


def _time(url: str, rules: Path, *args: str) -> tuple[float, str]:
    t = time.perf_counter()
    p = subprocess.run([LEADCTL, "--db", url, "--rules", str(rules), *args], capture_output=True, text=True)
    dt = time.perf_counter() - t
    if p.returncode != 0:
        raise RuntimeError(f"leadctl {' '.join(args)}: {p.stderr}")
    return dt, p.stderr.strip().splitlines()[0] if p.stderr.strip() else ""


def run(ns: list[int], pg: str | None) -> list[dict[str, Any]]:
    tmp = Path(tempfile.mkdtemp(prefix="leadctl-bench-assign-"))
    rules = tmp / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    out: list[dict[str, Any]] = []
    try:
        for backend in ("sqlite", "postgresql"):
            if backend == "postgresql" and not pg:
                continue
            for n in ns:
                if backend == "sqlite":
                    url, drop = f"sqlite:///{tmp / f'assign-{uuid.uuid4().hex[:6]}.db'}", (lambda: None)
                else:
                    from benchmarks.load import _pg_database

                    url, drop = _pg_database(pg)  # type: ignore[arg-type]
                try:
                    t0 = time.perf_counter()
                    populate(url, n)
                    setup = time.perf_counter() - t0
                    a, msg = _time(
                        url, rules, "assign", "--campaign", "Bench", "--seed", "1", "--format", "json"
                    )
                    tp, _ = _time(
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
                    ex, _ = _time(
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
                            "assign_s": f"{a:.2f}",
                            "topup_s": f"{tp:.2f}",
                            "explain_rep_s": f"{ex:.2f}",
                        }
                    )
                    print(out[-1], file=sys.stderr)
                finally:
                    drop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out
