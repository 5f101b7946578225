"""The rep's work on a SQLite file without statistics (leadctl never analyses SQLite; a user's
file has none): every statement ``queue``, ``next`` and ``lists`` run is planned as it runs, and
none reads ``ix_activity_type_at_client_id`` without a lower time bound — that is, every
activity of a type up to a moment, for one client or for one rep. Offered the type beside the
client, SQLite's planner had taken that index: at 1M clients a rep's queue took 200 s instead
of 0.2 (the callback-due look-up per engaged client), ``next`` 0.6 s instead of 0.2 (the
client's last call) and ``lists --rep`` 26 s instead of 0.7 (every call, then its assignment)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time

from leadctl.rules import load_rules
from leadctl.services.work import dialer, lists, queue
from leadctl.storage.engine import open_engine
from tests.services.queue_factory import ALWAYS, NOW, QueueWorld, world
from tests.sqlite_plans import planned, unanalysed


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
    assert unanalysed(w.engine, ("activity",))
    return w, load_rules(path)


def test_queue_and_next_read_each_clients_own_activities(busy: tuple[QueueWorld, Any]) -> None:
    w, rules = busy
    with freeze_time(NOW):
        plans = planned(w.engine, lambda: queue.queue(w.engine, rules, "ana", limit=50, at=NOW))
        plans += planned(w.engine, lambda: dialer.claim_next(w.engine, rules, "ana"))
    assert len(plans) > 10 and _whole_type_reads(plans) == []


def test_lists_read_the_reps_clients_then_their_activities(busy: tuple[QueueWorld, Any]) -> None:
    w, rules = busy
    plans = planned(w.engine, lambda: lists.overview(w.engine, rules, "ana"))
    plans += planned(w.engine, lambda: lists.show(w.engine, rules, "ana", "Nurture"))
    assert len(plans) > 5 and _whole_type_reads(plans) == []
