"""Real processes rescoring overlapping clients at once — what several `leadctl next` sessions
(each healing the rows its queue read without a stored score) and activity imports (dropping the
rows of the clients they touched) do — against one SQLite file and against PostgreSQL: no
transaction is ever picked as a deadlock victim, and every row left is current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from leadctl.rules import load_rules
from leadctl.services.work import score_store
from leadctl.storage import schema
from leadctl.storage.engine import open_engine
from tests.services.queue_factory import world

ROOT = Path(__file__).resolve().parents[1]
WORKER = """
import random, sys
from leadctl.rules import load_rules
from leadctl.services.work import score_store
from leadctl.storage.engine import open_engine, write
url, seed, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
engine, rules, rng = open_engine(url), load_rules(None), random.Random(seed)
ids = list(range(1, n + 1))
score_store.REFRESH_INLINE = 10  # an import of more clients than this drops their rows
for _ in range(40):
    with write(engine) as conn:
        if rng.random() < 0.3:
            score_store.activities_added(conn, rules, rng.sample(ids, n // 3))
        else:
            score_store.refresh(conn, rules, rng.sample(ids, 2 * n // 3))
"""


def test_concurrent_rescoring_never_deadlocks(db_url: str) -> None:
    w = world(open_engine(db_url))
    n = 180
    ids = [w.client("ana" if i % 2 else None) for i in range(n)]
    assert ids == list(range(1, n + 1))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, db_url, str(seed), str(n)],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in range(6)
    ]
    errors = [err.strip()[-600:] for p in procs if (err := p.communicate(timeout=600)[1]) and p.returncode]
    assert not errors, errors
    rules = load_rules(None)
    S, C = schema.client_score, schema.client
    with w.engine.connect() as conn:
        rows = conn.execute(select(S.c.client_id).join(C, C.c.id == S.c.client_id).where(
            S.c.rules == score_store.fingerprint(rules), S.c.client_updated_at == C.c.updated_at
        )).scalars().all()  # fmt: skip
        stored = conn.execute(select(S.c.client_id)).scalars().all()
    assert sorted(rows) == sorted(stored)  # every row left is current (stamped with its client)
