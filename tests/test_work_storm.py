"""A storm of the commands that work the book, as real processes at once against one SQLite
file and against PostgreSQL: cron's `assign` and `sla check --escalate`, support's `topup` and
`reassign`, dialers' `next`, reps' `activity log`, two `activity import` files touching the same
clients, `score --refresh` and the metric readers.

Every command must finish on its own terms — exit 0, or `next`'s documented exit 1 "nothing to
call now" — never a deadlock victim; afterwards no client has two active reps or
two leases, and no activity is lost: the table holds every imported and every logged row."""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from leadctl.storage import schema
from leadctl.storage.engine import open_engine
from tests.services.assign_factory import World
from tests.services.queue_factory import ALWAYS

LEADCTL = str(Path(sys.executable).with_name("leadctl"))
REPS = ("r1", "r2", "r3", "r4")


def _start(db_url: str, rules: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [LEADCTL, "--db", db_url, "--rules", str(rules), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # twenty processes on a small machine: a writer may queue for its turn longer than the
        # default minute, which is not what this storm is about (tests/storage/test_busy.py is).
        # Two minutes, not more: the test reads each process's output in turn, so a command that
        # printed while holding the write lock stalls the rest (a real bug, once: sla check
        # --escalate) and must fail in minutes, not after CI's whole budget.
        env={**os.environ, "LEADCTL_ACTOR": "storm", "LEADCTL_BUSY_TIMEOUT_MS": "120000"},
    )


def _import_file(path: Path, clients: list[int], reps: dict[int, str], seed: int, n: int) -> None:
    rng = random.Random(seed)
    start = datetime.now(UTC) - timedelta(days=3)
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["activity_id", "at", "rep", "client_id", "type", "outcome"])
        for i in range(n):
            cid = rng.choice(clients)
            at = start + timedelta(minutes=rng.randint(0, 60 * 48))
            kind, outcome = rng.choice([("call", "no_answer"), ("call", "conversation"), ("email", "sent")])
            out.writerow([f"s{seed}-{i}", at.isoformat(), reps[cid], cid, kind, outcome])


def test_every_work_command_at_once(db_url: str, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        ALWAYS + "queue:\n  lease_seconds: 600\n"
        "routing:\n  models: [round_robin, pool]\n"
        "assignment:\n  shared_pool_share: 0\n  default_capacity: 5000\n  wait_seconds: 120\n",
        encoding="utf-8",
    )
    w = World(open_engine(db_url))
    w.add_campaign("C")
    for key in REPS:
        w.add_rep(key, campaigns=["C"])
    w.add_clients("C", 600)
    first = _start(db_url, rules, "assign", "--campaign", "C", "--seed", "1")
    assert first.communicate(timeout=600)[0] is not None and first.returncode == 0
    with w.engine.connect() as conn:
        A = schema.assignment
        owner = dict(conn.execute(select(A.c.client_id, A.c.rep_id).where(A.c.ended_at.is_(None))).all())
    email = {rid: f"{key}@example.com" for key, rid in w.rep.items()}
    reps = {cid: email[rid] for cid, rid in owner.items()}
    files = []
    for seed in (1, 2):  # each over the inline-rescore limit: the import drops those clients' scores
        path = tmp_path / f"dialer-{seed}.csv"
        _import_file(path, list(reps), reps, seed, 1500)
        files.append(path)
    logged = random.Random(3).sample(sorted(reps), 6)
    jobs = [
        ("import", ("activity", "import", str(files[0]), "--format", "json")),
        ("next", ("next", "--rep", "r1@example.com", "--format", "json")),
        ("next", ("next", "--rep", "r2@example.com", "--format", "json")),
        ("escalate", ("sla", "check", "--escalate", "--format", "json")),
        ("import", ("activity", "import", str(files[1]), "--format", "json")),
        ("assign", ("assign", "--campaign", "C")),
        ("next", ("next", "--rep", "r3@example.com", "--format", "json")),
        ("score", ("score", "--refresh")),
        ("topup", ("topup", "--rep", "r4@example.com", "--campaign", "C", "--target", "200")),
        ("next", ("next", "--rep", "r1@example.com", "--format", "json")),
        ("metrics", ("metrics", "reps", "--format", "json")),
        ("reassign", ("reassign", "--to", "r1@example.com", "--from", "r2@example.com")),
        ("next", ("next", "--rep", "r4@example.com", "--format", "json")),
        ("metrics", ("metrics", "speed", "--format", "json")),
    ]
    jobs += [
        (
            "log",
            (
                "activity",
                "log",
                "--client",
                str(c),
                "--rep",
                reps[c],
                "--type",
                "call",
                "--outcome",
                "no_answer",
            ),
        )
        for c in logged
    ]
    procs = [(kind, args, _start(db_url, rules, *args)) for kind, args in jobs]
    imported = 0
    claimed: list[int] = []
    for kind, args, p in procs:
        out, err = p.communicate(timeout=900)
        if kind == "next" and p.returncode == 1:
            assert "nothing to call now" in err, f"{args}: {err}"
            continue
        assert p.returncode == 0, f"{args}: {err}"
        if kind == "import":
            imported += int(json.loads(out)["imported"])
        if kind == "next":
            claimed.append(int(json.loads(out)["client_id"]))

    A, ACT, LE = schema.assignment, schema.activity, schema.client_lease
    with w.engine.connect() as conn:
        doubles = conn.execute(
            select(A.c.client_id)
            .where(A.c.ended_at.is_(None))
            .group_by(A.c.client_id)
            .having(func.count() > 1)
        ).all()
        assert doubles == []
        assert conn.execute(select(func.count()).select_from(ACT)).scalar_one() == imported + len(logged)
        leased = conn.execute(select(LE.c.client_id)).scalars().all()
    assert len(set(claimed)) == len(claimed) and set(claimed) <= set(leased)
    assert imported > 2000  # the two files' rows, minus any a reassignment made another rep's
