"""Six real `sla check --escalate` processes at once against one SQLite file and against
PostgreSQL: every level fires exactly once per client and deadline, every breached client is
reassigned exactly once, and the timeline has one `escalated` event per level fired."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from select import select as select_readable

from sqlalchemy import func, select

from leadctl.storage import schema
from leadctl.storage.engine import open_engine
from leadctl.vocab import AssignmentRule, EventKind
from tests.services.assign_factory import World
from tests.services.test_sla import captured_by

LEADCTL = str(Path(sys.executable).with_name("leadctl"))


def test_concurrent_escalation_runs_fire_each_level_once(db_url: str) -> None:
    w = World(open_engine(db_url))
    w.add_campaign("C")
    for key in ("r1", "r2", "r3"):
        w.add_rep(key, campaigns=["C"])
    ids = w.add_clients("C", 300)
    captured_by(w, ids, "r1", datetime.now(UTC) - timedelta(days=20))  # far past every level
    procs = [
        subprocess.Popen(
            [LEADCTL, "--db", db_url, "sla", "check", "--escalate", "--format", "jsonl"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "LEADCTL_ACTOR": "cron"},
        )
        for _ in range(6)
    ]
    for p in procs:
        _out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
    E, A, T = schema.sla_escalation, schema.assignment, schema.lead_event
    with w.engine.connect() as conn:
        per_level = conn.execute(select(E.c.level, func.count()).group_by(E.c.level)).all()
        runs = conn.execute(select(func.count(func.distinct(E.c.run)))).scalar()
        escalated = conn.execute(select(func.count()).where(T.c.kind == EventKind.ESCALATED)).scalar()
        moved = conn.execute(
            select(A.c.client_id, func.count())
            .where(A.c.rule == AssignmentRule.ESCALATION)
            .group_by(A.c.client_id)
        ).all()
        doubles = conn.execute(
            select(A.c.client_id)
            .where(A.c.ended_at.is_(None))
            .group_by(A.c.client_id)
            .having(func.count() > 1)
        ).all()
    assert sorted(per_level) == [("manager", 300), ("reassign", 300), ("warn", 300)]
    assert runs is not None and runs >= 1
    assert escalated == 900
    assert len(moved) == 300 and {n for _c, n in moved} == {1}
    assert doubles == []


def test_escalation_commits_before_its_listing_is_read(db_url: str) -> None:
    """`sla check --escalate | less`: while the reader is slow (here: a pipe nobody reads), the
    run's escalations are already committed and other writers go on; none waits for the pager."""
    w = World(open_engine(db_url))
    w.add_campaign("C")
    for key in ("r1", "r2"):
        w.add_rep(key, campaigns=["C"])
    ids = w.add_clients("C", 600)  # ~600 listed rows: far more than a pipe's 64 KiB buffer
    captured_by(w, ids, "r1", datetime.now(UTC) - timedelta(days=20))
    env = {**os.environ, "LEADCTL_ACTOR": "cron", "LEADCTL_BUSY_TIMEOUT_MS": "2000"}
    sla = subprocess.Popen(
        [LEADCTL, "--db", db_url, "sla", "check", "--escalate", "--format", "jsonl"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        assert sla.stdout is not None
        # the listing has started (nothing read: the pipe fills and the writer blocks)
        assert select_readable([sla.stdout], [], [], 300)[0], "sla check printed nothing"
        with w.engine.connect() as conn:
            fired = conn.execute(select(func.count()).select_from(schema.sla_escalation)).scalar()
        assert fired == 1800  # committed while its output is still unread
        log = subprocess.run(
            [
                LEADCTL,
                "--db",
                db_url,
                "activity",
                "log",
                "--client",
                str(ids[0]),
                "--rep",
                "r2@example.com",
                "--type",
                "call",
                "--outcome",
                "no_answer",
            ],  # fmt: skip
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert log.returncode == 0, log.stderr
        assert sla.poll() is None  # still blocked on its unread output: the test held it there
        out, err = sla.communicate(timeout=300)
    finally:
        if sla.poll() is None:
            sla.kill()
    assert sla.returncode == 0, err
    assert len(out.splitlines()) >= 1
