"""Sixteen real `leadctl next` processes at once — two reps, several sessions of each, sharing a
pool — against one SQLite file and against PostgreSQL: no client is ever handed out twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from leadctl.storage import schema
from leadctl.storage.engine import open_engine
from leadctl.vocab import EventKind
from tests.services.queue_factory import ALWAYS, world

LEADCTL = str(Path(sys.executable).with_name("leadctl"))


def test_concurrent_next_never_hands_out_a_client_twice(db_url: str, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(ALWAYS + "queue:\n  lease_seconds: 600\n", encoding="utf-8")
    w = world(open_engine(db_url))
    own = [w.client("ana") for _ in range(6)]
    pool = [w.client(None) for _ in range(14)]
    procs = [
        subprocess.Popen(
            [LEADCTL, "--db", db_url, "--rules", str(rules), "next", "--rep", rep, "--format", "json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "LEADCTL_ACTOR": "dialer"},
        )
        for rep in ["ana@example.com", "bo@example.com"] * 8
    ]
    got: list[tuple[str, int]] = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        rec = json.loads(out)
        got.append((rec["rep"], rec["client_id"]))
    ids = [cid for _, cid in got]
    assert len(set(ids)) == len(ids) == 16
    assert {cid for rep, cid in got if rep == "bo@example.com"} <= set(pool)  # bo holds nothing of ana's
    assert set(ids) <= set(own) | set(pool)
    E, LE = schema.lead_event, schema.client_lease
    with w.engine.connect() as conn:
        assert conn.execute(select(func.count()).where(E.c.kind == EventKind.CLAIMED)).scalar_one() == 16
        leases = dict(conn.execute(select(LE.c.client_id, LE.c.rep_id)).all())
    assert sorted(leases) == sorted(ids)
    assert all(leases[cid] == w.rep[rep.split("@")[0]] for rep, cid in got)
