"""SQLite keeps no statistics (leadctl never runs ANALYZE on it), so its planner picks by index
shape alone; the benchmarks' databases are analysed, users' are not. The metrics that read
every client or every assignment are planned here on a database without statistics for those
tables: no per-row detour through an index that does not cover what the statement reads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Engine

from leadctl.rules import load_rules
from leadctl.services.assign.fairness import assignment_metrics
from leadctl.services.metrics.common import Scope
from leadctl.services.metrics.queue import queue_depth
from tests.report.world import NOW, build
from tests.sqlite_plans import planned, unanalysed

RULES = load_rules(None)


def _plans(engine: Engine, url: str, run: Callable[[], Any]) -> list[tuple[str, list[str]]]:
    """``planned`` on a file with no statistics for client and assignment."""
    assert unanalysed(engine, ("client", "assignment"))
    return planned(engine, run)


def _joins_every_clients_assignment_from_the_covering_index(plans: list[tuple[str, list[str]]]) -> None:
    joined = [lines for s, lines in plans if "JOIN assignment" in s]
    assert joined and all(not any("ux_assignment_active_client" in x for x in lines) for lines in joined)
    assert all(
        any("COVERING INDEX ix_assignment_client_id_started_at" in x for x in lines) for lines in joined
    )


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
    _joins_every_clients_assignment_from_the_covering_index(plans)


def test_sla_check_and_speed_read_each_clients_rep_from_a_covering_index(sqlite_url: str) -> None:
    """The SLA state of every open client (``sla check``: 1M clients, 3.9 -> 2.6 s) and the
    speed facts of every client (``metrics speed`` by stage, the stored bins' refresh)."""
    from leadctl.services.metrics.speed import speed_rows
    from leadctl.services.work.sla import check

    w = build(sqlite_url)
    _joins_every_clients_assignment_from_the_covering_index(
        _plans(w.engine, sqlite_url, lambda: check(w.engine, RULES, at=NOW, limit=50))
    )
    _joins_every_clients_assignment_from_the_covering_index(
        _plans(w.engine, sqlite_url, lambda: speed_rows(w.engine, by="source", rules=RULES, at=NOW))
    )


def test_funnel_by_rep_reads_each_leads_rep_from_a_covering_index(sqlite_url: str) -> None:
    """1.12M leads, each joined to its client's active assignment: 4.4 -> 1.7 s."""
    from leadctl.services.metrics.funnel import funnel

    w = build(sqlite_url)
    plans = _plans(w.engine, sqlite_url, lambda: funnel(w.engine, Scope(), "rep"))
    _joins_every_clients_assignment_from_the_covering_index(plans)


def test_assignment_metric_groups_the_assignments_before_naming_them(sqlite_url: str) -> None:
    """1M assignments: joined to rep and campaign names first, SQLite read them through
    ``ix_assignment_client_id_started_at`` and then each row (1.6 s); grouped first, 0.35 s."""
    w = build(sqlite_url)
    plans = _plans(w.engine, sqlite_url, lambda: assignment_metrics(w.engine, NOW - timedelta(days=30)))
    read = [lines for s, lines in plans if "FROM assignment" in s]
    assert read and all(not any("ix_assignment_client_id_started_at" in x for x in lines) for lines in read)
