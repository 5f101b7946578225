"""Ten real leadctl processes at once — assign ×3, process ×2, topup ×2, reassign ×2, rep leave —
against one SQLite file and against PostgreSQL: no client ever has two reps, no assignment is
lost (history and timeline complete, managers follow the ledger), and after a final `assign`
every eligible client is assigned."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from leadctl.demo import fakedata
from leadctl.storage import schema
from leadctl.storage.engine import open_engine
from leadctl.vocab import TERMINAL_STAGES, EventKind
from tests.services.assign_factory import World

LEADCTL = str(Path(sys.executable).with_name("leadctl"))


def _start(db_url: str, rules: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [LEADCTL, "--db", db_url, "--rules", str(rules), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "LEADCTL_ACTOR": "cron"},
    )


def _wait(procs: list[subprocess.Popen[str]]) -> None:
    for p in procs:
        _out, err = p.communicate(timeout=600)
        assert p.returncode == 0, f"{p.args!r}: {err}"


def test_assign_topup_reassign_process_leave_at_once(db_url: str, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "routing:\n  models: [round_robin, pool]\n"
        "assignment:\n  shared_pool_share: 0\n  default_capacity: 5000\n  wait_seconds: 120\n",
        encoding="utf-8",
    )
    w = World(open_engine(db_url))
    w.add_campaign("C")
    for key in ("r1", "r2", "r3", "r4", "r5"):
        w.add_rep(key, campaigns=["C"])
    w.add_clients("C", 1500)
    leads = tmp_path / "leads.csv"
    fakedata.write_file(leads, fakedata.generate(600, seed=5, dup_rate=0.1), messy_headers=True)
    _wait([_start(db_url, rules, "bucket", "create", "web", "--campaign", "C")])
    _wait([_start(db_url, rules, "load", str(leads), "--bucket", "web")])
    _wait([_start(db_url, rules, "assign", "--campaign", "C", "--seed", "1")])  # a first round to move around
    some = [str(c) for c in w.clients[:40]]
    procs = [
        _start(db_url, rules, "assign", "--campaign", "C"),
        _start(db_url, rules, "process"),
        _start(db_url, rules, "topup", "--rep", "r4@example.com", "--campaign", "C", "--target", "400"),
        _start(db_url, rules, "reassign", "--to", "r1@example.com", "--from", "r2@example.com"),
        _start(db_url, rules, "assign", "--campaign", "C"),
        _start(db_url, rules, "process"),
        _start(db_url, rules, "topup", "--rep", "r3@example.com", "--campaign", "C", "--target", "400"),
        _start(
            db_url, rules, "reassign", "--to", "r5@example.com", *[a for c in some for a in ("--client", c)]
        ),
        _start(db_url, rules, "rep", "leave", "r2@example.com"),
        _start(db_url, rules, "assign", "--campaign", "C"),
    ]
    _wait(procs)
    _wait([_start(db_url, rules, "process"), _start(db_url, rules, "assign", "--campaign", "C")])

    A, C, E = schema.assignment, schema.client, schema.lead_event
    with w.engine.connect() as conn:
        doubles = conn.execute(
            select(A.c.client_id)
            .where(A.c.ended_at.is_(None))
            .group_by(A.c.client_id)
            .having(func.count() > 1)
        ).all()
        assert doubles == []
        active = dict(conn.execute(select(A.c.client_id, A.c.rep_id).where(A.c.ended_at.is_(None))).all())
        clients = conn.execute(
            select(C.c.id, C.c.manager_id, C.c.stage).where(C.c.merged_into_id.is_(None))
        ).all()
        # every eligible client is assigned after the final run; managers follow the ledger
        for cid, manager, stage in clients:
            if stage not in TERMINAL_STAGES:
                assert cid in active, f"client {cid} unassigned"
            assert manager == active.get(cid)
        # history complete: one ASSIGNED event per assignment row, one UNASSIGNED per ended row
        n_rows = conn.execute(select(func.count()).select_from(A)).scalar_one()
        n_ended = conn.execute(select(func.count()).where(A.c.ended_at.is_not(None))).scalar_one()
        n_assigned = conn.execute(select(func.count()).where(E.c.kind == EventKind.ASSIGNED)).scalar_one()
        n_unassigned = conn.execute(select(func.count()).where(E.c.kind == EventKind.UNASSIGNED)).scalar_one()
        assert (n_assigned, n_unassigned) == (n_rows, n_ended)
        assert n_ended > 0 and len(clients) > 1500  # things moved, and process added clients
        r2 = conn.execute(
            select(func.count()).where(A.c.rep_id == w.rep["r2"], A.c.ended_at.is_(None))
        ).scalar_one()
        assert r2 == 0  # the rep who left holds nothing
