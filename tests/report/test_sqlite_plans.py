"""SQLite keeps no statistics (leadctl never runs ANALYZE on it), so its planner picks by index
shape alone; the benchmarks' databases are analysed, users' are not. The metrics that read
every client or every assignment are planned here on a database without statistics for those
tables: no per-row detour through an index that does not cover what the statement reads."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from leadctl.rules import load_rules
from leadctl.services.assign.fairness import assignment_metrics
from leadctl.services.metrics.common import Scope
from leadctl.services.metrics.queue import queue_depth
from tests.report.world import NOW, build

RULES = load_rules(None)


def _plans(engine: Engine, url: str, run: Callable[[], Any]) -> list[tuple[str, list[str]]]:
    """(statement, its plan's lines) of every SELECT ``run`` makes, planned on the same file."""
    seen: list[tuple[str, Any]] = []

    def capture(_c: object, _cur: object, statement: str, params: Any, _ctx: object, many: bool) -> None:
        if not many and statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    with sqlite3.connect(url.removeprefix("sqlite:///")) as raw:
        stats = raw.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl IN ('client', 'assignment')")
        assert stats.fetchone() == (0,)
        return [(s, [row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {s}", p)]) for s, p in seen]


def test_queue_depth_reads_each_clients_rep_from_a_covering_index(sqlite_url: str) -> None:
    """1M clients: through the active-assignment unique index and the row, 1.9 s; from the
    covering (client_id, started_at, ended_at, rep_id) index, 0.7 s."""
    w = build(sqlite_url)
    rules = RULES
    plans = _plans(
        w.engine,
        sqlite_url,
        lambda: queue_depth(
            w.engine, Scope(), rules.metrics, rules.cooldown, rules.stages.attempted_minimum, as_of=None
        ),
    )
    joined = [lines for s, lines in plans if "JOIN assignment" in s]
    assert joined and all(not any("ux_assignment_active_client" in x for x in lines) for lines in joined)
    assert all(any("COVERING INDEX ix_assignment_client_id_started_at" in x for x in lines) for lines in joined)


def test_assignment_metric_groups_the_assignments_before_naming_them(sqlite_url: str) -> None:
    """1M assignments: joined to rep and campaign names first, SQLite read them through
    ``ix_assignment_client_id_started_at`` and then each row (1.6 s); grouped first, 0.35 s."""
    w = build(sqlite_url)
    plans = _plans(w.engine, sqlite_url, lambda: assignment_metrics(w.engine, NOW - timedelta(days=30)))
    read = [lines for s, lines in plans if "FROM assignment" in s]
    assert read and all(not any("ix_assignment_client_id_started_at" in x for x in lines) for lines in read)
