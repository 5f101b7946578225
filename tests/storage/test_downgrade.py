"""`db downgrade` on a populated database: works on both backends, linear time, progress, Ctrl-C.

The database is filled with plain SQL at head (leads that became clients, their timeline, a
rep's assignments), the shape that made `db downgrade -1` fail on SQLite with "FOREIGN KEY
constraint failed" (a batch rebuild of ``client`` with foreign keys on).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import text

from leadctl.storage import engine as engine_mod
from leadctl.storage import migrate
from tests.conftest import Leadctl

NOW = "2026-11-01 10:00:00"
MAIN = "import sys; from leadctl.cli import main; sys.exit(main())"


def populate(url: str, n: int) -> None:
    """n leads, each the origin of its own client, each with a timeline entry; a rep assigned to half."""
    engine = engine_mod.open_engine(url)
    seq = f"WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {n})"
    with engine.begin() as conn:
        x = conn.execute
        x(
            text(
                f"INSERT INTO campaign (id, name, active, created_at, updated_at) VALUES (1, 'C', true, '{NOW}', '{NOW}')"
            )
        )
        x(
            text(
                f"INSERT INTO rep (id, email, name, role, skills, territories, active, created_at, updated_at) VALUES (1, 'a@example.com', 'A', 'setter', '[]', '[]', true, '{NOW}', '{NOW}')"
            )
        )
        x(
            text(
                f"INSERT INTO bucket (id, name, label, campaign_id, manager_id, active, view_unassigned_only, created_at, updated_at) VALUES (1, 'b', 'b', 1, 1, true, false, '{NOW}', '{NOW}')"
            )
        )
        x(
            text(
                f"{seq} INSERT INTO client (id, campaign_id, manager_id, origin_lead_id, email, custom, created_at, updated_at, stage) SELECT i, 1, 1, i, 'p' || i || '@example.com', '{{}}', '{NOW}', '{NOW}', 'untouched' FROM seq"
            )
        )
        x(
            text(
                f"{seq} INSERT INTO lead (id, bucket_id, campaign_id, row_hash, status, reasons, manager_id, client_id, email, registered_at, custom, raw, created_at, updated_at) SELECT i, 1, 1, 'h' || i, 'processed', '[]', 1, i, 'p' || i || '@example.com', '{NOW}', '{{}}', '{{}}', '{NOW}', '{NOW}' FROM seq"
            )
        )
        x(
            text(
                f"{seq} INSERT INTO lead_event (lead_id, client_id, at, kind, actor, data) SELECT i, i, '{NOW}', 'processed', 't', '{{}}' FROM seq"
            )
        )
        x(
            text(
                f"{seq} INSERT INTO assignment (client_id, rep_id, campaign_id, rule, reason, actor, started_at) SELECT i, 1, 1, 'manual', '{{}}', 't', '{NOW}' FROM seq WHERE i % 2 = 0"
            )
        )
    engine.dispose()


def count(url: str, table: str) -> int:
    engine = engine_mod.create(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


def revision(url: str) -> str | None:
    engine = engine_mod.create(url)
    try:
        with engine.connect() as conn:
            return migrate.current_revision(conn)
    finally:
        engine.dispose()


def test_downgrade_step_by_step_keeps_the_leads_and_clients(db_url: str) -> None:
    populate(db_url, 2000)
    lc = Leadctl(db_url)
    revisions = sorted(f.name[:4] for f in (migrate.migrations_dir() / "versions").glob("0*.py"))
    assert revisions[-1] == migrate.HEAD
    for target in reversed(revisions[:-1]):
        result = lc("db", "downgrade", "--yes", "--", "-1")
        assert revision(db_url) == target
        assert "→ " + target in result.stderr  # each step is named as it finishes
        assert count(db_url, "lead") == 2000
        assert count(db_url, "client") == 2000
    lc("db", "upgrade")
    assert revision(db_url) == migrate.HEAD
    assert count(db_url, "lead") == 2000


@pytest.mark.slow
def test_downgrade_of_100k_leads_is_linear_and_quick(sqlite_url: str) -> None:
    populate(sqlite_url, 100_000)
    started = time.monotonic()
    Leadctl(sqlite_url)("db", "downgrade", "--yes", "0001")
    assert time.monotonic() - started < 60  # was > 12 minutes (quadratic), before that an error
    assert count(sqlite_url, "lead") == 100_000


def test_ctrl_c_during_a_downgrade_leaves_the_database_as_it_was(sqlite_url: str) -> None:
    populate(sqlite_url, 100_000)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", MAIN, "--db", sqlite_url, "db", "downgrade", "--yes", "0001"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert proc.stderr is not None
    first = proc.stderr.readline()  # the first step is done; 0006 → 0005 later rebuilds client and lead_event
    assert f"{migrate.HEAD} → " in first
    proc.send_signal(signal.SIGINT)
    rest = proc.stderr.read()
    assert proc.wait(timeout=60) == 130, rest
    assert "Interrupted: nothing was changed" in rest
    assert revision(sqlite_url) == migrate.HEAD
    assert count(sqlite_url, "lead") == 100_000
    assert count(sqlite_url, "client") == 100_000
    assert count(sqlite_url, "assignment") == 50_000


def test_ctrl_c_during_a_postgres_downgrade_leaves_the_database_as_it_was(pg_url: str) -> None:
    """The PostgreSQL twin: the downgrade is one transaction there too, and Ctrl-C inside a
    running statement cancels it (psycopg) and rolls back the steps already done.

    To interrupt it inside a statement on purpose (PostgreSQL's DDL is too quick to hit by
    timing), the test holds a share lock on ``load``: the first step (0014, on ``client``)
    finishes and is named, the second (0013, on ``load``) waits for the lock — then SIGINT.
    """
    populate(pg_url, 100_000)
    holder = engine_mod.create(pg_url)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    try:
        with holder.connect() as conn:
            conn.execute(text("LOCK TABLE load IN ACCESS SHARE MODE"))  # held until this block ends
            proc = subprocess.Popen(
                [sys.executable, "-c", MAIN, "--db", pg_url, "db", "downgrade", "--yes", "0001"],
                stderr=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                text=True,
                env=env,
            )
            assert proc.stderr is not None
            first = proc.stderr.readline()
            assert f"{migrate.HEAD} → " in first, first
            waiting = 0
            for _ in range(600):  # until the downgrade's ALTER TABLE load waits for our lock
                waiting = conn.execute(
                    text("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'load'::regclass")
                ).scalar_one()
                if waiting:
                    break
                time.sleep(0.05)
            assert waiting, "the downgrade never reached the locked table"
            proc.send_signal(signal.SIGINT)
            rest = proc.stderr.read()
            assert proc.wait(timeout=60) == 130, rest
            conn.rollback()
    finally:
        holder.dispose()
    assert "Interrupted: nothing was changed" in rest
    assert revision(pg_url) == migrate.HEAD  # the finished 0014 step was rolled back with the rest
    assert count(pg_url, "lead") == 100_000
    assert count(pg_url, "client") == 100_000
    assert count(pg_url, "assignment") == 50_000
    Leadctl(pg_url)("db", "downgrade", "--yes", "--", "-1")  # and it still works afterwards
    assert revision(pg_url) != migrate.HEAD
