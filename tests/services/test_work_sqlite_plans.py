"""The rep's work on a SQLite file without statistics (leadctl never analyses SQLite; a user's
file has none): every statement ``queue``, ``next`` and ``lists`` run is planned as it runs, and
none reads ``ix_activity_type_at_client_id`` without a lower time bound — that is, every
activity of a type up to a moment, for one client or for one rep. Offered the type beside the
client, SQLite's planner had taken that index: at 1M clients a rep's queue took 200 s instead
of 0.2 (the callback-due look-up per engaged client), ``next`` 0.6 s instead of 0.2 (the
client's last call) and ``lists --rep`` 26 s instead of 0.7 (every call, then its assignment)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import event

from leadctl.rules import load_rules
from leadctl.services.work import dialer, lists, queue
from leadctl.storage.engine import open_engine
from tests.services.queue_factory import ALWAYS, NOW, QueueWorld, world


def _plans(w: QueueWorld, run: Callable[[], Any]) -> list[tuple[str, list[str]]]:
    """(statement, plan lines) of every SELECT ``run`` makes, planned on its own connection."""
    seen: list[tuple[str, list[str]]] = []

    def plan(_c: object, cur: Any, statement: str, params: Any, _ctx: object, many: bool) -> None:
        if not many and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            rows = cur.connection.execute(f"EXPLAIN QUERY PLAN {statement}", params).fetchall()
            seen.append((statement, [row[3] for row in rows]))

    event.listen(w.engine, "before_cursor_execute", plan)
    try:
        run()
    finally:
        event.remove(w.engine, "before_cursor_execute", plan)
    return seen


def _whole_type_reads(plans: list[tuple[str, list[str]]]) -> list[str]:
    """The statements that read a type's activities with no lower bound on the time."""
    bad = ("ix_activity_type_at_client_id (type=?)", "ix_activity_type_at_client_id (type=? AND at<?)")
    return [s[:120] for s, lines in plans if any(b in x for b in bad for x in lines)]


@pytest.fixture
def busy(sqlite_url: str, tmp_path: Path) -> tuple[QueueWorld, Any]:
    """A rep's clients in every stage with calls, e-mails, meetings and callback dispositions."""
    path = tmp_path / "rules.yaml"
    path.write_text(ALWAYS, encoding="utf-8")
    w = world(open_engine(sqlite_url))
    for i, stage in enumerate(["untouched", "attempted", "engaged", "engaged", "appointment"] * 3):
        cid = w.client("ana" if i % 4 else None, stage=stage)
        w.act(cid, "call", "no_answer", NOW - timedelta(days=2, minutes=i))
        w.act(cid, "email", "sent", NOW - timedelta(days=1, minutes=i))
        if stage == "engaged":
            w.act(
                cid,
                "disposition",
                "callback",
                NOW - timedelta(hours=20),
                callback_at=NOW + timedelta(hours=2),
            )
        if stage == "appointment":
            w.act(cid, "meeting", "booked", NOW - timedelta(days=3), meeting_at=NOW + timedelta(hours=2))
    with w.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'activity'").scalar() == 0
    return w, load_rules(path)


def test_queue_and_next_read_each_clients_own_activities(busy: tuple[QueueWorld, Any]) -> None:
    w, rules = busy
    with freeze_time(NOW):
        plans = _plans(w, lambda: queue.queue(w.engine, rules, "ana", limit=50, at=NOW))
        plans += _plans(w, lambda: dialer.claim_next(w.engine, rules, "ana"))
    assert len(plans) > 10 and _whole_type_reads(plans) == []


def test_lists_read_the_reps_clients_then_their_activities(busy: tuple[QueueWorld, Any]) -> None:
    w, rules = busy
    plans = _plans(w, lambda: lists.overview(w.engine, rules, "ana"))
    plans += _plans(w, lambda: lists.show(w.engine, rules, "ana", "Nurture"))
    assert len(plans) > 5 and _whole_type_reads(plans) == []
